// Writes a DICOM Part 10 file (PS3.10 §7.1) from a DICOM JSON data set: preamble, File Meta Information, and the data set
// in Explicit VR Little Endian, followed by native or encapsulated Pixel Data (PS3.5 §A.4).
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue, PersonNameValue } from './dicom-json.js';
import { vrSpecOf } from './value-representation.js';

export const TESSERA_IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1558.1';
const IMPLEMENTATION_VERSION_NAME = 'TESSERA_1';

export type PixelDataPayload =
  /** Native pixel data: the bytes of all frames, concatenated (and bit-packed for BitsAllocated 1). */
  | { readonly kind: 'native'; readonly vr: 'OB' | 'OW'; readonly bytes: Uint8Array }
  /** Encapsulated pixel data: one fragment per frame, with a Basic Offset Table. */
  | { readonly kind: 'encapsulated'; readonly frames: readonly Uint8Array[] }
  /** A whole stored Pixel Data value (already encapsulated or native), written under its VR. */
  | { readonly kind: 'raw'; readonly vr: string; readonly tag: string; readonly isEncapsulated: boolean; readonly bytes: Uint8Array };

export interface Part10Input {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly transferSyntaxUID: string;
  /** The data set without group 0002 and without Pixel Data. */
  readonly dataset: DicomJsonDataset;
  readonly pixelData?: PixelDataPayload;
}

/** The Part 10 bytes, as chunks (pixel data buffers are not copied). */
export function writePart10(input: Part10Input): Buffer[] {
  return [...writePart10Head(input), ...pixelChunks(input.pixelData)];
}

/**
 * Everything of a Part 10 file before its Pixel Data: preamble, File Meta Information, the data set. Followed by
 * nativePixelDataHeader + the frames, or encapsulatedPixelDataStart + encapsulatedFragment per frame +
 * sequenceDelimitation, it is the file writePart10 gives, written as frames arrive.
 */
export function writePart10Head(input: Omit<Part10Input, 'pixelData'>): Buffer[] {
  const meta = new ByteWriter();
  writeElement(meta, '00020001', { vr: 'OB', InlineBinary: Buffer.from([0, 1]).toString('base64') });
  writeElement(meta, '00020002', { vr: 'UI', Value: [input.sopClassUID] });
  writeElement(meta, '00020003', { vr: 'UI', Value: [input.sopInstanceUID] });
  writeElement(meta, '00020010', { vr: 'UI', Value: [input.transferSyntaxUID] });
  writeElement(meta, '00020012', { vr: 'UI', Value: [TESSERA_IMPLEMENTATION_CLASS_UID] });
  writeElement(meta, '00020013', { vr: 'SH', Value: [IMPLEMENTATION_VERSION_NAME] });
  const metaBytes = meta.toBuffer();
  const head = new ByteWriter();
  head.bytes(Buffer.alloc(128));
  head.bytes(Buffer.from('DICM', 'latin1'));
  head.header('00020000', 'UL', 4);
  head.uint32(metaBytes.length);
  head.bytes(metaBytes);

  const body = new ByteWriter();
  // Strings are written as UTF-8; the character set must then say ISO_IR 192 (PS3.5 §6.1.2.5.3).
  const dataset: DicomJsonDataset = hasNonAscii(input.dataset) ? { ...upperCased(input.dataset), '00080005': { vr: 'CS', Value: ['ISO_IR 192'] } } : upperCased(input.dataset);
  for (const tag of Object.keys(dataset).sort()) {
    if (tag.startsWith('0002') || tag === '7FE00010' || tag === '7FE00008' || tag === '7FE00009' || tag.startsWith('FFFE')) continue;
    writeElement(body, tag, dataset[tag]!);
  }
  return [head.toBuffer(), body.toBuffer()];
}

/** The header of native Pixel Data (7FE0,0010) holding `length` bytes (even: pad odd values yourself). */
export function nativePixelDataHeader(vr: 'OB' | 'OW', length: number): Buffer {
  const w = new ByteWriter();
  w.header('7FE00010', vr, length);
  return w.toBuffer();
}

/**
 * Encapsulated Pixel Data of undefined length with an empty Basic Offset Table, which PS3.5 §A.4 allows: the offsets
 * are unknown while frames are still being read.
 */
export function encapsulatedPixelDataStart(): Buffer {
  const w = new ByteWriter();
  w.header('7FE00010', 'OB', 0xffffffff);
  w.item(0);
  return w.toBuffer();
}

/** One frame as one fragment item (padded to even length). */
export function encapsulatedFragment(frame: Uint8Array): Buffer[] {
  const item = new ByteWriter();
  item.item(frame.length + (frame.length % 2));
  const chunks = [item.toBuffer(), Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)];
  if (frame.length % 2 === 1) chunks.push(Buffer.alloc(1));
  return chunks;
}

/** The Sequence Delimitation Item that ends encapsulated Pixel Data. */
export function sequenceDelimitation(): Buffer {
  const end = new ByteWriter();
  end.tag('FFFEE0DD');
  end.uint32(0);
  return end.toBuffer();
}

function upperCased(dataset: DicomJsonDataset): DicomJsonDataset {
  const out: Record<string, DicomJsonElement> = {};
  for (const [tag, element] of Object.entries(dataset)) out[tag.toUpperCase()] = element;
  return out;
}

function findCaseInsensitive(dataset: DicomJsonDataset, tag: string): DicomJsonElement | undefined {
  const key = Object.keys(dataset).find((k) => k.toUpperCase() === tag);
  return key === undefined ? undefined : dataset[key];
}

function pixelChunks(pixel: PixelDataPayload | undefined): Buffer[] {
  if (pixel === undefined) return [];
  const w = new ByteWriter();
  if (pixel.kind === 'native') {
    const padded = pixel.bytes.length % 2 === 1;
    w.header('7FE00010', pixel.vr, pixel.bytes.length + (padded ? 1 : 0));
    return [w.toBuffer(), Buffer.from(pixel.bytes.buffer, pixel.bytes.byteOffset, pixel.bytes.byteLength), ...(padded ? [Buffer.alloc(1)] : [])];
  }
  if (pixel.kind === 'raw') {
    if (pixel.isEncapsulated) w.header(pixel.tag, pixel.vr, 0xffffffff);
    else w.header(pixel.tag, pixel.vr, pixel.bytes.length + (pixel.bytes.length % 2));
    return [w.toBuffer(), Buffer.from(pixel.bytes.buffer, pixel.bytes.byteOffset, pixel.bytes.byteLength), ...(!pixel.isEncapsulated && pixel.bytes.length % 2 === 1 ? [Buffer.alloc(1)] : [])];
  }
  // Encapsulated (PS3.5 §A.4): undefined length, Basic Offset Table item, one fragment per frame, sequence delimiter.
  w.header('7FE00010', 'OB', 0xffffffff);
  const offsets = Buffer.alloc(pixel.frames.length * 4);
  let offset = 0;
  pixel.frames.forEach((frame, i) => {
    offsets.writeUInt32LE(offset, i * 4);
    offset += 8 + frame.length + (frame.length % 2);
  });
  w.item(offsets.length);
  w.bytes(offsets);
  const chunks: Buffer[] = [w.toBuffer()];
  for (const frame of pixel.frames) chunks.push(...encapsulatedFragment(frame));
  chunks.push(sequenceDelimitation());
  return chunks;
}

class ByteWriter {
  private readonly chunks: Buffer[] = [];

  bytes(b: Uint8Array): void {
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }

  uint32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    this.chunks.push(b);
  }

  tag(tag: string): void {
    const b = Buffer.alloc(4);
    b.writeUInt16LE(parseInt(tag.slice(0, 4), 16), 0);
    b.writeUInt16LE(parseInt(tag.slice(4, 8), 16), 2);
    this.chunks.push(b);
  }

  /** Explicit VR header (PS3.5 §7.1.2): 2-byte length, or 2 reserved bytes + 4-byte length for the long VRs. */
  header(tag: string, vr: string, length: number): void {
    this.tag(tag);
    const long = vrSpecOf(vr)?.hasLongLength ?? true;
    if (long) {
      const b = Buffer.alloc(8);
      b.write(vr, 0, 'latin1');
      b.writeUInt32LE(length >>> 0, 4);
      this.chunks.push(b);
    } else {
      const b = Buffer.alloc(4);
      b.write(vr, 0, 'latin1');
      b.writeUInt16LE(length, 2);
      this.chunks.push(b);
    }
  }

  item(length: number): void {
    this.tag('FFFEE000');
    this.uint32(length);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeElement(w: ByteWriter, tag: string, element: DicomJsonElement): void {
  let vr = (element.vr ?? 'UN').toUpperCase();
  if (vrSpecOf(vr) === undefined) vr = 'UN';
  if (vr === 'SQ') {
    // Undefined-length sequence and items with delimiters: no lengths to precompute (PS3.5 §7.5.2).
    w.header(tag, 'SQ', 0xffffffff);
    for (const item of element.Value ?? []) {
      w.tag('FFFEE000');
      w.uint32(0xffffffff);
      const dataset = (item ?? {}) as DicomJsonDataset;
      for (const child of Object.keys(dataset).map((t) => t.toUpperCase()).sort()) {
        const childElement = dataset[child] ?? findCaseInsensitive(dataset, child);
        if (childElement !== undefined && !child.startsWith('FFFE')) writeElement(w, child, childElement);
      }
      w.tag('FFFEE00D');
      w.uint32(0);
    }
    w.tag('FFFEE0DD');
    w.uint32(0);
    return;
  }
  const value = encodeValue(vr, element);
  // A value too long for a 16-bit length cannot be written under its VR; UN keeps the bytes (PS3.5 §6.2.2).
  if (!(vrSpecOf(vr)?.hasLongLength ?? true) && value.length > 0xffff) vr = 'UN';
  w.header(tag, vr, value.length);
  w.bytes(value);
}

function encodeValue(vr: string, element: DicomJsonElement): Buffer {
  const spec = vrSpecOf(vr)!;
  if (element.InlineBinary !== undefined) return pad(Buffer.from(element.InlineBinary, 'base64'), 0);
  const values = element.Value ?? [];
  switch (spec.kind) {
    case 'bulk':
      return pad(Buffer.alloc(0), 0); // values kept outside (BulkDataURI) are not part of the rebuilt object
    case 'binary-number':
      return encodeNumbers(vr, values);
    case 'attribute-tag': {
      const b = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => {
        const t = typeof v === 'number' ? (v >>> 0).toString(16).padStart(8, '0') : String(v).replace(/[(),\s]/g, '');
        b.writeUInt16LE(parseInt(t.slice(0, 4), 16) || 0, i * 4);
        b.writeUInt16LE(parseInt(t.slice(4, 8), 16) || 0, i * 4 + 2);
      });
      return b;
    }
    case 'person-name':
      return pad(Buffer.from(values.map((v) => (v === null ? '' : personName(v))).join('\\'), 'utf8'), 0x20);
    case 'decimal':
      return pad(Buffer.from(values.map((v) => (v === null ? '' : decimalText(vr, v))).join('\\'), 'latin1'), 0x20);
    default: {
      const text = values.map((v) => (v === null || v === undefined ? '' : String(v))).join('\\');
      return pad(Buffer.from(text, 'utf8'), vr === 'UI' ? 0 : 0x20);
    }
  }
}

function decimalText(vr: string, v: DicomJsonValue): string {
  if (typeof v !== 'number') return String(v).trim();
  if (vr === 'IS') return String(Math.trunc(v));
  // DS holds at most 16 characters (PS3.5 Table 6.2-1).
  const plain = String(v);
  if (plain.length <= 16) return plain;
  for (let digits = 15; digits > 0; digits--) {
    const candidate = String(Number(v.toPrecision(digits)));
    if (candidate.length <= 16) return candidate;
    const exp = v.toExponential(Math.max(0, digits - 6));
    if (exp.length <= 16) return exp;
  }
  return v.toExponential(0);
}

function personName(v: DicomJsonValue): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  const pn = v as PersonNameValue;
  const groups = [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''];
  while (groups.length > 1 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

function encodeNumbers(vr: string, values: readonly DicomJsonValue[]): Buffer {
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'UL' || vr === 'SL' || vr === 'FL' ? 4 : 8;
  const b = Buffer.alloc(values.length * size);
  values.forEach((raw, i) => {
    const o = i * size;
    const n = typeof raw === 'number' ? raw : Number(raw);
    switch (vr) {
      case 'US': b.writeUInt16LE(n & 0xffff, o); break;
      case 'SS': b.writeInt16LE(((n + 0x8000) & 0xffff) - 0x8000, o); break;
      case 'UL': b.writeUInt32LE(n >>> 0, o); break;
      case 'SL': b.writeInt32LE(n | 0, o); break;
      case 'FL': b.writeFloatLE(n, o); break;
      case 'FD': b.writeDoubleLE(n, o); break;
      case 'UV': b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(typeof raw === 'string' ? raw : Math.trunc(n))), o); break;
      case 'SV': b.writeBigInt64LE(BigInt.asIntN(64, BigInt(typeof raw === 'string' ? raw : Math.trunc(n))), o); break;
    }
  });
  return b;
}

function pad(b: Buffer, byte: number): Buffer {
  return b.length % 2 === 0 ? b : Buffer.concat([b, Buffer.from([byte])]);
}

function hasNonAscii(dataset: DicomJsonDataset): boolean {
  for (const element of Object.values(dataset)) {
    for (const v of element.Value ?? []) {
      if (typeof v === 'string' && /[^\x00-\x7f]/.test(v)) return true;
      if (v !== null && typeof v === 'object') {
        if (element.vr === 'SQ') {
          if (hasNonAscii(v as DicomJsonDataset)) return true;
        } else if (/[^\x00-\x7f]/.test(personName(v))) return true;
      }
    }
  }
  return false;
}
