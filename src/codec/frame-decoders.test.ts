// Small, synthetic cases for the decoders we wrote ourselves and the rules around them; the corpus tests cover
// real files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { corpusAvailable, loadManifest, pixelDescriptionOf, readCorpusFrames } from './corpus.test-support.js';
import { canonicalize } from './decoded-frame.js';
import { FrameTranscodeError, transcodeFrame, checksumLevels } from './frame-transcoder.js';
import { decodeNativeFrame, packBits, unpackBits } from './native-frame.js';
import { pixelDescriptionOf as pixelDescriptionOfDataset, type PixelDescription } from './pixel-description.js';
import { decodeRleFrame } from './rle-decoder.js';
import { decompositionsFor } from './sample-image.js';
import { HTJ2K_RPCL, importTreatmentOf } from './transfer-syntaxes.js';

const gray = (bitsAllocated: number, bitsStored = bitsAllocated, pixelRepresentation: 0 | 1 = 0, rows = 2, columns = 2): PixelDescription => ({
  rows, columns, samplesPerPixel: 1, bitsAllocated, bitsStored, highBit: bitsStored - 1, pixelRepresentation,
  photometricInterpretation: 'MONOCHROME2', planarConfiguration: undefined,
});
const rgb = (planarConfiguration: 0 | 1, photometricInterpretation = 'RGB'): PixelDescription => ({
  rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0,
  photometricInterpretation, planarConfiguration,
});

function rleFrame(segments: number[][]): Uint8Array {
  const header = new DataView(new ArrayBuffer(64));
  header.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    header.setUint32(4 + i * 4, offset, true);
    offset += segment.length;
  });
  return new Uint8Array([...new Uint8Array(header.buffer), ...segments.flat()]);
}

describe('transfer-syntax table', () => {
  it('keeps lossy originals, transcodes the rest, refuses the unknown', () => {
    for (const uid of ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.203', '1.2.840.10008.1.2.4.112', '1.2.840.10008.1.2.4.102.1']) {
      assert.equal(importTreatmentOf(uid), 'keep', uid);
    }
    for (const uid of ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.4.51',
      '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90',
      '1.2.840.10008.1.2.4.201', HTJ2K_RPCL, '1.2.840.10008.1.2.5']) {
      assert.equal(importTreatmentOf(uid), 'transcode', uid);
    }
    for (const uid of ['1.2.840.10008.1.2.8.1', '1.2.840.10008.1.2.4.55', '1.2.3', '']) assert.equal(importTreatmentOf(uid), 'unsupported', uid);
  });
});

describe('native frames', () => {
  it('swaps big-endian samples and interleaves planar colour', () => {
    const be = decodeNativeFrame(new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]), gray(16), false);
    assert.deepEqual([...be.bytes], [0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07]);
    const planar = decodeNativeFrame(new Uint8Array([1, 2, 3, 4, 5, 6]), rgb(1), true);
    assert.deepEqual([...planar.bytes], [1, 3, 5, 2, 4, 6]);
  });

  it('expands YBR_FULL_422 to YBR_FULL', () => {
    const ybr = decodeNativeFrame(new Uint8Array([10, 20, 128, 129]), rgb(0, 'YBR_FULL_422'), true);
    assert.deepEqual([...ybr.bytes], [10, 128, 129, 20, 128, 129]);
    assert.equal(ybr.photometricInterpretation, 'YBR_FULL');
  });

  it('unpacks 1-bit frames that start mid-byte and packs them back from bit 0', () => {
    const bits = unpackBits(new Uint8Array([0b10110000, 0b00000001]), 5, 4);
    assert.deepEqual([...bits], [1, 1, 0, 1, 1]);
    assert.deepEqual([...packBits(bits)], [0b00011011]);
  });

  it('rejects frames whose size does not match the attributes', () => {
    assert.throws(() => decodeNativeFrame(new Uint8Array(7), gray(16), true), /Pixel data does not match Rows x Columns x BitsAllocated/);
  });

  it('masks stray high bits, sign-extends and shifts by HighBit', () => {
    const dirty = canonicalize({ bytes: new Uint8Array(new Uint16Array([0xf7ff, 0x0800, 0x0001, 0xffff]).buffer), bytesPerSample: 2, photometricInterpretation: 'MONOCHROME2' }, gray(16, 12, 1));
    assert.deepEqual([...new Int16Array(dirty.bytes.buffer)], [2047, -2048, 1, -1]);
    assert.deepEqual([dirty.minPixelValue, dirty.maxPixelValue], [-2048, 2047]);
    const shifted = decodeNativeFrame(new Uint8Array(new Uint16Array([0xfff0, 0x0010, 0, 0]).buffer), { ...gray(16, 12), highBit: 15 }, true);
    assert.deepEqual([...new Uint16Array(canonicalize(shifted, { ...gray(16, 12), highBit: 15 }).bytes.buffer)], [4095, 1, 0, 0]);
  });
});

describe('RLE Lossless', () => {
  it('decodes PackBits runs (literal, replicate, no-op) into little-endian samples, most significant segment first', () => {
    const msb = [0xff, 0x00, 0x80, 0x01, 0x12, 0x34]; // replicate 0x00 twice, no-op, literal 0x12 0x34
    const lsb = [0xfd, 0xff]; // replicate 0xff four times
    const raw = decodeRleFrame(rleFrame([msb, lsb]), gray(16));
    assert.deepEqual([...new Uint16Array(raw.bytes.slice().buffer)], [0x00ff, 0x00ff, 0x12ff, 0x34ff]);
  });

  it('checks the segment count and the header', () => {
    assert.throws(() => decodeRleFrame(rleFrame([[0x03, 1, 2, 3, 4]]), gray(16)), /1 segments; SamplesPerPixel 1 x BitsAllocated 16 needs 2/);
    assert.throws(() => decodeRleFrame(new Uint8Array(10), gray(8)), /no RLE header/);
    assert.throws(() => decodeRleFrame(rleFrame([[0x00, 1]]), gray(8)), /decodes to 1 bytes, 4 expected/);
  });
});

describe('transcodeFrame rules', () => {
  it('names the syntax it does not support', async () => {
    await assert.rejects(
      transcodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.8.1', pixel: gray(8), frame: new Uint8Array(4), target: 'HTJ2K' }),
      (e: unknown) => e instanceof FrameTranscodeError && e.message === 'Unsupported transfer syntax 1.2.840.10008.1.2.8.1',
    );
  });

  it('refuses what it cannot store losslessly: 32-bit and signed 8-bit samples', async () => {
    await assert.rejects(transcodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel: gray(32), frame: new Uint8Array(16), target: 'HTJ2K' }), /BitsAllocated 32 cannot be transcoded/);
    await assert.rejects(transcodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel: gray(8, 8, 1), frame: new Uint8Array(4), target: 'HTJ2K' }), /Signed 8-bit/);
  });

  it('keeps video frames as they are, without checksums', async () => {
    const video = new Uint8Array([0, 0, 0, 1, 0x67]);
    const result = await transcodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.4.102', pixel: { ...rgb(0), rows: 1080, columns: 1920 }, frame: video, target: 'HTJ2K' });
    assert.deepEqual([...result.data], [...video]);
    assert.deepEqual(result.checksums, []);
    assert.equal(result.minPixelValue, undefined);
    assert.equal(result.storedTransferSyntaxUID, '1.2.840.10008.1.2.4.102');
  });

  it('keeps 0 at the bottom of an unsigned 64x64 frame (OpenJPH loses it without a decomposition)', async () => {
    const pixel = gray(16, 12, 0, 64, 64);
    const samples = new Uint16Array(64 * 64).map((_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 4095 : 2048));
    const result = await transcodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: new Uint8Array(samples.buffer), target: 'HTJ2K' });
    assert.equal(result.checksums.at(-1)?.crc32, crc32(new Uint8Array(samples.buffer)) >>> 0);
    assert.equal(decompositionsFor(64, 64), 1);
    assert.deepEqual(result.checksums.map((c) => c.width), [32, 64]);
  });

  it('lists base, middle and full levels', () => {
    assert.deepEqual(checksumLevels(1), [1, 0]);
    assert.deepEqual(checksumLevels(3), [3, 1, 0]);
    assert.deepEqual(checksumLevels(6), [6, 3, 0]);
    assert.equal(decompositionsFor(512, 512), 3);
    assert.equal(decompositionsFor(640, 480), 4);
    assert.equal(decompositionsFor(4096, 10), 6);
  });

  it('decodes 1-bit RLE (outside Annex G) to the pixels of the uncompressed segmentation', { skip: !corpusAvailable() && 'corpus not found' }, async () => {
    const manifest = loadManifest();
    const rle = manifest.find((e) => e.path === 'edge/liver_seg_1bit_rle.dcm');
    const native = manifest.find((e) => e.path === 'edge/liver_seg_1bit_3frame.dcm');
    assert.ok(rle && native);
    for (const [index, frame] of readCorpusFrames(rle).entries()) {
      const result = await transcodeFrame({ transferSyntaxUID: rle.transfer_syntax_uid!, pixel: pixelDescriptionOf(rle), frame: frame.bytes, target: 'HTJ2K', frameIndex: index });
      assert.equal(result.checksums.at(-1)?.crc32, native.frames[index]?.crc32);
    }
  });
});

describe('pixelDescriptionOf (DICOM JSON)', () => {
  it('reads the Image Pixel Module and defaults BitsStored and HighBit', () => {
    const us = (value: number) => ({ vr: 'US', Value: [value] });
    const pixel = pixelDescriptionOfDataset({
      '00280002': us(3), '00280004': { vr: 'CS', Value: ['RGB'] }, '00280006': us(1), '00280010': us(4), '00280011': us(5), '00280100': us(8),
    });
    assert.deepEqual(pixel, { rows: 4, columns: 5, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, photometricInterpretation: 'RGB', planarConfiguration: 1 });
    assert.throws(() => pixelDescriptionOfDataset({ '00280010': us(4) }), /BitsAllocated is missing/);
  });
});

describe('crc32', () => {
  it('matches zlib in the fallback for runtimes without zlib.crc32', async () => {
    const { crc32: ours, crc32WithoutZlib } = await import('./crc32.js');
    const data = new Uint8Array(70_001).map((_, i) => (i * 131) & 0xff);
    assert.equal(crc32WithoutZlib(data), crc32(data) >>> 0);
    assert.equal(ours(data), crc32(data) >>> 0);
    assert.equal(crc32WithoutZlib(new TextEncoder().encode('123456789')), 0xcbf43926);
  });
});
