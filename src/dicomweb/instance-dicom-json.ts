// An instance of an image set metadata document (AWS's Patient/Study/Series/Instances form, behavior.md §6) as a
// PS3.18 F.2 DICOM JSON data set: tags as keys, explicit VRs, Value arrays, PN objects, IS/DS numbers, binary values
// inline or as BulkDataURI (dicomweb.md §4.3).
import { createHash } from 'node:crypto';
import { tagInfo, tagOf, type DicomJsonDataset, type DicomJsonElement, type DicomJsonValue } from '../dicom/index.js';
import type { DocumentInstance, DocumentItem, DocumentValue, ImageSetMetadataDocument } from '../image-sets/index.js';

const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);
const NUMBER_VRS: ReadonlySet<string> = new Set(['US', 'UL', 'SS', 'SL', 'UV', 'SV', 'FL', 'FD']);
/** Binary values larger than this become BulkDataURIs (dicomweb.md §4.3: "larger than 1 MB"). */
export const BULKDATA_THRESHOLD_BYTES = 1024 * 1024;

export interface InstanceLocation {
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  readonly instance: DocumentInstance;
}

/** Finds an instance of the document, or undefined. */
export function findInstance(document: ImageSetMetadataDocument, seriesInstanceUID: string, sopInstanceUID: string): InstanceLocation | undefined {
  const instance = document.Study.Series[seriesInstanceUID]?.Instances[sopInstanceUID];
  return instance === undefined ? undefined : { seriesInstanceUID, sopInstanceUID, instance };
}

/** Every instance of a series of the document. */
export function seriesInstances(document: ImageSetMetadataDocument, seriesInstanceUID: string): InstanceLocation[] {
  const series = document.Study.Series[seriesInstanceUID];
  if (series === undefined) return [];
  return Object.entries(series.Instances).map(([sopInstanceUID, instance]) => ({ seriesInstanceUID, sopInstanceUID, instance }));
}

export interface DicomJsonOptions {
  /** Builds the BulkDataURI of a large binary element from its hash; undefined → the value is inlined whatever its size. */
  readonly bulkDataUri?: (hash: string) => string;
  /** Include the File Meta Information group (0002), with TransferSyntaxUID = the stored syntax. */
  readonly includeFileMeta: boolean;
}

/**
 * The whole instance (Patient + Study + Series + Instance levels, the instance level winning) as DICOM JSON, keys
 * sorted by tag. Pixel Data is never part of it (dicomweb.md §4.3: omitted).
 */
export function instanceDicomJson(document: ImageSetMetadataDocument, location: InstanceLocation, options: DicomJsonOptions): Record<string, DicomJsonElement> {
  const series = document.Study.Series[location.seriesInstanceUID]!;
  const vrs = location.instance.DICOMVRs ?? {};
  const merged: Record<string, DocumentValue> = { ...document.Patient.DICOM, ...document.Study.DICOM, ...series.DICOM, ...location.instance.DICOM };
  const context = contextOf(merged);
  const out: Record<string, DicomJsonElement> = {};
  for (const [key, value] of Object.entries(merged)) {
    const tag = tagOfKey(key);
    if (tag === undefined || tag === '7FE00010') continue;
    if (tag.startsWith('0002') && !options.includeFileMeta) continue;
    out[tag] = toElement(tag, value, vrs, context, [tag], location.sopInstanceUID, options);
  }
  if (options.includeFileMeta && location.instance.StoredTransferSyntaxUID) {
    out['00020010'] = { vr: 'UI', Value: [location.instance.StoredTransferSyntaxUID] };
  }
  return sortByTag(out);
}

/** The bulk data element of an instance whose URI hash is `hash`, as raw bytes, or undefined. */
export function findBulkData(document: ImageSetMetadataDocument, location: InstanceLocation, hash: string): Buffer | undefined {
  let found: Buffer | undefined;
  const visit = (item: DocumentItem, vrs: Record<string, string>, path: string[]) => {
    for (const [key, value] of Object.entries(item)) {
      const tag = tagOfKey(key);
      if (tag === undefined) continue;
      const here = [...path, tag];
      if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object' && value[0] !== null && !Array.isArray(value[0])) {
        (value as DocumentItem[]).forEach((child, i) => visit(child, vrs, [...here, String(i)]));
      } else if (typeof value === 'string' && isBinary(tag, vrs) && base64Length(value) > BULKDATA_THRESHOLD_BYTES) {
        if (bulkHash(location.sopInstanceUID, here, value) === hash) found = Buffer.from(value, 'base64');
      }
    }
  };
  const series = document.Study.Series[location.seriesInstanceUID]!;
  visit({ ...document.Patient.DICOM, ...document.Study.DICOM, ...series.DICOM, ...location.instance.DICOM }, { ...(location.instance.DICOMVRs ?? {}) }, []);
  return found;
}

function isBinary(tag: string, vrs: Record<string, string>): boolean {
  const vr = vrs[tag] ?? tagInfo(tag)?.vr;
  return vr !== undefined && (BINARY_VRS.has(vr) || vr === 'ox' || vr === 'lt');
}

interface VrContext {
  readonly isSigned: boolean;
  readonly bitsAllocated: number;
}

function contextOf(item: Record<string, DocumentValue>): VrContext {
  return { isSigned: item.PixelRepresentation === 1, bitsAllocated: typeof item.BitsAllocated === 'number' ? item.BitsAllocated : 16 };
}

function tagOfKey(key: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return key.toUpperCase();
  return tagOf(key);
}

/** The VR of an element: the instance's DICOMVRs, else the dictionary's, with ambiguous ones resolved (PS3.5 §A.1). */
function vrOf(tag: string, value: DocumentValue, vrs: Readonly<Record<string, string>>, context: VrContext): string {
  const recorded = vrs[tag];
  if (recorded !== undefined) return recorded;
  const dictionary = tagInfo(tag)?.vr;
  if (dictionary === undefined) return 'UN';
  switch (dictionary) {
    case 'xs':
      return context.isSigned ? 'SS' : 'US';
    case 'ox':
      return context.bitsAllocated <= 8 ? 'OB' : 'OW';
    case 'lt':
      return typeof value === 'string' ? 'OW' : 'US';
    case 'up':
      return 'UL';
    default:
      return /^[A-Z]{2}$/.test(dictionary) ? dictionary : dictionary.toUpperCase().slice(0, 2);
  }
}

function toElement(
  tag: string,
  value: DocumentValue,
  vrs: Readonly<Record<string, string>>,
  context: VrContext,
  path: readonly string[],
  sopInstanceUID: string,
  options: DicomJsonOptions,
): DicomJsonElement {
  const vr = vrOf(tag, value, vrs, context);
  if (value === null || value === '' && BINARY_VRS.has(vr)) return { vr };
  if (vr === 'SQ') {
    const items = Array.isArray(value) ? (value as DocumentItem[]) : [value as DocumentItem];
    return {
      vr,
      Value: items.map((item, index) => {
        const out: Record<string, DicomJsonElement> = {};
        const itemContext = { ...context, ...contextOfItem(item, context) };
        for (const [key, child] of Object.entries(item ?? {})) {
          const childTag = tagOfKey(key);
          if (childTag !== undefined) out[childTag] = toElement(childTag, child, vrs, itemContext, [...path, String(index), childTag], sopInstanceUID, options);
        }
        return sortByTag(out);
      }),
    };
  }
  if (BINARY_VRS.has(vr)) {
    const text = typeof value === 'string' ? value : '';
    if (options.bulkDataUri !== undefined && base64Length(text) > BULKDATA_THRESHOLD_BYTES) {
      return { vr, BulkDataURI: options.bulkDataUri(bulkHash(sopInstanceUID, path, text)) };
    }
    return { vr, InlineBinary: text };
  }
  const values = (Array.isArray(value) ? value : [value]) as DocumentValue[];
  return { vr, Value: values.map((v) => toValue(vr, v)) };
}

function contextOfItem(item: DocumentItem, parent: VrContext): Partial<VrContext> {
  return item !== null && typeof item === 'object' && 'PixelRepresentation' in item ? contextOf(item as Record<string, DocumentValue>) : parent;
}

function toValue(vr: string, v: DocumentValue): DicomJsonValue {
  if (v === null || v === undefined) return null;
  if (vr === 'PN') {
    const [alphabetic, ideographic, phonetic] = String(v).split('=');
    return {
      ...(alphabetic ? { Alphabetic: alphabetic } : {}),
      ...(ideographic ? { Ideographic: ideographic } : {}),
      ...(phonetic ? { Phonetic: phonetic } : {}),
    };
  }
  if (vr === 'IS' || vr === 'DS') {
    // PS3.18 F.2.3: IS and DS are JSON numbers; a value that is not a number stays text rather than being lost.
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    return typeof v === 'string' && (v.trim() === '' || !Number.isFinite(n)) ? v : n;
  }
  if (NUMBER_VRS.has(vr)) return typeof v === 'number' ? v : Number.isFinite(Number(v)) ? Number(v) : String(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Stable per (instance, element path, content): the URI changes only when the value does (dicomweb.md §4.6). */
function bulkHash(sopInstanceUID: string, path: readonly string[], base64: string): string {
  const content = createHash('sha256').update(base64).digest('hex');
  return createHash('sha256').update(`${sopInstanceUID}|${path.join('.')}|${content}`).digest('hex').slice(0, 32);
}

function base64Length(text: string): number {
  return Math.floor((text.length * 3) / 4);
}

function sortByTag(record: Record<string, DicomJsonElement>): Record<string, DicomJsonElement> {
  const out: Record<string, DicomJsonElement> = {};
  for (const tag of Object.keys(record).sort()) out[tag] = record[tag]!;
  return out;
}

export type { DicomJsonDataset };
