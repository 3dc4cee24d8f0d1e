// Test support only (imported by *.test.ts): the corpus manifest and a minimal Part 10 walker that finds the
// Pixel Data element and cuts it into frames, so codec tests do not depend on the production reader.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import type { PixelDescription } from './pixel-description.js';

// The corpus lives beside the repository (../shared/dicom-corpus), in development and in CI.
export const CORPUS_DIR = process.env.TESSERA_CORPUS_DIR ?? fileURLToPath(new URL('../../../../shared/dicom-corpus', import.meta.url));

export interface ManifestFrame {
  readonly index: number;
  readonly crc32: number;
  readonly min: number;
  readonly max: number;
  readonly high_bits_dirty?: boolean;
}

export interface ManifestEntry {
  readonly path: string;
  readonly expect: string;
  readonly transfer_syntax_uid: string | null;
  readonly photometric_interpretation: string | null;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly samples_per_pixel: number | null;
  readonly bits_allocated: number | null;
  readonly bits_stored: number | null;
  readonly high_bit: number | null;
  readonly pixel_representation: number | null;
  readonly planar_configuration: number | null;
  readonly number_of_frames: number | null;
  readonly has_pixel_data: boolean;
  readonly decodable: boolean | null;
  readonly decoded_photometric_interpretation: string | null;
  readonly lossy_transfer_syntax: boolean;
  readonly decoder_dependent: boolean | null;
  readonly frames: readonly ManifestFrame[];
  readonly tags: readonly string[];
}

export function corpusAvailable(): boolean {
  return existsSync(join(CORPUS_DIR, 'MANIFEST.json'));
}

export function loadManifest(): readonly ManifestEntry[] {
  const manifest = JSON.parse(readFileSync(join(CORPUS_DIR, 'MANIFEST.json'), 'utf8')) as { files: ManifestEntry[] };
  return manifest.files;
}

export function pixelDescriptionOf(entry: ManifestEntry): PixelDescription {
  return {
    rows: entry.rows ?? 0,
    columns: entry.columns ?? 0,
    samplesPerPixel: entry.samples_per_pixel ?? 1,
    bitsAllocated: entry.bits_allocated ?? 0,
    bitsStored: entry.bits_stored ?? 0,
    highBit: entry.high_bit ?? 0,
    pixelRepresentation: entry.pixel_representation === 1 ? 1 : 0,
    photometricInterpretation: entry.photometric_interpretation ?? '',
    planarConfiguration: entry.planar_configuration === 1 ? 1 : entry.planar_configuration === 0 ? 0 : undefined,
  };
}

export interface CorpusFrame {
  readonly bytes: Uint8Array;
  readonly bitOffset?: number;
}

interface PixelDataValue {
  readonly transferSyntaxUID: string;
  readonly native?: Uint8Array;
  readonly fragments?: readonly Uint8Array[];
  readonly offsetTable?: readonly number[];
}

/** The frames of a corpus file, as the streaming reader hands them to the codec. */
export function readCorpusFrames(entry: ManifestEntry): CorpusFrame[] {
  const value = readPixelData(readFileSync(join(CORPUS_DIR, entry.path)));
  const pixel = pixelDescriptionOf(entry);
  const frameCount = entry.number_of_frames ?? 1;
  if (value.native) {
    const frames: CorpusFrame[] = [];
    const pixelsPerFrame = pixel.rows * pixel.columns;
    if (pixel.bitsAllocated === 1) {
      for (let i = 0; i < frameCount; i++) {
        const firstBit = i * pixelsPerFrame;
        const start = Math.floor(firstBit / 8);
        const end = Math.ceil((firstBit + pixelsPerFrame) / 8);
        frames.push({ bytes: value.native.subarray(start, end), bitOffset: firstBit % 8 });
      }
      return frames;
    }
    const is422 = pixel.photometricInterpretation === 'YBR_FULL_422';
    const samples = is422 ? pixelsPerFrame * 2 : pixelsPerFrame * pixel.samplesPerPixel;
    const frameBytes = (samples * pixel.bitsAllocated) / 8;
    for (let i = 0; i < frameCount; i++) frames.push({ bytes: value.native.subarray(i * frameBytes, (i + 1) * frameBytes) });
    return frames;
  }
  return splitFragments(value.fragments ?? [], value.offsetTable ?? [], frameCount).map((bytes) => ({ bytes }));
}

export function transferSyntaxOf(entry: ManifestEntry): string {
  return readPixelData(readFileSync(join(CORPUS_DIR, entry.path))).transferSyntaxUID;
}

function splitFragments(fragments: readonly Uint8Array[], offsets: readonly number[], frameCount: number): Uint8Array[] {
  if (frameCount === 1) return [concat(fragments)];
  if (offsets.length === frameCount && offsets.some((o) => o > 0)) {
    const frames: Uint8Array[][] = offsets.map(() => []);
    let position = 0;
    for (const fragment of fragments) {
      let frame = 0;
      while (frame + 1 < offsets.length && position >= (offsets[frame + 1] ?? Infinity)) frame++;
      frames[frame]?.push(fragment);
      position += fragment.length + 8;
    }
    return frames.map(concat);
  }
  if (fragments.length === frameCount) return [...fragments];
  // No offset table: a new frame starts with a JPEG SOI or a J2K SOC marker.
  const frames: Uint8Array[][] = [];
  for (const fragment of fragments) {
    const startsFrame = fragment[0] === 0xff && (fragment[1] === 0xd8 || fragment[1] === 0x4f);
    if (startsFrame || frames.length === 0) frames.push([]);
    frames[frames.length - 1]?.push(fragment);
  }
  return frames.map(concat);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

interface Syntax {
  readonly explicit: boolean;
  readonly littleEndian: boolean;
}

/** Walks a Part 10 file (or a bare Implicit VR data set) to the top-level Pixel Data element. */
function readPixelData(file: Buffer): PixelDataValue {
  let position = 0;
  let transferSyntaxUID = '1.2.840.10008.1.2';
  let data: Buffer = file;
  // File Meta Information after the preamble, or (non-conformant) at byte 0 without one.
  if (file.length >= 132 && file.toString('latin1', 128, 132) === 'DICM') position = 132;
  if (file.length >= 8 && file.readUInt16LE(position) === 0x0002) {
    while (position + 8 <= file.length && file.readUInt16LE(position) === 0x0002) {
      const element = file.readUInt16LE(position + 2);
      const vr = file.toString('latin1', position + 4, position + 6);
      const long = LONG_VRS.has(vr);
      const length = long ? file.readUInt32LE(position + 8) : file.readUInt16LE(position + 6);
      const valueAt = position + (long ? 12 : 8);
      if (element === 0x0010) transferSyntaxUID = file.toString('latin1', valueAt, valueAt + length).replace(/[\0 ]+$/, '');
      position = valueAt + length;
    }
  }
  if (transferSyntaxUID === '1.2.840.10008.1.2.1.99') {
    data = Buffer.concat([file.subarray(0, position), inflateRawSync(file.subarray(position))]);
  }
  const syntax: Syntax = {
    explicit: transferSyntaxUID !== '1.2.840.10008.1.2',
    littleEndian: transferSyntaxUID !== '1.2.840.10008.1.2.2',
  };
  const found = walk(data, position, data.length, syntax, true);
  if (!found) throw new Error('no Pixel Data');
  return { transferSyntaxUID, ...found };
}

function walk(data: Buffer, start: number, end: number, syntax: Syntax, topLevel: boolean): Omit<PixelDataValue, 'transferSyntaxUID'> | undefined {
  let position = start;
  const u16 = (at: number) => (syntax.littleEndian ? data.readUInt16LE(at) : data.readUInt16BE(at));
  const u32 = (at: number) => (syntax.littleEndian ? data.readUInt32LE(at) : data.readUInt32BE(at));
  while (position + 8 <= end) {
    const group = u16(position);
    const element = u16(position + 2);
    let vr = '';
    let length: number;
    let valueAt: number;
    if (group === 0xfffe) {
      length = u32(position + 4);
      valueAt = position + 8;
    } else if (syntax.explicit && /^[A-Z]{2}$/.test(data.toString('latin1', position + 4, position + 6))) {
      vr = data.toString('latin1', position + 4, position + 6);
      const long = LONG_VRS.has(vr);
      length = long ? u32(position + 8) : u16(position + 6);
      valueAt = position + (long ? 12 : 8);
    } else {
      length = u32(position + 4);
      valueAt = position + 8;
    }
    if (topLevel && group === 0x7fe0 && element === 0x0010) {
      if (length !== UNDEFINED) return { native: data.subarray(valueAt, valueAt + length) };
      return readFragments(data, valueAt, syntax);
    }
    if (length === UNDEFINED) {
      // A sequence (or item) of undefined length; UN content is Implicit VR Little Endian (PS3.5 6.2.2).
      const inner: Syntax = vr === 'UN' ? { explicit: false, littleEndian: true } : syntax;
      position = skipUndefined(data, valueAt, inner);
    } else {
      position = valueAt + length;
    }
  }
  return undefined;
}

/** Returns the position after the delimitation item that closes an undefined-length value. */
function skipUndefined(data: Buffer, start: number, syntax: Syntax): number {
  let position = start;
  const u16 = (at: number) => (syntax.littleEndian ? data.readUInt16LE(at) : data.readUInt16BE(at));
  const u32 = (at: number) => (syntax.littleEndian ? data.readUInt32LE(at) : data.readUInt32BE(at));
  while (position + 8 <= data.length) {
    const group = u16(position);
    const element = u16(position + 2);
    if (group === 0xfffe && (element === 0xe0dd || element === 0xe00d)) return position + 8;
    let length: number;
    let valueAt: number;
    let vr = '';
    if (group !== 0xfffe && syntax.explicit && /^[A-Z]{2}$/.test(data.toString('latin1', position + 4, position + 6))) {
      vr = data.toString('latin1', position + 4, position + 6);
      const long = LONG_VRS.has(vr);
      length = long ? u32(position + 8) : u16(position + 6);
      valueAt = position + (long ? 12 : 8);
    } else {
      length = u32(position + 4);
      valueAt = position + 8;
    }
    if (length === UNDEFINED) {
      const inner: Syntax = vr === 'UN' ? { explicit: false, littleEndian: true } : syntax;
      position = skipUndefined(data, valueAt, inner);
    } else {
      position = valueAt + length;
    }
  }
  return data.length;
}

function readFragments(data: Buffer, start: number, syntax: Syntax): Omit<PixelDataValue, 'transferSyntaxUID'> {
  const items: Uint8Array[] = [];
  let position = start;
  const u16 = (at: number) => (syntax.littleEndian ? data.readUInt16LE(at) : data.readUInt16BE(at));
  const u32 = (at: number) => (syntax.littleEndian ? data.readUInt32LE(at) : data.readUInt32BE(at));
  while (position + 8 <= data.length) {
    const element = u16(position + 2);
    const length = u32(position + 4);
    if (element === 0xe0dd) break;
    items.push(data.subarray(position + 8, position + 8 + length));
    position += 8 + length;
  }
  const [table, ...fragments] = items;
  const offsetTable: number[] = [];
  if (table) for (let i = 0; i + 4 <= table.length; i += 4) offsetTable.push(Buffer.from(table.buffer, table.byteOffset).readUInt32LE(i));
  return { fragments, offsetTable };
}
