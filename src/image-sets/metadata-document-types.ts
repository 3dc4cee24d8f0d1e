// The JSON shape of the image set metadata document (behavior.md §6.2, §6.7): what GetImageSetMetadata returns.
// Kept apart from the builder so that metadata-levels.ts can use the types without an import cycle.

/** An encoded element value (§6.4): numbers, strings, null, arrays of values (multi-valued) or sequence items. */
export type DocumentValue = string | number | null | readonly DocumentValue[] | DocumentItem;

/** A DICOM object in the document: keyword (or 8-hex tag for private/unknown elements) → encoded value. */
export interface DocumentItem {
  readonly [key: string]: DocumentValue;
}

/** Private / non-derivable VRs of an instance: 8-hex tag → VR. */
export interface DocumentVRs {
  readonly [tag: string]: string;
}

export interface DocumentChecksum {
  readonly Width: number;
  readonly Height: number;
  readonly Checksum: number;
}

export interface DocumentImageFrame {
  readonly ID: string;
  /** Ordered from the smallest resolution level to full resolution; last entry = full resolution (§6.5). */
  readonly PixelDataChecksumFromBaseToFullResolution: readonly DocumentChecksum[];
  readonly MinPixelValue?: number;
  readonly MaxPixelValue?: number;
  readonly FrameSizeInBytes: number;
}

export interface DocumentInstance {
  readonly DICOM: DocumentItem;
  /** Present on every instance written by Tessera (possibly {}); optional because old/updated data may lack it. */
  readonly DICOMVRs?: DocumentVRs;
  readonly StoredTransferSyntaxUID?: string | null;
  readonly ChecksumType?: string;
  readonly ImageFrames?: readonly DocumentImageFrame[];
}

export interface DocumentSeries {
  readonly DICOM: DocumentItem;
  readonly Instances: { readonly [sopInstanceUid: string]: DocumentInstance };
}

export interface ImageSetMetadataDocument {
  /** "1.1" (a string in documents the service returns). */
  readonly SchemaVersion: string;
  readonly DatastoreID: string;
  readonly ImageSetID: string;
  readonly Patient: { readonly DICOM: DocumentItem };
  readonly Study: {
    readonly DICOM: DocumentItem;
    readonly Series: { readonly [seriesInstanceUid: string]: DocumentSeries };
  };
}

export const METADATA_SCHEMA_VERSION = '1.1';
