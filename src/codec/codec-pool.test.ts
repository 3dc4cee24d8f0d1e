// CodecPool on worker threads: the whole corpus as the import pipeline will feed it (src/dicom's streaming reader
// → pixelDescriptionOf → pool), backpressure, and failures that must not take a worker down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { fileByteSource, readFrame, readPart10 } from '../dicom/index.js';
import { CodecPool } from './codec-pool.js';
import { CORPUS_DIR, corpusAvailable, loadManifest, type ManifestEntry } from './corpus.test-support.js';
import { FrameTranscodeError, type TranscodeRequest } from './frame-transcoder.js';
import { pixelDescriptionOf } from './pixel-description.js';

async function requestsViaReader(entry: ManifestEntry): Promise<TranscodeRequest[]> {
  const source = await fileByteSource(join(CORPUS_DIR, entry.path));
  try {
    const instance = await readPart10(source);
    const pixel = pixelDescriptionOf(instance.dataset);
    const locations = instance.pixelData?.frames ?? [];
    const requests: TranscodeRequest[] = [];
    for (const [frameIndex, location] of locations.entries()) {
      const frame = await readFrame(instance, frameIndex);
      requests.push({ transferSyntaxUID: instance.transferSyntaxUID, pixel, frame, bitOffset: location.bitOffset, target: 'HTJ2K', frameIndex });
    }
    return requests;
  } finally {
    await source.close();
  }
}

describe('CodecPool', { skip: !corpusAvailable() && 'corpus not found' }, () => {
  let pool: CodecPool;
  before(() => {
    pool = new CodecPool({ threads: 2, maxQueue: 8 });
  });
  after(async () => {
    await pool.close();
  });

  it('transcodes every corpus file with frame checksums, read by readPart10, to the manifest values', async () => {
    const entries = loadManifest().filter(
      (e) => e.frames.length > 0 && e.expect !== 'reject' && !e.path.startsWith('corrupt/') && (e.bits_allocated ?? 0) <= 16,
    );
    assert.ok(entries.length > 390, `${entries.length} files`);
    const failures: string[] = [];
    let frames = 0;
    await Promise.all(
      entries.map(async (entry) => {
        let requests: TranscodeRequest[];
        try {
          requests = await requestsViaReader(entry);
        } catch (error) {
          failures.push(`${entry.path}: reader: ${(error as Error).message}`);
          return;
        }
        if (requests.length !== entry.frames.length) failures.push(`${entry.path}: ${requests.length} frames, manifest ${entry.frames.length}`);
        await Promise.all(
          requests.map(async (request, index) => {
            const truth = entry.frames[index];
            try {
              const result = await pool.transcode(request);
              frames++;
              const full = result.checksums.at(-1);
              if (full?.crc32 !== truth?.crc32 || result.minPixelValue !== truth?.min || result.maxPixelValue !== truth?.max) {
                failures.push(`${entry.path} frame ${index + 1}: crc ${full?.crc32} min ${result.minPixelValue} max ${result.maxPixelValue}, manifest ${JSON.stringify(truth)}`);
              }
            } catch (error) {
              failures.push(`${entry.path} frame ${index + 1}: ${(error as Error).message}`);
            }
          }),
        );
      }),
    );
    assert.deepEqual(failures, []);
    assert.ok(frames > 400, `${frames} frames`);
  });

  it('makes callers wait when the queue is full (backpressure)', async () => {
    const small = new CodecPool({ threads: 1, maxQueue: 2 });
    try {
      const [entry] = loadManifest().filter((e) => e.path.endsWith('/CT_small.dcm'));
      assert.ok(entry);
      const [request] = await requestsViaReader(entry);
      let highest = 0;
      const calls = Array.from({ length: 24 }, async () => {
        const result = small.transcode(request!);
        highest = Math.max(highest, small.pendingFrames);
        return result;
      });
      assert.equal(small.pendingFrames, 3, 'one frame on the thread, two queued');
      assert.equal(small.waitingCallers, 21, 'the other callers wait in transcode()');
      const results = await Promise.all(calls);
      assert.equal(results.length, 24);
      assert.ok(highest <= 3, `at most threads + maxQueue frames accepted, saw ${highest}`);
      assert.equal(small.pendingFrames, 0);
    } finally {
      await small.close();
    }
  });

  it('reports bad frames as FrameTranscodeError and keeps working', async () => {
    const pixel = { rows: 64, columns: 64, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: undefined } as const;
    const junk = new Uint8Array(500).map((_, i) => (i * 97) & 0xff);
    const soc = new Uint8Array([0xff, 0x4f, 0xff, 0x51, ...junk]);
    const bad: TranscodeRequest[] = [
      { transferSyntaxUID: '1.2.840.10008.1.2.4.90', pixel, frame: soc, target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.4.202', pixel, frame: soc, target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.4.80', pixel, frame: junk, target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.4.50', pixel, frame: new Uint8Array([0xff, 0xd8, ...junk]), target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.4.70', pixel, frame: new Uint8Array([0xff, 0xd8, ...junk]), target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.5', pixel, frame: junk, target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: junk, target: 'HTJ2K' },
      { transferSyntaxUID: '1.2.840.10008.1.2.8.1', pixel, frame: junk, target: 'HTJ2K' },
    ];
    for (const request of bad) {
      await assert.rejects(pool.transcode(request), (e: unknown) => e instanceof FrameTranscodeError, request.transferSyntaxUID);
    }
    await assert.rejects(pool.transcode(bad[7]!), /Unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.8\.1/);
    await assert.rejects(pool.transcode(bad[6]!), /Pixel data does not match Rows x Columns x BitsAllocated/);
    const good = new Uint8Array(64 * 64 * 2).map((_, i) => i & 0xff);
    const result = await pool.transcode({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: good, target: 'HTJ2K' });
    assert.equal(result.storedTransferSyntaxUID, '1.2.840.10008.1.2.4.202');
  });

  it('fails a frame that runs too long, replaces the worker and goes on', async () => {
    // The timeout also covers starting a fresh worker (WASM compile), so it leaves room for a loaded machine.
    const impatient = new CodecPool({ threads: 1, frameTimeoutMs: 3000 });
    try {
      const pixel = { rows: 8192, columns: 8192, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: undefined } as const; // noise this large takes well over 3 s even on a fast, idle machine
      const noise = new Uint8Array(8192 * 8192 * 2).map((_, i) => (i * 2654435761) >>> 24);
      const started = Date.now();
      await assert.rejects(impatient.transcode({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: noise, target: 'HTJ2K' }), (e: unknown) => e instanceof FrameTranscodeError && /Codec worker failed/.test(e.message));
      assert.ok(Date.now() - started < 8000, 'the timeout, not the frame, ended the wait');
      const small = { ...pixel, rows: 8, columns: 8 };
      const result = await impatient.transcode({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel: small, frame: new Uint8Array(128), target: 'HTJ2K' });
      assert.equal(result.storedTransferSyntaxUID, '1.2.840.10008.1.2.4.202');
    } finally {
      await impatient.close();
    }
  });

  it('refuses work after close()', async () => {
    const closing = new CodecPool({ threads: 1 });
    await closing.close();
    const pixel = { rows: 1, columns: 1, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', planarConfiguration: undefined } as const;
    await assert.rejects(closing.transcode({ transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: new Uint8Array(1), target: 'HTJ2K' }), /closed/);
  });
});
