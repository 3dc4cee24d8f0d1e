// Encoding of DICOM JSON (PS3.18 F.2) elements into metadata-document values (behavior.md §6.4):
// keyword keys, VR-specific value encoding, multiplicity, private tags with DICOMVRs, dropped elements.
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue, PersonNameValue } from '../dicom/dicom-json.js';
import { isPrivateTag, tagInfo, tagOf } from '../dicom/dictionary.js';
import type { DocumentItem, DocumentValue } from './metadata-document-types.js';
import { MULTI_VALUED_TAGS } from './metadata-document-multiplicity.js';

/** VRs whose value is raw bytes; encoded as base64 (§6.4). */
export const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);
const NUMERIC_VRS: ReadonlySet<string> = new Set(['US', 'UL', 'SS', 'SL', 'UV', 'SV', 'FL', 'FD']);
const DECIMAL_STRING_VRS: ReadonlySet<string> = new Set(['DS', 'IS']);
/** Text VRs whose trailing padding is removed (§6.4). */
export const TEXT_VRS: ReadonlySet<string> = new Set(['AE', 'AS', 'CS', 'DA', 'DT', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);

/** Upper-case 8-hex form of a tag key from a DICOM JSON data set. */
export function normalizeTag(tag: string): string {
  return tag.toUpperCase();
}

/**
 * Elements never written to the document [I]: Pixel Data and its float variants at the top level (§6.2: "The Pixel Data
 * element itself is not in DICOM"; the input should not have them anyway), Data Set Trailing Padding, item/delimitation
 * tags, and group lengths (gggg,0000) other than FileMetaInformationGroupLength — they are retired outside group 0002
 * and would be wrong after any metadata update. Inside sequence items Pixel Data is kept (Icon Image Sequence stays in
 * the metadata, §7.1).
 */
export function isDroppedTag(tag: string, topLevel: boolean): boolean {
  if (topLevel && (tag === '7FE00010' || tag === '7FE00008' || tag === '7FE00009')) return true;
  if (tag === 'FFFCFFFC' || tag.startsWith('FFFE')) return true;
  return tag.endsWith('0000') && !tag.startsWith('0002');
}

export interface ElementKey {
  /** The document key: the dictionary keyword, or the 8-hex tag for private, unknown and non-canonical tags. */
  readonly key: string;
  /** The keyword when the element is keyed by keyword. */
  readonly keyword?: string;
  /** The dictionary VR as dictionary.ts writes it ("xs", "ox", "lt" for ambiguous ones). */
  readonly dictionaryVr?: string;
}

/**
 * Key of an element. Standard tags use their keyword, but only when the keyword maps back to exactly this tag: for
 * repeating groups (50xx/60xx) only the first group (5000/6000) gets the keyword and the others are keyed by tag, so that
 * two overlays never collide on one key [I] (the reference says elements without a dictionary keyword are keyed by tag).
 */
export function elementKey(tag: string): ElementKey {
  const t = normalizeTag(tag);
  if (isPrivateTag(t)) return { key: t };
  const info = tagInfo(t);
  if (info === undefined || tagOf(info.keyword) !== t) return { key: t };
  return { key: info.keyword, keyword: info.keyword, dictionaryVr: info.vr };
}

/** Group 50xx/60xx (even) → 5000/6000, to look the element up in the dictionary's first repeating group. */
function repeatingGroupBase(tag: string): string {
  return /^(50|60)[0-9A-F]{2}/.test(tag) && (parseInt(tag.slice(3, 4), 16) & 1) === 0 ? `${tag.slice(0, 2)}00${tag.slice(4)}` : tag;
}

/** Whether the dictionary VM of a standard element allows more than one value (→ always an array, §6.4). */
export function isMultiValuedTag(tag: string): boolean {
  const t = normalizeTag(tag);
  if (isPrivateTag(t)) return false;
  const vm = (tagInfo(t) as { vm?: string } | undefined)?.vm;
  if (vm !== undefined && elementKey(t).keyword !== undefined) return vm !== '1';
  return MULTI_VALUED_TAGS.has(repeatingGroupBase(t));
}

function vrMatchesDictionary(dictionaryVr: string, vr: string): boolean {
  const d = dictionaryVr.toUpperCase();
  return d === vr || (d === 'UP' && vr === 'UL');
}

/** Dictionary VR when it is unambiguous (not xs/ox/lt/…, i.e. written in upper case). */
function unambiguousDictionaryVr(dictionaryVr: string | undefined): string | undefined {
  if (dictionaryVr === undefined) return undefined;
  if (dictionaryVr === 'up') return 'UL';
  return /^[A-Z]{2}$/.test(dictionaryVr) ? dictionaryVr : undefined;
}

/** Collects the VRs that cannot be derived from the dictionary; top-level entries win over nested ones. */
export class VrCollector {
  private readonly top = new Map<string, string>();
  private readonly nested = new Map<string, string>();

  record(tag: string, vr: string, topLevel: boolean): void {
    if (topLevel) this.top.set(tag, vr);
    else if (!this.nested.has(tag)) this.nested.set(tag, vr);
  }

  /** Sorted by tag, for deterministic output. */
  toRecord(): Record<string, string> {
    const all = new Map(this.nested);
    for (const [tag, vr] of this.top) all.set(tag, vr);
    const out: Record<string, string> = {};
    for (const tag of [...all.keys()].sort()) out[tag] = all.get(tag)!;
    return out;
  }
}

export interface EncodedElement {
  readonly tag: string;
  readonly key: string;
  readonly value: DocumentValue;
}

/**
 * Encodes every element of a data set (sorted by tag; dropped elements skipped). Records non-derivable VRs — of this
 * level and of all nested sequence items — into `vrs`.
 */
export function encodeElements(dataset: DicomJsonDataset, vrs: VrCollector, topLevel = true): EncodedElement[] {
  const out: EncodedElement[] = [];
  const seen = new Set<string>();
  for (const rawTag of Object.keys(dataset).sort((a, b) => compareTags(normalizeTag(a), normalizeTag(b)))) {
    const tag = normalizeTag(rawTag);
    if (!/^[0-9A-F]{8}$/.test(tag) || seen.has(tag) || isDroppedTag(tag, topLevel)) continue;
    seen.add(tag);
    const encoded = encodeElement(tag, dataset[rawTag]!, vrs, topLevel);
    out.push({ tag, key: encoded.key, value: encoded.value });
  }
  return out;
}

function compareTags(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sequence item or any data set as a document object (keys in tag order). */
export function encodeItem(dataset: DicomJsonDataset, vrs: VrCollector, topLevel = false): DocumentItem {
  const out: Record<string, DocumentValue> = {};
  for (const e of encodeElements(dataset, vrs, topLevel)) out[e.key] = e.value;
  return out;
}

/** Encodes one element: its document key, its value, and its VR into `vrs` when not derivable from the dictionary. */
export function encodeElement(tag: string, element: DicomJsonElement, vrs: VrCollector, topLevel: boolean): { key: string; value: DocumentValue } {
  const t = normalizeTag(tag);
  const k = elementKey(t);
  let vr = (element.vr ?? '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(vr)) vr = unambiguousDictionaryVr(k.dictionaryVr) ?? 'UN';
  let el: DicomJsonElement = element;

  // Private creator elements (gggg,0010-00FF) are always LO strings (§6.4), even when read as UN from implicit VR.
  if (k.keyword === undefined && isPrivateTag(t) && isPrivateCreator(t) && vr === 'UN') {
    el = { vr: 'LO', Value: el.InlineBinary !== undefined ? splitText(decodeText(base64Bytes(el.InlineBinary))) : el.Value };
    vr = 'LO';
  }
  // A standard element stored as UN (explicit VR files written by systems that did not know the tag) is decoded with
  // its unambiguous dictionary VR, as PS3.5 §6.2.2 allows, so that levels and search fields see real values [I].
  const dictVr = unambiguousDictionaryVr(k.dictionaryVr);
  if (k.keyword !== undefined && vr === 'UN' && dictVr !== undefined && dictVr !== 'UN' && dictVr !== 'SQ' && el.InlineBinary !== undefined) {
    const decoded = decodeUnknown(dictVr, base64Bytes(el.InlineBinary));
    if (decoded !== undefined) {
      el = BINARY_VRS.has(dictVr) ? { vr: dictVr, InlineBinary: el.InlineBinary } : { vr: dictVr, Value: decoded };
      vr = dictVr;
    }
  }

  if (k.keyword === undefined || !vrMatchesDictionary(k.dictionaryVr ?? '', vr)) vrs.record(t, vr, topLevel);
  return { key: k.key, value: encodeValue(t, vr, el, vrs) };
}

function isPrivateCreator(tag: string): boolean {
  const element = parseInt(tag.slice(4), 16);
  return element >= 0x0010 && element <= 0x00ff;
}

function encodeValue(tag: string, vr: string, element: DicomJsonElement, vrs: VrCollector): DocumentValue {
  if (vr === 'SQ') {
    const items = element.Value ?? [];
    // An empty sequence is an empty element → null (§6.4 "any element with empty value") [I for SQ].
    if (items.length === 0) return null;
    return items.map((item) => (item !== null && typeof item === 'object' ? encodeItem(item as DicomJsonDataset, vrs, false) : {}));
  }
  if (BINARY_VRS.has(vr)) {
    // Empty UN was observed as "" (§6.4); other empty binary elements are null.
    const empty = vr === 'UN' ? '' : null;
    if (element.InlineBinary !== undefined) return element.InlineBinary === '' ? empty : element.InlineBinary;
    // Values kept outside the metadata (bulk data) show as null [I, §6.2 recommendation].
    if (element.BulkDataURI !== undefined) return null;
    const values = element.Value ?? [];
    if (values.length === 0) return empty;
    if (values.every((v) => typeof v === 'number')) return packBinary(vr, values as number[]);
    // Anything else (a reader that gave text for a binary VR) is encoded like a generic value below.
  }
  const values = (element.Value ?? []).map((v) => encodeScalar(vr, v));
  if (values.every((v) => v === null)) return null;
  return isMultiValuedTag(tag) || values.length > 1 ? values : values[0]!;
}

/** Trailing spaces and NULs removed (§6.4: trailing pad; NUL for UI). */
export function stripTrailingPadding(s: string): string {
  return s.replace(/[ \0]+$/, '');
}

/** PN as plain `Alphabetic=Ideographic=Phonetic` with trailing empty groups dropped (§6.4). */
export function personNameToString(pn: PersonNameValue): string {
  const groups = [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].map(stripTrailingPadding);
  while (groups.length > 0 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

function nonEmpty(s: string): string | null {
  return s === '' ? null : s;
}

function encodeScalar(vr: string, v: DicomJsonValue | undefined): DocumentValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') {
    // Only PN values are objects outside SQ.
    return 'Alphabetic' in v || 'Ideographic' in v || 'Phonetic' in v || Object.keys(v).length === 0
      ? nonEmpty(personNameToString(v as PersonNameValue))
      : null;
  }
  if (vr === 'AT') {
    if (typeof v === 'number') return (v >>> 0).toString(16).toUpperCase().padStart(8, '0');
    return nonEmpty(v.replace(/[(),\s]/g, '').toUpperCase());
  }
  if (DECIMAL_STRING_VRS.has(vr)) {
    // DS/IS are strings exactly as stored (§6.4). DICOM JSON numbers are written in their shortest round-trip form.
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
    return v.trim() === '' ? null : v;
  }
  if (NUMERIC_VRS.has(vr)) {
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    const s = v.trim();
    if (s === '') return null;
    const n = Number(s);
    // Non-numeric text, or 64-bit integers beyond 2^53, stay strings so that nothing is lost [I].
    if (!Number.isFinite(n)) return s;
    if ((vr === 'UV' || vr === 'SV') && !Number.isSafeInteger(n) && /^[+-]?\d+$/.test(s)) return s;
    return n;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? (TEXT_VRS.has(vr) ? String(v) : v) : null;
  return nonEmpty(stripTrailingPadding(v));
}

function base64Bytes(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

/** Little-endian raw bytes of numeric binary values, as base64. */
function packBinary(vr: string, values: readonly number[]): string {
  const size = vr === 'OW' ? 2 : vr === 'OL' || vr === 'OF' ? 4 : vr === 'OD' || vr === 'OV' ? 8 : 1;
  const buf = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    const o = i * size;
    if (vr === 'OW') buf.writeUInt16LE(v & 0xffff, o);
    else if (vr === 'OL') buf.writeUInt32LE(v >>> 0, o);
    else if (vr === 'OF') buf.writeFloatLE(v, o);
    else if (vr === 'OD') buf.writeDoubleLE(v, o);
    else if (vr === 'OV') buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Math.trunc(v))), o);
    else buf.writeUInt8(v & 0xff, o);
  });
  return buf.toString('base64');
}

/** Text bytes: UTF-8 when valid, otherwise Latin-1 (ISO_IR 100 covers most legacy data) [I]. */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function splitText(text: string): string[] {
  return text.split('\\');
}

/** Decodes UN bytes (little endian) with a known VR into DICOM JSON values; undefined when the length does not fit. */
function decodeUnknown(vr: string, bytes: Buffer): DicomJsonValue[] | undefined {
  if (BINARY_VRS.has(vr)) return [];
  if (TEXT_VRS.has(vr) || DECIMAL_STRING_VRS.has(vr)) {
    const text = decodeText(bytes);
    if (vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR') return [text];
    if (vr === 'PN') return splitText(text).map((s) => {
      const [a, i, p] = s.split('=');
      return { Alphabetic: a, ...(i !== undefined ? { Ideographic: i } : {}), ...(p !== undefined ? { Phonetic: p } : {}) };
    });
    return splitText(text);
  }
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'UL' || vr === 'SL' || vr === 'FL' || vr === 'AT' ? 4 : vr === 'FD' || vr === 'UV' || vr === 'SV' ? 8 : 0;
  if (size === 0 || bytes.length % size !== 0) return undefined;
  const out: DicomJsonValue[] = [];
  for (let o = 0; o < bytes.length; o += size) {
    switch (vr) {
      case 'US': out.push(bytes.readUInt16LE(o)); break;
      case 'SS': out.push(bytes.readInt16LE(o)); break;
      case 'UL': out.push(bytes.readUInt32LE(o)); break;
      case 'SL': out.push(bytes.readInt32LE(o)); break;
      case 'FL': out.push(bytes.readFloatLE(o)); break;
      case 'FD': out.push(bytes.readDoubleLE(o)); break;
      case 'AT': out.push(`${hex4(bytes.readUInt16LE(o))}${hex4(bytes.readUInt16LE(o + 2))}`); break;
      case 'UV': out.push(bigToValue(bytes.readBigUInt64LE(o))); break;
      case 'SV': out.push(bigToValue(bytes.readBigInt64LE(o))); break;
    }
  }
  return out;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function bigToValue(b: bigint): number | string {
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b.toString();
}
