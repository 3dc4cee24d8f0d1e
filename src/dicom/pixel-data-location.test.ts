import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DicomParseError } from './dicom-parse-error.js';
import { encapsulatedFrames, nativeFrames, type EncapsulatedFramesInput, type Fragment, type FrameGeometry } from './pixel-data-location.js';

const geometry = (overrides: Partial<FrameGeometry>): FrameGeometry => ({
  rows: 4, columns: 4, samplesPerPixel: 1, bitsAllocated: 16, numberOfFrames: 1, photometricInterpretation: 'MONOCHROME2', ...overrides,
});

test('native frames lie back to back', () => {
  const { frames, warnings } = nativeFrames(geometry({ numberOfFrames: 3 }), 1000, 96);
  assert.deepEqual(frames.map((frame) => frame.ranges), [[{ offset: 1000, length: 32 }], [{ offset: 1032, length: 32 }], [{ offset: 1064, length: 32 }]]);
  assert.deepEqual(warnings, []);
});

test('BitsAllocated 1: packed frames may start inside a byte', () => {
  const { frames } = nativeFrames(geometry({ rows: 3, columns: 3, bitsAllocated: 1, numberOfFrames: 3 }), 100, 4);
  assert.deepEqual(frames, [
    { ranges: [{ offset: 100, length: 2 }], bitOffset: 0 }, // bits 0-8
    { ranges: [{ offset: 101, length: 2 }], bitOffset: 1 }, // bits 9-17
    { ranges: [{ offset: 102, length: 2 }], bitOffset: 2 }, // bits 18-26
  ]);
});

test('uncompressed YBR_FULL_422 has two samples per pixel on disk', () => {
  const { frames } = nativeFrames(geometry({ samplesPerPixel: 3, bitsAllocated: 8, photometricInterpretation: 'YBR_FULL_422' }), 0, 32);
  assert.equal(frames[0].ranges[0].length, 32);
});

test('Pixel Data shorter than the geometry requires is an error; longer (padding) is fine', () => {
  assert.throws(() => nativeFrames(geometry({ numberOfFrames: 2 }), 0, 63), (error: unknown) =>
    error instanceof DicomParseError && /Pixel Data is shorter than Rows x Columns x SamplesPerPixel x BitsAllocated x NumberOfFrames .*63 bytes instead of 64/.test(error.message));
  assert.equal(nativeFrames(geometry({}), 0, 33).frames.length, 1);
});

test('impossible BitsAllocated is an error, missing attributes only a warning', () => {
  assert.throws(() => nativeFrames(geometry({ bitsAllocated: 12 }), 0, 1000), /BitsAllocated 12/);
  assert.deepEqual(nativeFrames(geometry({ rows: undefined }), 0, 1000), { frames: [], warnings: ['FRAMES_EXTRACTION_FAILURE'] });
  assert.equal(nativeFrames(geometry({ bitsAllocated: undefined }), 0, 64, 32).frames[0].ranges[0].length, 64); // Float Pixel Data
});

/** Fragments laid out as in a file: item header (8 bytes) then payload, starting at byte 1000. */
function fragments(...specs: readonly (readonly [length: number, head?: readonly number[]])[]): Fragment[] {
  let itemOffset = 1000;
  return specs.map(([length, head = [0, 0]]) => {
    const fragment = { itemOffset, offset: itemOffset + 8, length, head: Buffer.from(head) };
    itemOffset += 8 + length;
    return fragment;
  });
}

function input(overrides: Partial<EncapsulatedFramesInput> & { fragments: Fragment[] }): EncapsulatedFramesInput {
  return { basicOffsetTable: Buffer.alloc(0), extendedOffsetTable: undefined, extendedOffsetTableLengths: undefined, numberOfFrames: 1, codestream: 'jpeg-2000', ...overrides };
}

const u32s = (...values: number[]): Buffer => Buffer.from(new Uint32Array(values).buffer);
const u64s = (...values: number[]): Buffer => Buffer.from(new BigUint64Array(values.map(BigInt)).buffer);
const rangeCounts = (result: { frames: readonly { ranges: readonly unknown[] }[] }): number[] => result.frames.map((frame) => frame.ranges.length);

test('Basic Offset Table: frames start at the listed fragments', () => {
  const parts = fragments([10], [20], [30], [40]);
  const result = encapsulatedFrames(input({ fragments: parts, basicOffsetTable: u32s(0, 18 + 28), numberOfFrames: 2 }));
  assert.deepEqual(rangeCounts(result), [2, 2]);
  assert.deepEqual(result.frames[1].ranges, [{ offset: parts[2].offset, length: 30 }, { offset: parts[3].offset, length: 40 }]);
  assert.deepEqual(result.warnings, []);
});

test('an offset table that does not match the fragments is INVALID_OFFSET_TABLE, and the fragments decide', () => {
  const result = encapsulatedFrames(input({ fragments: fragments([10], [20]), basicOffsetTable: u32s(0, 17), numberOfFrames: 2 }));
  assert.deepEqual(result.warnings, ['INVALID_OFFSET_TABLE']);
  assert.deepEqual(rangeCounts(result), [1, 1]);
});

test('a valid table whose frame count differs from NumberOfFrames is FRAME_NUMBER_MISMATCH', () => {
  const result = encapsulatedFrames(input({ fragments: fragments([10], [20], [30]), basicOffsetTable: u32s(0, 18), numberOfFrames: 3 }));
  assert.deepEqual(result.warnings, ['FRAME_NUMBER_MISMATCH']);
  assert.deepEqual(rangeCounts(result), [1, 2]);
});

test('Extended Offset Table takes precedence', () => {
  const parts = fragments([10], [20], [30]);
  const result = encapsulatedFrames(input({ fragments: parts, extendedOffsetTable: u64s(0, 18, 46), extendedOffsetTableLengths: u64s(10, 20, 30), numberOfFrames: 3 }));
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(rangeCounts(result), [1, 1, 1]);
  const wrongLengths = encapsulatedFrames(input({ fragments: parts, extendedOffsetTable: u64s(0, 18, 46), extendedOffsetTableLengths: u64s(10, 21, 30), numberOfFrames: 3 }));
  assert.deepEqual(wrongLengths.warnings, ['INVALID_OFFSET_TABLE']);
  assert.deepEqual(rangeCounts(wrongLengths), [1, 1, 1]);
});

test('no table: one frame per fragment, or all fragments for a single frame', () => {
  assert.deepEqual(rangeCounts(encapsulatedFrames(input({ fragments: fragments([1], [2], [3]), numberOfFrames: 3 }))), [1, 1, 1]);
  assert.deepEqual(rangeCounts(encapsulatedFrames(input({ fragments: fragments([1], [2], [3]), numberOfFrames: 1 }))), [3]);
});

test('no table, more fragments than frames: split where a codestream starts', () => {
  const soc = [0xff, 0x4f];
  const j2k = encapsulatedFrames(input({ fragments: fragments([5, soc], [5], [5, soc], [5]), numberOfFrames: 2 }));
  assert.deepEqual(rangeCounts(j2k), [2, 2]);
  assert.deepEqual(j2k.warnings, []);
  const soi = [0xff, 0xd8];
  const jpeg = encapsulatedFrames(input({ fragments: fragments([5, soi], [5], [5], [5, soi], [5]), numberOfFrames: 3, codestream: 'jpeg' }));
  assert.deepEqual(rangeCounts(jpeg), [3, 2]);
  assert.deepEqual(jpeg.warnings, ['FRAME_NUMBER_MISMATCH']);
});

test('fragments that cannot be split are one frame each, with FRAME_NUMBER_MISMATCH', () => {
  const result = encapsulatedFrames(input({ fragments: fragments([5], [5], [5]), numberOfFrames: 2, codestream: 'deflate' }));
  assert.deepEqual(rangeCounts(result), [1, 1, 1]);
  assert.deepEqual(result.warnings, ['FRAME_NUMBER_MISMATCH']);
});

test('video: the whole stream is one frame', () => {
  const result = encapsulatedFrames(input({ fragments: fragments([5], [5], [5]), numberOfFrames: 300, codestream: 'video' }));
  assert.deepEqual(rangeCounts(result), [3]);
  assert.deepEqual(result.warnings, []);
});
