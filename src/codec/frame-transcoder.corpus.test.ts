// Every corpus file with pixel data through transcodeFrame (in this thread), checked against MANIFEST.json:
// the checksum, min/max and colour space of the decoded frame, and the shape of the stored HTJ2K codestream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { corpusAvailable, loadManifest, pixelDescriptionOf, readCorpusFrames, type ManifestEntry } from './corpus.test-support.js';
import { decodeToCanonical } from './frame-decoder.js';
import { FrameTranscodeError, transcodeFrame, type TranscodeRequest, type TranscodeResult } from './frame-transcoder.js';
import { summarizeCodestream } from './j2k-codestream.js';
import { unpackBits } from './native-frame.js';
import { decompositionsFor, sizeAtLevel } from './sample-image.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, HTJ2K_RPCL, importTreatmentOf, isNativeSyntax } from './transfer-syntaxes.js';

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

function requestsOf(entry: ManifestEntry): TranscodeRequest[] {
  const pixel = pixelDescriptionOf(entry);
  return readCorpusFrames(entry).map((frame, frameIndex) => ({
    transferSyntaxUID: entry.transfer_syntax_uid ?? IMPLICIT_VR_LITTLE_ENDIAN, // files without meta are Implicit VR LE
    pixel,
    frame: frame.bytes,
    bitOffset: frame.bitOffset,
    target: 'HTJ2K',
    frameIndex,
  }));
}

/** The stored codestream follows behavior.md §9. */
function assertHtj2kRpcl(result: TranscodeResult, entry: ManifestEntry): void {
  const columns = entry.columns ?? 0;
  const rows = entry.rows ?? 0;
  const data = result.data;
  assert.deepEqual([...data.subarray(0, 4)], [0xff, 0x4f, 0xff, 0x51], 'starts with SOC, SIZ');
  assert.equal(result.frameSizeInBytes, data.length);
  const summary = summarizeCodestream(data);
  const n = decompositionsFor(columns, rows);
  assert.equal(summary.progressionOrder, 'RPCL');
  assert.equal(summary.hasTlm, true, 'TLM marker (FF55)');
  assert.equal(summary.isReversible, true, 'reversible 5/3');
  assert.equal(summary.isHighThroughput, true, 'HT code-blocks');
  assert.equal(summary.layers, 1);
  assert.equal(summary.tileCount, 1);
  assert.equal(summary.decompositions, n);
  assert.equal(summary.tilePartCount, n + 1, 'one tile-part per resolution');
  assert.equal(summary.codeBlockWidth, 64);
  assert.equal(summary.codeBlockHeight, 64);
  assert.ok(Math.ceil(Math.max(columns, rows) / 2 ** n) <= 64, 'base level is a thumbnail');
  assert.equal(summary.width, columns);
  assert.equal(summary.height, rows);
  assert.equal(summary.components, entry.samples_per_pixel);
  // RCT for RGB; 16-bit colour is joined from single-component codestreams, without RCT.
  const isRct = entry.samples_per_pixel === 3 && (entry.bits_allocated ?? 0) <= 8 && result.decodedPhotometricInterpretation === 'RGB';
  assert.equal(summary.usesColorTransform, isRct, 'RCT');
  assert.ok(result.checksums.length >= 1 && result.checksums.length <= 3);
  const base = result.checksums[0]!;
  assert.deepEqual([base.width, base.height], [sizeAtLevel(columns, n), sizeAtLevel(rows, n)], 'first checksum is the base level');
  const widths = result.checksums.map((c) => c.width);
  assert.deepEqual(widths, [...widths].sort((a, b) => a - b), 'checksums run from base to full');
}

function assertFrameTruth(result: TranscodeResult, entry: ManifestEntry, index: number): void {
  const truth = entry.frames[index]!;
  const full = result.checksums.at(-1);
  assert.ok(full, `frame ${index + 1} has a full-resolution checksum`);
  assert.deepEqual([full.width, full.height], [entry.columns, entry.rows]);
  assert.equal(full.crc32, truth.crc32, `frame ${index + 1} CRC32`);
  assert.equal(result.minPixelValue, truth.min, `frame ${index + 1} min`);
  assert.equal(result.maxPixelValue, truth.max, `frame ${index + 1} max`);
  assert.equal(result.decodedPhotometricInterpretation, entry.decoded_photometric_interpretation);
}

const entries = corpusAvailable() ? loadManifest().filter((e) => e.has_pixel_data && !e.path.startsWith('corrupt/') && !e.path.startsWith('series/')) : [];

describe('transcodeFrame over the corpus (every file with pixel data outside corrupt/ and series/)', { skip: !corpusAvailable() && 'corpus not found' }, () => {
  for (const entry of entries) {
    const uid = entry.transfer_syntax_uid ?? IMPLICIT_VR_LITTLE_ENDIAN;
    it(entry.path, async (t) => {
      if (importTreatmentOf(uid) === 'unsupported') {
        for (const request of requestsOf(entry)) {
          await assert.rejects(transcodeFrame(request), (e: unknown) => e instanceof FrameTranscodeError && e.message.includes(uid));
        }
        return;
      }
      if (entry.expect === 'reject') {
        const requests = requestsOf(entry);
        assert.ok(requests.length > 0);
        for (const request of requests) await assert.rejects(transcodeFrame(request), FrameTranscodeError);
        return;
      }
      if (entry.frames.length === 0) {
        t.skip(`no frame checksums in the manifest (decodable: ${String(entry.decodable)})`);
        return;
      }
      const requests = requestsOf(entry);
      assert.equal(requests.length, entry.frames.length, 'frame count');
      for (const [index, request] of requests.entries()) {
        if ((entry.bits_allocated ?? 0) > 16) {
          // Decided: 32-bit samples are not transcoded (the instance is stored whole, warning 0xB100); the
          // decoding side is still checked against the manifest.
          await assert.rejects(transcodeFrame(request), (e: unknown) => e instanceof FrameTranscodeError && /cannot be transcoded/.test(e.message));
          const canonical = await decodeToCanonical(request);
          assert.equal(crc32(canonical.bytes) >>> 0, entry.frames[index]!.crc32);
          assert.equal(canonical.minPixelValue, entry.frames[index]!.min);
          assert.equal(canonical.maxPixelValue, entry.frames[index]!.max);
          continue;
        }
        const result = await transcodeFrame(request);
        assertFrameTruth(result, entry, index);
        if (importTreatmentOf(uid) === 'keep') {
          assert.equal(result.storedTransferSyntaxUID, uid);
          assert.deepEqual(result.data, new Uint8Array(request.frame), 'kept frames are stored byte for byte');
        } else if (entry.bits_allocated === 1 && isNativeSyntax(uid)) {
          assert.equal(result.storedTransferSyntaxUID, EXPLICIT_VR_LITTLE_ENDIAN, 'binary segmentation keeps its native encoding');
          const pixels = (entry.rows ?? 0) * (entry.columns ?? 0);
          assert.equal(result.data.length, Math.ceil(pixels / 8));
          assert.equal(crc32(unpackBits(result.data, pixels)) >>> 0, entry.frames[index]!.crc32);
        } else {
          assert.equal(result.storedTransferSyntaxUID, HTJ2K_RPCL);
          assertHtj2kRpcl(result, entry);
        }
      }
    });
  }
});

describe('transcodeFrame to JPEG 2000 lossless', { skip: !corpusAvailable() && 'corpus not found' }, () => {
  const sample = entries.filter((e) =>
    /\/(MR_small|US1_UNCR|emri_small_jpeg_2k_lossless|JPEGLossless_1s_1f_u_16_12|693_UNCR|liver_seg_1bit_j2k|SC_ybr_full_422_uncompressed)\.dcm$/.test(e.path),
  );
  it('has its sample', () => assert.equal(sample.length, 7));
  for (const entry of sample) {
    it(entry.path, async () => {
      for (const [index, request] of requestsOf(entry).entries()) {
        const result = await transcodeFrame({ ...request, target: 'JPEG_2000_LOSSLESS' });
        assert.equal(result.storedTransferSyntaxUID, '1.2.840.10008.1.2.4.90');
        assertFrameTruth(result, entry, index);
        const summary = summarizeCodestream(result.data);
        assert.equal(summary.progressionOrder, 'RPCL');
        assert.equal(summary.isReversible, true);
        assert.equal(summary.isHighThroughput, false);
        assert.equal(summary.usesColorTransform, entry.samples_per_pixel === 3, 'the OpenJPEG binding applies RCT to every colour image');
      }
    });
  }
  it('refuses colour samples wider than 8 bits (the OpenJPEG binding cannot take them)', async () => {
    const entry = entries.find((e) => e.path.endsWith('SC_rgb_16bit_2frame.dcm'));
    assert.ok(entry);
    const [request] = requestsOf(entry);
    await assert.rejects(transcodeFrame({ ...request!, target: 'JPEG_2000_LOSSLESS' }), /wider than 8 bits/);
  });
});
