// Our HTJ2K output decoded by independent native decoders: OpenJPH's ojph_expand and OpenJPEG's opj_decompress
// (Debian packages openjph-tools and libopenjp2-tools), at full and at each checksummed reduced resolution.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { corpusAvailable, loadManifest, pixelDescriptionOf, readCorpusFrames } from './corpus.test-support.js';
import { decodeToCanonical } from './frame-decoder.js';
import { checksumLevels, transcodeFrame } from './frame-transcoder.js';
import { summarizeCodestream, type CodestreamSummary } from './j2k-codestream.js';
import { interleave } from './native-frame.js';
import { decompositionsFor } from './sample-image.js';

const hasTools = ['ojph_expand', 'opj_decompress'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

/** Covers signed 12/14/15/16-bit, unsigned 12-bit, 1-bit, 8-bit RGB (RCT), YBR (no RCT), joined 16-bit RGB, tiny and odd sizes. */
const SAMPLE = [
  'transfer-syntax/1.2.1-explicit-le/MR2_UNCR.dcm',
  'transfer-syntax/1.2.1-explicit-le/693_UNCR.dcm',
  'transfer-syntax/1.2.1-explicit-le/CT_small.dcm',
  'transfer-syntax/1.2.1-explicit-le/emri_small.dcm',
  'transfer-syntax/1.2.1-explicit-le/US1_UNCR.dcm',
  'transfer-syntax/1.2.1-explicit-le/color-pl.dcm',
  'transfer-syntax/1.2.1-explicit-le/SC_ybr_full_422_uncompressed.dcm',
  'transfer-syntax/1.2.1-explicit-le/SC_rgb_16bit_2frame.dcm',
  'transfer-syntax/1.2.1-explicit-le/SC_rgb_small_odd.dcm',
  'transfer-syntax/1.2.1-explicit-le/OBXXXX1A.dcm',
  'transfer-syntax/1.2.4.51-jpeg-extended/JPEGExtended_1s_1f_u_16_12.dcm',
  'edge/mlut_18_high_bits.dcm',
  'edge/JLSL_16_15_1_1F.dcm',
  'edge/liver_seg_1bit_j2k.dcm',
];

/** Planar little-endian samples (opj_decompress .rawl, ojph_expand .raw) to the canonical interleaved layout. */
function normalize(bytes: Uint8Array, summary: CodestreamSummary): Uint8Array {
  const width = summary.precision <= 8 ? 1 : 2;
  const interleaved = summary.components > 1 ? interleave(bytes, summary.components, width) : bytes;
  if (width === 1) return interleaved;
  // Mask to the codestream precision and sign-extend, as the canonical buffer is.
  const samples = new Uint16Array(interleaved.buffer.slice(interleaved.byteOffset, interleaved.byteOffset + interleaved.byteLength));
  const range = 2 ** summary.precision;
  for (let i = 0; i < samples.length; i++) {
    let value = samples[i]! & (range - 1);
    if (summary.isSigned && value >= range / 2) value -= range;
    samples[i] = value;
  }
  return new Uint8Array(samples.buffer);
}

/** ojph_expand 0.9 writes signed samples clamped at 0 (its raw/pgm/ppm writers are unsigned): compare likewise. */
function clampedAtZero(canonical: Uint8Array, summary: CodestreamSummary): Uint8Array {
  if (!summary.isSigned || summary.precision <= 8) return canonical;
  const samples = new Int16Array(canonical.slice().buffer);
  for (let i = 0; i < samples.length; i++) if (samples[i]! < 0) samples[i] = 0;
  return new Uint8Array(samples.buffer);
}

/** A binary PPM (P6): interleaved samples, 16-bit big-endian when maxval > 255. */
function readPpm(file: Buffer): Uint8Array {
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(file.toString('latin1', 0, 64));
  assert.ok(header, 'PPM header');
  const body = file.subarray(header[0].length);
  if (Number(header[3]) <= 255) return new Uint8Array(body);
  const out = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i += 2) {
    out[i] = body[i + 1]!;
    out[i + 1] = body[i]!;
  }
  return out;
}

describe('independent decoders read our HTJ2K', { skip: (!corpusAvailable() && 'corpus not found') || (!hasTools && 'needs ojph_expand and opj_decompress (apt-get install openjph-tools libopenjp2-tools)') }, () => {
  const directory = hasTools ? mkdtempSync(join(tmpdir(), 'tessera-htj2k-')) : '';
  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  const entries = corpusAvailable() ? loadManifest().filter((e) => SAMPLE.includes(e.path)) : [];

  it('has the whole sample', () => assert.equal(entries.length, SAMPLE.length));

  for (const entry of entries) {
    it(entry.path, async () => {
      const [frame] = readCorpusFrames(entry);
      assert.ok(frame);
      const request = { transferSyntaxUID: entry.transfer_syntax_uid!, pixel: pixelDescriptionOf(entry), frame: frame.bytes, bitOffset: frame.bitOffset, target: 'HTJ2K' as const };
      const result = await transcodeFrame(request);
      const canonical = (await decodeToCanonical(request)).bytes;
      const summary = summarizeCodestream(result.data);
      const name = entry.path.replace(/\W/g, '_');
      const codestream = join(directory, `${name}.j2c`);
      writeFileSync(codestream, result.data);
      const levels = checksumLevels(decompositionsFor(summary.width, summary.height));
      assert.equal(result.checksums.length, levels.length);

      for (const [index, checksum] of result.checksums.entries()) {
        const level = levels[index]!;
        // OpenJPEG: exact samples, signed included.
        const rawl = join(directory, `${name}-${level}.rawl`);
        execFileSync('opj_decompress', ['-i', codestream, '-o', rawl, '-r', String(level)], { stdio: 'pipe' });
        const opj = normalize(readFileSync(rawl), summary);
        assert.equal(crc32(opj) >>> 0, checksum.crc32, `opj_decompress -r ${level}`);
        if (level === 0) assert.deepEqual(Buffer.from(opj), Buffer.from(canonical), 'opj_decompress full resolution');

        // OpenJPH: .ppm for 8-bit colour (its raw writer refuses RCT output), planar .raw otherwise.
        const usePpm = summary.components === 3 && summary.precision <= 8;
        const out = join(directory, `${name}-${level}.${usePpm ? 'ppm' : 'raw'}`);
        execFileSync('ojph_expand', ['-i', codestream, '-o', out, '-skip_res', `${level},${level}`], { stdio: 'pipe' });
        const ojph = usePpm ? readPpm(readFileSync(out)) : normalize(readFileSync(out), summary);
        if (level === 0) {
          assert.deepEqual(Buffer.from(ojph), Buffer.from(clampedAtZero(canonical, summary)), 'ojph_expand full resolution');
        } else if (!summary.isSigned || summary.precision <= 8) {
          assert.equal(crc32(ojph) >>> 0, checksum.crc32, `ojph_expand -skip_res ${level}`);
        }
      }
    });
  }
});
