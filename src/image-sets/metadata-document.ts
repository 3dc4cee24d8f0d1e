// Building the image set metadata document (behavior.md §6) from parsed instances. Pure functions, deterministic output.
import type { DicomJsonDataset, DicomJsonElement } from '../dicom/dicom-json.js';
import { encodeElements, VrCollector } from './metadata-document-encoding.js';
import { partitionElements } from './metadata-levels.js';
import {
  METADATA_SCHEMA_VERSION,
  type DocumentImageFrame,
  type DocumentInstance,
  type DocumentItem,
  type DocumentSeries,
  type DocumentValue,
  type ImageSetMetadataDocument,
} from './metadata-document-types.js';

export type {
  DocumentChecksum,
  DocumentImageFrame,
  DocumentInstance,
  DocumentItem,
  DocumentSeries,
  DocumentValue,
  DocumentVRs,
  ImageSetMetadataDocument,
} from './metadata-document-types.js';
export { METADATA_SCHEMA_VERSION } from './metadata-document-types.js';

export interface FrameForDocument {
  readonly id: string;
  readonly frameSizeInBytes: number;
  readonly minPixelValue?: number;
  readonly maxPixelValue?: number;
  /** CRC32 per resolution level, base → full (the last one is full resolution). */
  readonly checksums: readonly { readonly width: number; readonly height: number; readonly crc32: number }[];
}

export interface InstanceForDocument {
  /** The instance's elements without Pixel Data. */
  readonly dataset: DicomJsonDataset;
  /** Group 0002 (may be empty). */
  readonly fileMeta: DicomJsonDataset;
  readonly storedTransferSyntaxUID: string;
  /** Empty for instances without pixel data. */
  readonly frames: readonly FrameForDocument[];
  /**
   * `ChecksumType` of the instance. Omitted (undefined) → the default rule of {@link defaultChecksumType}; null → the key
   * is not written; a string → written as given.
   */
  readonly checksumType?: string | null;
}

/** Stored transfer syntaxes whose frames Tessera produced by lossless re-encoding (HTJ2K RPCL, HTJ2K, JPEG 2000 lossless). */
const REENCODED_STORAGE_SYNTAXES: ReadonlySet<string> = new Set([
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.90',
]);

/**
 * `ChecksumType` rule [I]: "DECOMPRESSED" is written for instances with frames stored in a losslessly re-encoded storage
 * syntax (checksums over the decoded samples, §6.5, as observed on newer data); instances kept in their original
 * encoding (e.g. JPEG baseline) and instances without frames get no key — matching the two instances of §6.7.
 */
export function defaultChecksumType(storedTransferSyntaxUID: string, frameCount: number): string | undefined {
  return frameCount > 0 && REENCODED_STORAGE_SYNTAXES.has(storedTransferSyntaxUID) ? 'DECOMPRESSED' : undefined;
}

const SOP_INSTANCE_UID = '00080018';
const SERIES_INSTANCE_UID = '0020000E';

interface EncodedInstance {
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly patient: DocumentItem;
  readonly study: DocumentItem;
  readonly series: DocumentItem;
  readonly entry: DocumentInstance;
}

function uidValue(elements: { readonly tag: string; readonly value: DocumentValue }[], tag: string): string | undefined {
  const v = elements.find((e) => e.tag === tag)?.value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Encodes one instance. File meta elements (group 0002) come from `fileMeta`; group-0002 elements inside `dataset`
 * are used only when `fileMeta` lacks them [I]. Throws when SOPInstanceUID or SeriesInstanceUID is missing (run
 * checkElementConstraints first).
 */
function encodeInstance(instance: InstanceForDocument): EncodedInstance {
  const merged: Record<string, DicomJsonElement> = {};
  for (const [tag, el] of Object.entries(instance.dataset)) merged[tag.toUpperCase()] = el;
  for (const [tag, el] of Object.entries(instance.fileMeta)) if (tag.toUpperCase().startsWith('0002')) merged[tag.toUpperCase()] = el;
  const vrs = new VrCollector();
  const elements = encodeElements(merged, vrs, true);
  const sopUid = uidValue(elements, SOP_INSTANCE_UID);
  if (sopUid === undefined) throw new Error('DICOM attribute SOPInstanceUID does not exist');
  const seriesUid = uidValue(elements, SERIES_INSTANCE_UID);
  if (seriesUid === undefined) throw new Error('DICOM attribute SeriesInstanceUID does not exist');
  const levels = partitionElements(elements, vrs);

  const checksumType =
    instance.checksumType === undefined ? defaultChecksumType(instance.storedTransferSyntaxUID, instance.frames.length) : instance.checksumType;
  // Key order of §6.2: DICOM, DICOMVRs, StoredTransferSyntaxUID, ChecksumType, ImageFrames. Instances without pixel
  // data get an empty ImageFrames array (§6.2 allows absent or empty; [] is safer for clients that iterate) [I].
  const entry: DocumentInstance = {
    DICOM: levels.instance,
    DICOMVRs: levels.vrs,
    ...(instance.storedTransferSyntaxUID !== '' ? { StoredTransferSyntaxUID: instance.storedTransferSyntaxUID } : {}),
    ...(checksumType !== undefined && checksumType !== null ? { ChecksumType: checksumType } : {}),
    ImageFrames: instance.frames.map(frameEntry),
  };
  return { seriesUid, sopUid, patient: levels.patient, study: levels.study, series: levels.series, entry };
}

function frameEntry(frame: FrameForDocument): DocumentImageFrame {
  // Key order of §6.2: ID, checksums, MinPixelValue, MaxPixelValue, FrameSizeInBytes; Min/Max omitted when unknown.
  return {
    ID: frame.id,
    PixelDataChecksumFromBaseToFullResolution: frame.checksums.map((c) => ({ Width: c.width, Height: c.height, Checksum: c.crc32 >>> 0 })),
    ...(frame.minPixelValue !== undefined ? { MinPixelValue: frame.minPixelValue } : {}),
    ...(frame.maxPixelValue !== undefined ? { MaxPixelValue: frame.maxPixelValue } : {}),
    FrameSizeInBytes: frame.frameSizeInBytes,
  };
}

interface WorkingSeries {
  readonly DICOM: DocumentItem;
  readonly Instances: Map<string, DocumentInstance>;
}

interface Working {
  patient: DocumentItem | undefined;
  study: DocumentItem | undefined;
  readonly series: Map<string, WorkingSeries>;
}

/**
 * Adds instances in order. Patient and Study levels are those of the first instance placed in the image set, a new
 * series' level those of its first instance (§6.3); later instances do not change them (the caller decides about
 * conflicts with levelsEqual, §5.2). The same SOPInstanceUID replaces the earlier instance, wherever it was; a series
 * left empty by such a move disappears [I].
 */
function addInstances(working: Working, instances: readonly InstanceForDocument[]): void {
  for (const instance of instances) {
    const e = encodeInstance(instance);
    if (working.patient === undefined || working.study === undefined) {
      working.patient = e.patient;
      working.study = e.study;
    }
    for (const [uid, s] of working.series) {
      if (uid !== e.seriesUid && s.Instances.delete(e.sopUid) && s.Instances.size === 0) working.series.delete(uid);
    }
    let series = working.series.get(e.seriesUid);
    if (series === undefined) {
      series = { DICOM: e.series, Instances: new Map() };
      working.series.set(e.seriesUid, series);
    }
    series.Instances.set(e.sopUid, e.entry);
  }
}

function instanceNumberOf(entry: DocumentInstance): number | undefined {
  const v = entry.DICOM['InstanceNumber'];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Instance order [I]: by InstanceNumber (numerically; instances without one last), then by SOPInstanceUID — so the
 * document does not depend on the order files arrived in. Series keep the order in which they entered the image set.
 */
function compareInstances(a: [string, DocumentInstance], b: [string, DocumentInstance]): number {
  const na = instanceNumberOf(a[1]);
  const nb = instanceNumberOf(b[1]);
  if (na !== nb) {
    if (na === undefined) return 1;
    if (nb === undefined) return -1;
    return na - nb;
  }
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function toDocument(schemaVersion: string, datastoreId: string, imageSetId: string, working: Working): ImageSetMetadataDocument {
  const series: Record<string, DocumentSeries> = {};
  for (const [uid, s] of working.series) {
    const instances: Record<string, DocumentInstance> = {};
    for (const [sop, entry] of [...s.Instances].sort(compareInstances)) instances[sop] = entry;
    series[uid] = { DICOM: s.DICOM, Instances: instances };
  }
  return {
    SchemaVersion: schemaVersion,
    DatastoreID: datastoreId,
    ImageSetID: imageSetId,
    Patient: { DICOM: working.patient ?? {} },
    Study: { DICOM: working.study ?? {}, Series: series },
  };
}

/** The metadata document of a new image set holding `instances` (§6.2). */
export function buildMetadataDocument(datastoreId: string, imageSetId: string, instances: readonly InstanceForDocument[]): ImageSetMetadataDocument {
  const working: Working = { patient: undefined, study: undefined, series: new Map() };
  addInstances(working, instances);
  return toDocument(METADATA_SCHEMA_VERSION, datastoreId, imageSetId, working);
}

/**
 * Adds/replaces instances in an existing document (same SOPInstanceUID → replaced), for re-imports into a primary image
 * set. The document's Patient, Study and existing Series levels are kept; a new series takes its level from its first
 * instance. A document without instances takes Patient/Study from the first merged instance [I]. Unchanged parts are
 * shared with the input document (which is not modified).
 */
export function mergeInstances(document: ImageSetMetadataDocument, instances: readonly InstanceForDocument[]): ImageSetMetadataDocument {
  const empty = countInstances(document) === 0;
  const working: Working = {
    patient: empty ? undefined : document.Patient.DICOM,
    study: empty ? undefined : document.Study.DICOM,
    series: new Map(),
  };
  for (const [uid, s] of Object.entries(document.Study.Series)) {
    if (empty && Object.keys(s.Instances).length === 0) continue;
    working.series.set(uid, { DICOM: s.DICOM, Instances: new Map(Object.entries(s.Instances)) });
  }
  addInstances(working, instances);
  return toDocument(String(document.SchemaVersion), document.DatastoreID, document.ImageSetID, working);
}

export function countInstances(document: ImageSetMetadataDocument): number {
  let n = 0;
  for (const s of Object.values(document.Study.Series)) n += Object.keys(s.Instances).length;
  return n;
}

/** Every ImageFrames[].ID, in document order (series, instance, frame number). */
export function listFrameIds(document: ImageSetMetadataDocument): string[] {
  const ids: string[] = [];
  for (const s of Object.values(document.Study.Series)) {
    for (const instance of Object.values(s.Instances)) for (const frame of instance.ImageFrames ?? []) ids.push(frame.ID);
  }
  return ids;
}
