// The DICOM JSON model (PS3.18 Annex F.2): the in-memory form of a parsed data set throughout Tessera.

/** Tag as 8 upper-case hex digits, group then element, e.g. "00100010". */
export type DicomTag = string;

export interface PersonNameValue {
  readonly Alphabetic?: string;
  readonly Ideographic?: string;
  readonly Phonetic?: string;
}

export type DicomJsonValue = string | number | PersonNameValue | DicomJsonDataset | null;

export interface DicomJsonElement {
  readonly vr: string;
  /** Absent for an empty element. Numbers for IS/DS/US/SS/UL/SL/FL/FD/UV/SV, strings otherwise, data sets for SQ. */
  readonly Value?: readonly DicomJsonValue[];
  /** Base64 of binary values (OB, OW, OD, OF, OL, OV, UN). */
  readonly InlineBinary?: string;
  readonly BulkDataURI?: string;
}

export type DicomJsonDataset = { readonly [tag: DicomTag]: DicomJsonElement };
