// One element's value bytes → its DICOM JSON form (PS3.18 §F.2): strings split and unpadded, numbers as numbers, binary as base64.
import type { DicomJsonElement, DicomJsonValue, PersonNameValue } from './dicom-json.js';
import type { TextDecodeFn } from './character-set.js';
import { vrSpecOf, type VrSpec } from './value-representation.js';

export interface ValueContext {
  readonly isLittleEndian: boolean;
  /** Decoder for the VRs that use the Specific Character Set. */
  readonly decodeText: TextDecodeFn;
}

const latin1: TextDecodeFn = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The JSON element for a non-sequence value; `bytes` is exactly the value field. */
export function elementFromValue(vr: string, bytes: Buffer, context: ValueContext): DicomJsonElement {
  const spec = vrSpecOf(vr) ?? vrSpecOf('UN')!;
  if (bytes.length === 0) return { vr };
  switch (spec.kind) {
    case 'bulk':
      return { vr, InlineBinary: (context.isLittleEndian || spec.wordBytes === 1 ? bytes : swapWords(bytes, spec.wordBytes)).toString('base64') };
    case 'binary-number':
      return withValues(vr, readNumbers(vr, spec, bytes, context.isLittleEndian));
    case 'attribute-tag':
      return withValues(vr, readTags(bytes, context.isLittleEndian));
    case 'decimal':
      return withValues(vr, splitText(latin1(bytes), spec).map(decimalValue));
    case 'person-name':
      return withValues(vr, splitText(context.decodeText(bytes), spec).map(personNameValue));
    case 'text':
      return withValues(vr, splitText((spec.usesCharacterSet ? context.decodeText : latin1)(bytes), spec));
    case 'sequence':
      throw new Error('Sequences are parsed item by item, not as one value');
  }
}

function withValues(vr: string, values: DicomJsonValue[]): DicomJsonElement {
  return values.length === 0 || values.every((value) => value === null) ? { vr } : { vr, Value: values };
}

/** Splits on backslash (multi-valued VRs) and strips padding; empty values inside a list become null (PS3.18 §F.2.5). */
function splitText(text: string, spec: VrSpec): (string | null)[] {
  const parts = spec.isMultiValued && text.includes('\\') ? text.split('\\') : [text];
  return parts.map((part) => {
    const stripped = unpad(part, spec.isTrimmedBothSides);
    return stripped === '' ? null : stripped;
  });
}

const isPadding = (code: number): boolean => code === 0x20 || code === 0x00;

/** Removes trailing (and, where insignificant, leading) spaces and NULs. */
function unpad(text: string, isTrimmedBothSides: boolean): string {
  let end = text.length;
  while (end > 0 && isPadding(text.charCodeAt(end - 1))) end--;
  let start = 0;
  if (isTrimmedBothSides) while (start < end && isPadding(text.charCodeAt(start))) start++;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function decimalValue(text: string | null): DicomJsonValue {
  if (text === null) return null;
  const number = Number(text);
  // A value that is not a number is kept as written rather than lost.
  return Number.isFinite(number) && text !== '' ? number : text;
}

function personNameValue(text: string | null): DicomJsonValue {
  if (text === null) return null;
  const [alphabetic, ideographic, phonetic] = text.split('=').map((group) => unpad(group, false));
  const name: { Alphabetic?: string; Ideographic?: string; Phonetic?: string } = {};
  if (alphabetic) name.Alphabetic = alphabetic;
  if (ideographic) name.Ideographic = ideographic;
  if (phonetic) name.Phonetic = phonetic;
  return Object.keys(name).length === 0 ? null : (name as PersonNameValue);
}

function readNumbers(vr: string, spec: VrSpec, bytes: Buffer, isLittleEndian: boolean): DicomJsonValue[] {
  const count = Math.floor(bytes.length / spec.wordBytes);
  const values: DicomJsonValue[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * spec.wordBytes;
    values[i] = readNumber(vr, bytes, at, isLittleEndian);
  }
  return values;
}

function readNumber(vr: string, bytes: Buffer, at: number, le: boolean): DicomJsonValue {
  switch (vr) {
    case 'US': return le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
    case 'SS': return le ? bytes.readInt16LE(at) : bytes.readInt16BE(at);
    case 'UL': return le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    case 'SL': return le ? bytes.readInt32LE(at) : bytes.readInt32BE(at);
    case 'FL': return finiteOrText(le ? bytes.readFloatLE(at) : bytes.readFloatBE(at));
    case 'FD': return finiteOrText(le ? bytes.readDoubleLE(at) : bytes.readDoubleBE(at));
    case 'UV': return bigValue(le ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at));
    case 'SV': return bigValue(le ? bytes.readBigInt64LE(at) : bytes.readBigInt64BE(at));
    default: throw new Error(`Not a binary number VR: ${vr}`);
  }
}

/** JSON has no NaN or Infinity; PS3.18 §F.2.3.1 writes them as strings. */
function finiteOrText(value: number): DicomJsonValue {
  return Number.isFinite(value) ? value : String(value);
}

/** SV/UV beyond ±2^53 cannot be JSON numbers without loss; PS3.18 §F.2.3.1 allows strings for them. */
function bigValue(value: bigint): DicomJsonValue {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function readTags(bytes: Buffer, isLittleEndian: boolean): DicomJsonValue[] {
  const values: DicomJsonValue[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) {
    const group = isLittleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
    const element = isLittleEndian ? bytes.readUInt16LE(at + 2) : bytes.readUInt16BE(at + 2);
    values.push((((group << 16) | element) >>> 0).toString(16).toUpperCase().padStart(8, '0'));
  }
  return values;
}

/** Big-endian words → little-endian, so InlineBinary is always little endian like the rest of DICOM JSON. */
function swapWords(bytes: Buffer, wordBytes: number): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % wordBytes)));
  if (wordBytes === 2) copy.swap16();
  else if (wordBytes === 4) copy.swap32();
  else copy.swap64();
  return Buffer.concat([copy, bytes.subarray(copy.length)]);
}
