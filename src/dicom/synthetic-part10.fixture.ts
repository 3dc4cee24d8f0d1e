// Test fixture: encodes small DICOM data sets and Part 10 files byte by byte, so tests can build exactly the case they need.
import { vrSpecOf } from './value-representation.js';

export interface FixtureSyntax {
  readonly isExplicitVR: boolean;
  readonly isLittleEndian: boolean;
}
export const IMPLICIT_LE: FixtureSyntax = { isExplicitVR: false, isLittleEndian: true };
export const EXPLICIT_LE: FixtureSyntax = { isExplicitVR: true, isLittleEndian: true };
export const EXPLICIT_BE: FixtureSyntax = { isExplicitVR: true, isLittleEndian: false };

export interface FixtureElement {
  /** "00100010" */
  readonly tag: string;
  readonly vr: string;
  /** Text (padded to even length), numbers (encoded by the VR), or raw bytes (padded with 0). */
  readonly value?: string | Buffer | readonly number[];
  /** SQ items. */
  readonly items?: readonly (readonly FixtureElement[])[];
  /** Undefined length: SQ (and its items) with delimiters, or raw encapsulated bytes in `value`. */
  readonly isUndefinedLength?: boolean;
}

const UNDEFINED = 0xffffffff;

function u16(value: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(value);
  else b.writeUInt16BE(value);
  return b;
}
function u32(value: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(value);
  else b.writeUInt32BE(value);
  return b;
}

export function tagBytes(tag: string, le: boolean): Buffer {
  return Buffer.concat([u16(parseInt(tag.slice(0, 4), 16), le), u16(parseInt(tag.slice(4, 8), 16), le)]);
}

type NumberWriter = readonly [size: number, write: (b: Buffer, n: number, le: boolean) => void];
const NUMBER_WRITERS: Record<string, NumberWriter> = {
  US: [2, (b, n, le) => (le ? b.writeUInt16LE(n) : b.writeUInt16BE(n))],
  SS: [2, (b, n, le) => (le ? b.writeInt16LE(n) : b.writeInt16BE(n))],
  UL: [4, (b, n, le) => (le ? b.writeUInt32LE(n) : b.writeUInt32BE(n))],
  SL: [4, (b, n, le) => (le ? b.writeInt32LE(n) : b.writeInt32BE(n))],
  FL: [4, (b, n, le) => (le ? b.writeFloatLE(n) : b.writeFloatBE(n))],
  FD: [8, (b, n, le) => (le ? b.writeDoubleLE(n) : b.writeDoubleBE(n))],
  UV: [8, (b, n, le) => (le ? b.writeBigUInt64LE(BigInt(n)) : b.writeBigUInt64BE(BigInt(n)))],
  SV: [8, (b, n, le) => (le ? b.writeBigInt64LE(BigInt(n)) : b.writeBigInt64BE(BigInt(n)))],
};

function valueBytes(element: FixtureElement, le: boolean): Buffer {
  const { vr, value } = element;
  if (value === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value.length % 2 === 0 ? value : Buffer.concat([value, Buffer.alloc(1)]);
  if (typeof value === 'string') {
    const text = Buffer.from(value, vrSpecOf(vr)?.usesCharacterSet ? 'utf8' : 'latin1');
    return text.length % 2 === 0 ? text : Buffer.concat([text, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  }
  const parts = value.map((n) => {
    if (vr === 'AT') return Buffer.concat([u16(Math.floor(n / 0x10000), le), u16(n % 0x10000, le)]); // n = 0xGGGGEEEE
    const [size, write] = NUMBER_WRITERS[vr] ?? NUMBER_WRITERS.UL;
    const b = Buffer.alloc(size);
    write(b, n, le);
    return b;
  });
  return Buffer.concat(parts);
}

function itemsBytes(items: readonly (readonly FixtureElement[])[], syntax: FixtureSyntax, isUndefinedLength: boolean): Buffer {
  const le = syntax.isLittleEndian;
  const parts: Buffer[] = [];
  for (const item of items) {
    const body = encodeDataset(item, syntax);
    if (isUndefinedLength) parts.push(tagBytes('FFFEE000', le), u32(UNDEFINED, le), body, tagBytes('FFFEE00D', le), u32(0, le));
    else parts.push(tagBytes('FFFEE000', le), u32(body.length, le), body);
  }
  if (isUndefinedLength) parts.push(tagBytes('FFFEE0DD', le), u32(0, le));
  return Buffer.concat(parts);
}

export function encodeElement(element: FixtureElement, syntax: FixtureSyntax): Buffer {
  const le = syntax.isLittleEndian;
  const isUndefinedLength = element.isUndefinedLength === true;
  const body = element.items !== undefined ? itemsBytes(element.items, element.vr === 'UN' ? IMPLICIT_LE : syntax, isUndefinedLength) : valueBytes(element, le);
  const length = isUndefinedLength ? UNDEFINED : body.length;
  const tag = tagBytes(element.tag, le);
  if (!syntax.isExplicitVR) return Buffer.concat([tag, u32(length, le), body]);
  const vr = Buffer.from(element.vr, 'latin1');
  if (vrSpecOf(element.vr)?.hasLongLength ?? true) return Buffer.concat([tag, vr, Buffer.alloc(2), u32(length, le), body]);
  return Buffer.concat([tag, vr, u16(length, le), body]);
}

export function encodeDataset(elements: readonly FixtureElement[], syntax: FixtureSyntax): Buffer {
  return Buffer.concat(elements.map((element) => encodeElement(element, syntax)));
}

/** Preamble, DICM and a File Meta Information group (explicit VR LE) in front of already encoded data set bytes. */
export function part10File(transferSyntaxUID: string, dataset: Buffer, options: { readonly sopInstanceUID?: string } = {}): Buffer {
  const metaElements = encodeDataset([
    { tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) },
    { tag: '00020002', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: '00020003', vr: 'UI', value: options.sopInstanceUID ?? '1.2.3.4.5' },
    { tag: '00020010', vr: 'UI', value: transferSyntaxUID },
  ], EXPLICIT_LE);
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: [metaElements.length] }, EXPLICIT_LE);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, metaElements, dataset]);
}

/** The value of encapsulated Pixel Data: Basic Offset Table item, one item per fragment, Sequence Delimitation Item. */
export function encapsulatedValue(fragments: readonly Buffer[], basicOffsets: readonly number[] = []): Buffer {
  const table = Buffer.concat(basicOffsets.map((offset) => u32(offset, true)));
  const parts = [tagBytes('FFFEE000', true), u32(table.length, true), table];
  for (const fragment of fragments) parts.push(tagBytes('FFFEE000', true), u32(fragment.length, true), fragment);
  parts.push(tagBytes('FFFEE0DD', true), u32(0, true));
  return Buffer.concat(parts);
}

/** Header of an (undefined length, explicit VR LE) encapsulated Pixel Data element. */
export function encapsulatedPixelDataHeader(): Buffer {
  return Buffer.concat([tagBytes('7FE00010', true), Buffer.from('OB', 'latin1'), Buffer.alloc(2), u32(UNDEFINED, true)]);
}

/** Elements every image test needs. */
export function imageElements(options: { rows: number; columns: number; bitsAllocated: number; samplesPerPixel?: number; numberOfFrames?: number; photometric?: string }): FixtureElement[] {
  const elements: FixtureElement[] = [
    { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: '00080018', vr: 'UI', value: '1.2.3.4.5' },
    { tag: '0020000D', vr: 'UI', value: '1.2.3' },
    { tag: '0020000E', vr: 'UI', value: '1.2.3.4' },
    { tag: '00280002', vr: 'US', value: [options.samplesPerPixel ?? 1] },
    { tag: '00280004', vr: 'CS', value: options.photometric ?? 'MONOCHROME2' },
  ];
  if (options.numberOfFrames !== undefined) elements.push({ tag: '00280008', vr: 'IS', value: String(options.numberOfFrames) });
  elements.push(
    { tag: '00280010', vr: 'US', value: [options.rows] },
    { tag: '00280011', vr: 'US', value: [options.columns] },
    { tag: '00280100', vr: 'US', value: [options.bitsAllocated] },
    { tag: '00280101', vr: 'US', value: [options.bitsAllocated] },
    { tag: '00280102', vr: 'US', value: [options.bitsAllocated - 1] },
    { tag: '00280103', vr: 'US', value: [0] },
  );
  return elements;
}
