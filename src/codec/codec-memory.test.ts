// WASM objects are always deleted: transcoding the same frame hundreds of times must not grow the process.
// (Leaving one 512x512 OpenJPH encoder undeleted per frame grows RSS by ~150 MB over 300 frames.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusAvailable, loadManifest, pixelDescriptionOf, readCorpusFrames } from './corpus.test-support.js';
import { transcodeFrame, type TranscodeRequest } from './frame-transcoder.js';
import type { PixelDescription } from './pixel-description.js';

const MIB = 2 ** 20;
const ALLOWED_GROWTH_BYTES = 24 * MIB;

/** A 512x512 signed 16-bit frame: the corpus CT slice (128x128) tiled 4x4, or a synthetic one without the corpus. */
function ctFrame512(): TranscodeRequest {
  const pixel: PixelDescription = {
    rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15,
    pixelRepresentation: 1, photometricInterpretation: 'MONOCHROME2', planarConfiguration: undefined,
  };
  const out = new Int16Array(512 * 512);
  const entry = corpusAvailable() ? loadManifest().find((e) => e.path.endsWith('1.2.1-explicit-le/CT_small.dcm')) : undefined;
  if (entry) {
    const tile = readCorpusFrames(entry)[0]!.bytes;
    const source = new Int16Array(new Uint8Array(tile).buffer);
    for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) out[y * 512 + x] = source[(y % 128) * 128 + (x % 128)]!;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Math.round(900 * Math.sin(i / 977) + (i % 41)) - 300;
  }
  return { transferSyntaxUID: '1.2.840.10008.1.2.1', pixel, frame: new Uint8Array(out.buffer), target: 'HTJ2K' };
}

async function rssGrowth(request: TranscodeRequest, warmUp: number, repeat: number): Promise<number> {
  for (let i = 0; i < warmUp; i++) await transcodeFrame(request);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < repeat; i++) await transcodeFrame(request);
  return process.memoryUsage().rss - before;
}

describe('WASM memory', () => {
  it('stays flat over 300 HTJ2K transcodes of one 512x512 16-bit frame', async () => {
    const growth = await rssGrowth(ctFrame512(), 50, 300);
    assert.ok(growth < ALLOWED_GROWTH_BYTES, `RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
  });

  it('stays flat with the JPEG 2000 encoder and the OpenJPEG, CharLS and libjpeg-turbo decoders', { skip: !corpusAvailable() && 'corpus not found' }, async () => {
    const manifest = loadManifest();
    const request = (suffix: string, target: TranscodeRequest['target'] = 'HTJ2K'): TranscodeRequest => {
      const entry = manifest.find((e) => e.path.endsWith(suffix));
      assert.ok(entry, suffix);
      return { transferSyntaxUID: entry.transfer_syntax_uid!, pixel: pixelDescriptionOf(entry), frame: readCorpusFrames(entry)[0]!.bytes, target };
    };
    // 512x512-class frames, so that one undeleted object per frame (>= 0.5 MiB) would exceed the allowance.
    const requests = [
      request('vlut_04.dcm', 'JPEG_2000_LOSSLESS'), // OpenJPEG encoder and decoder
      request('TOSHIBA_J2K_OpenJPEGv2Regression.dcm'), // J2K lossless source: OpenJPEG decoder
      request('CT1_JLSN.dcm'), // JPEG-LS: CharLS
      request('JPEGExtended_3s_1f_u_08_08.dcm'), // 8-bit JPEG: libjpeg-turbo
    ];
    for (const one of requests) {
      const growth = await rssGrowth(one, 5, 40);
      assert.ok(growth < ALLOWED_GROWTH_BYTES, `${one.transferSyntaxUID}: RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
    }
  });
});
