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
  // A Map, not object spreads: private tags ("20051085") are integer-like keys, which make plain objects slow to build.
  const merged = new Map<string, DocumentValue>();
  for (const level of [document.Patient.DICOM, document.Study.DICOM, series.DICOM, location.instance.DICOM]) {
    for (const key in level) merged.set(key, level[key]!);
  }
  const context: VrContext = { isSigned: merged.get('PixelRepresentation') === 1, bitsAllocated: numberOr(merged.get('BitsAllocated'), 16) };
  const elements: [string, DicomJsonElement][] = [];
  for (const [key, value] of merged) {
    const tag = tagOfKey(key);
    if (tag === undefined || tag === '7FE00010') continue;
    if (tag.startsWith('0002') && (!options.includeFileMeta || tag === '00020010')) continue;
    elements.push([tag, toElement(tag, value, vrs, context, tag, location.sopInstanceUID, options)]);
  }
  if (options.includeFileMeta && location.instance.StoredTransferSyntaxUID) {
    elements.push(['00020010', { vr: 'UI', Value: [location.instance.StoredTransferSyntaxUID] }]);
  }
  // Built once, in tag order (dicomJsonText writes tag order whatever the object's own key order is).
  elements.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(elements);
}

function numberOr(value: DocumentValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
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
        if (bulkHash(location.sopInstanceUID, here.join('.'), value) === hash) found = Buffer.from(value, 'base64');
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

const TAG_OF_KEY = new Map<string, string | undefined>();

/** Document key (keyword or 8-hex tag) → tag; memoised, as every instance of a series repeats the same keys. */
function tagOfKey(key: string): string | undefined {
  let tag = TAG_OF_KEY.get(key);
  if (tag === undefined && !TAG_OF_KEY.has(key)) {
    tag = /^[0-9A-Fa-f]{8}$/.test(key) ? key.toUpperCase() : tagOf(key);
    if (TAG_OF_KEY.size < 100_000) TAG_OF_KEY.set(key, tag);
  }
  return tag;
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
  /** Dotted tag path of the element (items by index), hashed into its BulkDataURI. */
  path: string,
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
        const children: [string, DicomJsonElement][] = [];
        const itemContext = contextOfItem(item, context);
        for (const key in item ?? {}) {
          const childTag = tagOfKey(key);
          if (childTag !== undefined) children.push([childTag, toElement(childTag, item[key]!, vrs, itemContext, `${path}.${index}.${childTag}`, sopInstanceUID, options)]);
        }
        return Object.fromEntries(children);
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

function contextOfItem(item: DocumentItem, parent: VrContext): VrContext {
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
function bulkHash(sopInstanceUID: string, path: string, base64: string): string {
  const content = createHash('sha256').update(base64).digest('hex');
  return createHash('sha256').update(`${sopInstanceUID}|${path}|${content}`).digest('hex').slice(0, 32);
}

function base64Length(text: string): number {
  return Math.floor((text.length * 3) / 4);
}


export type { DicomJsonDataset };
