// Where each frame of the Pixel Data lies: native frames from the image geometry (PS3.5 §8.1), encapsulated frames from the
// offset tables or the fragments (PS3.5 §A.4). Only positions here; no pixel bytes are read.
import type { DicomJsonDataset } from './dicom-json.js';
import { DicomParseError } from './dicom-parse-error.js';
import type { FrameCodestream } from './transfer-syntax.js';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface FrameLocation {
  /** Byte ranges in `ParsedInstance.frameSource` whose concatenation is the frame (native: one range; encapsulated: its fragments). */
  readonly ranges: readonly ByteRange[];
  /** Native BitsAllocated 1 only: bit offset of the frame inside the first range's first byte (frames are packed back to back). */
  readonly bitOffset?: number;
}

/** AWS HealthImaging warning codes (behavior.md §4.3) this module can detect. */
export type PixelDataWarning = 'INVALID_OFFSET_TABLE' | 'FRAME_NUMBER_MISMATCH' | 'FRAMES_EXTRACTION_FAILURE';

export interface PixelDataLocation {
  /** 7FE00010 Pixel Data, 7FE00008 Float Pixel Data (vr OF) or 7FE00009 Double Float Pixel Data (vr OD). */
  readonly tag: string;
  readonly isEncapsulated: boolean;
  /** OB / OW (OF / OD for float pixel data). */
  readonly vr: string;
  /** The value field in `frameSource`: native bytes, or for encapsulated data the items through the sequence delimiter. */
  readonly valueOffset: number;
  readonly valueLength: number;
  readonly frames: readonly FrameLocation[];
  /** Problems that do not stop the import (AWS warning codes, behavior.md §4.3). */
  readonly warnings: readonly PixelDataWarning[];
}

/** One item of encapsulated Pixel Data after the Basic Offset Table. */
export interface Fragment {
  /** Offset of the item tag. */
  readonly itemOffset: number;
  readonly offset: number;
  readonly length: number;
  /** The first (up to 8) bytes of the fragment, to recognise the start of a codestream. */
  readonly head: Buffer;
}

export interface FrameGeometry {
  readonly rows: number | undefined;
  readonly columns: number | undefined;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number | undefined;
  readonly numberOfFrames: number;
  readonly photometricInterpretation: string | undefined;
}

function firstNumber(dataset: DicomJsonDataset, tag: string): number | undefined {
  const value = dataset[tag]?.Value?.[0];
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}

export function frameGeometryOf(dataset: DicomJsonDataset): FrameGeometry {
  const numberOfFrames = firstNumber(dataset, '00280008');
  const photometric = dataset['00280004']?.Value?.[0];
  return {
    rows: firstNumber(dataset, '00280010'),
    columns: firstNumber(dataset, '00280011'),
    samplesPerPixel: firstNumber(dataset, '00280002') ?? 1,
    bitsAllocated: firstNumber(dataset, '00280100'),
    numberOfFrames: numberOfFrames !== undefined && Number.isInteger(numberOfFrames) && numberOfFrames >= 1 ? numberOfFrames : 1,
    photometricInterpretation: typeof photometric === 'string' ? photometric : undefined,
  };
}

const MAX_FRAMES = 1 << 24;

/** Native frames lie back to back; BitsAllocated 1 frames are packed bits and may start inside a byte (PS3.5 §8.1.1). */
export function nativeFrames(geometry: FrameGeometry, valueOffset: number, valueLength: number, defaultBitsAllocated?: number): { frames: FrameLocation[]; warnings: PixelDataWarning[] } {
  const { rows, columns, samplesPerPixel, numberOfFrames } = geometry;
  const bitsAllocated = geometry.bitsAllocated ?? defaultBitsAllocated;
  if (!rows || !columns || !bitsAllocated || rows < 0 || columns < 0 || samplesPerPixel < 1) {
    return { frames: [], warnings: ['FRAMES_EXTRACTION_FAILURE'] }; // the attributes are missing: the validator reports which
  }
  if (bitsAllocated !== 1 && bitsAllocated % 8 !== 0) {
    throw new DicomParseError(`BitsAllocated ${bitsAllocated} cannot describe native Pixel Data: it must be 1 or a multiple of 8 (PS3.5 §8.1.1)`);
  }
  // Uncompressed YBR_FULL_422 stores two luminance and one Cb/Cr pair per two pixels (PS3.3 C.7.6.3.1.2).
  const samplesPerFrame = geometry.photometricInterpretation === 'YBR_FULL_422' && samplesPerPixel === 3 ? rows * columns * 2 : rows * columns * samplesPerPixel;
  const bitsPerFrame = samplesPerFrame * bitsAllocated;
  const requiredBytes = Math.ceil((bitsPerFrame * numberOfFrames) / 8);
  if (valueLength < requiredBytes) {
    const formula = `Rows x Columns x SamplesPerPixel x BitsAllocated x NumberOfFrames (${rows} x ${columns} x ${samplesPerPixel} x ${bitsAllocated} x ${numberOfFrames} bits)`;
    throw new DicomParseError(`Pixel Data is shorter than ${formula} requires: ${valueLength} bytes instead of ${requiredBytes}`, valueOffset);
  }
  if (numberOfFrames > MAX_FRAMES) throw new DicomParseError(`NumberOfFrames ${numberOfFrames} is more than ${MAX_FRAMES}`);
  const frames: FrameLocation[] = new Array(numberOfFrames);
  for (let index = 0; index < numberOfFrames; index++) {
    const firstBit = index * bitsPerFrame;
    const byteOffset = Math.floor(firstBit / 8);
    const bitOffset = firstBit % 8;
    const length = Math.ceil((bitOffset + bitsPerFrame) / 8);
    const ranges = [{ offset: valueOffset + byteOffset, length }];
    frames[index] = bitsAllocated === 1 ? { ranges, bitOffset } : { ranges };
  }
  return { frames, warnings: [] };
}

export interface EncapsulatedFramesInput {
  readonly fragments: readonly Fragment[];
  readonly basicOffsetTable: Buffer;
  readonly extendedOffsetTable: Buffer | undefined;
  readonly extendedOffsetTableLengths: Buffer | undefined;
  readonly numberOfFrames: number;
  readonly codestream: FrameCodestream | undefined;
}

/**
 * Frames of encapsulated Pixel Data: the Extended Offset Table, else the Basic Offset Table, else one frame per fragment when
 * the counts agree, else everything as one frame for single-frame images, else split where a new codestream starts.
 */
export function encapsulatedFrames(input: EncapsulatedFramesInput): { frames: FrameLocation[]; warnings: PixelDataWarning[] } {
  const { fragments, numberOfFrames } = input;
  const warnings: PixelDataWarning[] = [];
  const counted = (frames: FrameLocation[]): { frames: FrameLocation[]; warnings: PixelDataWarning[] } => {
    if (frames.length !== numberOfFrames) warnings.push('FRAME_NUMBER_MISMATCH');
    return { frames, warnings };
  };
  if (input.codestream === 'video') return { frames: [frameOf(fragments)], warnings }; // a video stream is one "frame"
  if (input.extendedOffsetTable !== undefined && input.extendedOffsetTable.length > 0) {
    const offsets = readUint64s(input.extendedOffsetTable);
    const lengths = input.extendedOffsetTableLengths === undefined ? undefined : readUint64s(input.extendedOffsetTableLengths);
    const frames = lengths !== undefined && lengths.length === offsets.length ? framesFromOffsets(offsets, fragments, lengths) : undefined;
    if (frames !== undefined) return counted(frames);
    warnings.push('INVALID_OFFSET_TABLE');
  }
  if (input.basicOffsetTable.length > 0) {
    const frames = input.basicOffsetTable.length % 4 === 0 ? framesFromOffsets(readUint32s(input.basicOffsetTable), fragments, undefined) : undefined;
    if (frames !== undefined) return counted(frames);
    if (!warnings.includes('INVALID_OFFSET_TABLE')) warnings.push('INVALID_OFFSET_TABLE');
  }
  if (fragments.length === numberOfFrames) return { frames: fragments.map((fragment) => frameOf([fragment])), warnings };
  if (numberOfFrames === 1) return { frames: [frameOf(fragments)], warnings };
  const split = splitAtCodestreams(fragments, input.codestream);
  return counted(split ?? fragments.map((fragment) => frameOf([fragment])));
}

function frameOf(fragments: readonly Fragment[]): FrameLocation {
  return { ranges: fragments.map(({ offset, length }) => ({ offset, length })) };
}

/** Offsets count from the item tag of the first fragment (PS3.5 §A.4); each must start a fragment, in increasing order. */
function framesFromOffsets(offsets: readonly number[], fragments: readonly Fragment[], lengths: readonly number[] | undefined): FrameLocation[] | undefined {
  if (offsets.length === 0 || offsets[0] !== 0 || fragments.length === 0) return undefined;
  const base = fragments[0].itemOffset;
  const indexOfOffset = new Map(fragments.map((fragment, index) => [fragment.itemOffset - base, index]));
  const starts: number[] = [];
  for (const offset of offsets) {
    const index = indexOfOffset.get(offset);
    if (index === undefined || (starts.length > 0 && index <= starts[starts.length - 1])) return undefined;
    starts.push(index);
  }
  const frames = starts.map((start, i) => frameOf(fragments.slice(start, starts[i + 1] ?? fragments.length)));
  if (lengths !== undefined && frames.some((frame, i) => frame.ranges.reduce((sum, range) => sum + range.length, 0) !== lengths[i])) return undefined;
  return frames;
}

/** Groups fragments into frames at each fragment that begins a codestream; undefined when the syntax gives no such marker. */
function splitAtCodestreams(fragments: readonly Fragment[], codestream: FrameCodestream | undefined): FrameLocation[] | undefined {
  if (fragments.length === 0 || !startsCodestream(fragments[0].head, codestream)) return undefined;
  const frames: FrameLocation[] = [];
  let start = 0;
  for (let index = 1; index <= fragments.length; index++) {
    if (index === fragments.length || startsCodestream(fragments[index].head, codestream)) {
      frames.push(frameOf(fragments.slice(start, index)));
      start = index;
    }
  }
  return frames;
}

const JP2_SIGNATURE = Buffer.from('0000000c6a502020', 'hex');
const JXL_CONTAINER = Buffer.from('0000000c4a584c20', 'hex');

function startsCodestream(head: Buffer, codestream: FrameCodestream | undefined): boolean {
  switch (codestream) {
    case 'jpeg': return head[0] === 0xff && head[1] === 0xd8; // SOI
    case 'jpeg-2000': return (head[0] === 0xff && head[1] === 0x4f) || head.subarray(0, 8).equals(JP2_SIGNATURE); // SOC, or a JP2 file
    case 'jpeg-xl': return (head[0] === 0xff && head[1] === 0x0a) || head.subarray(0, 8).equals(JXL_CONTAINER);
    case 'rle': return head.length >= 8 && head.readUInt32LE(0) >= 1 && head.readUInt32LE(0) <= 15 && head.readUInt32LE(4) === 64; // RLE header
    default: return false;
  }
}

function readUint32s(bytes: Buffer): number[] {
  const values: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) values.push(bytes.readUInt32LE(at));
  return values;
}

function readUint64s(bytes: Buffer): number[] {
  const values: number[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) values.push(Number(bytes.readBigUInt64LE(at)));
  return values;
}
