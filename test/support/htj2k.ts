// Decoding stored frames in tests: OpenJPH's WASM build (what AWS's verification sample uses) and, independently,
// the native `ojph_expand` of Debian's openjph-tools.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

interface Decoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  delete(): void;
}

let modulePromise: Promise<{ HTJ2KDecoder: new () => Decoder }> | undefined;

/** CRC32 (unsigned) of the full-resolution decode, exactly as AWS's pixel-data-verification sample computes it. */
export async function crc32OfHtj2k(codestream: Uint8Array): Promise<{ crc32: number; width: number; height: number }> {
  modulePromise ??= (require('@cornerstonejs/codec-openjph') as () => Promise<{ HTJ2KDecoder: new () => Decoder }>)();
  const module = await modulePromise;
  const decoder = new module.HTJ2KDecoder();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return { crc32: crc32(decoder.getDecodedBuffer()) >>> 0, width: info.width, height: info.height };
  } finally {
    decoder.delete();
  }
}

export async function hasOjphExpand(): Promise<boolean> {
  try {
    await run('ojph_expand', ['-h']);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== 'ENOENT';
  }
}

/**
 * Decodes with the native OpenJPH CLI to raw samples and returns their CRC32 in the canonical layout
 * (little-endian 16-bit for > 8 bits, interleaved components). ojph_expand writes .rawl per component
 * for single-component images; for 3 components it writes .ppm (8-bit).
 */
export async function crc32ByOjphExpand(codestream: Uint8Array, components: number, bitsPerSample: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-ojph-'));
  try {
    const input = join(dir, 'frame.j2c');
    await writeFile(input, codestream);
    if (components === 1) {
      const output = join(dir, 'frame.rawl');
      await run('ojph_expand', ['-i', input, '-o', output]);
      let bytes = await readFile(output);
      if (bitsPerSample <= 8 && bytes.length > 0) {
        // ojph_expand writes 8-bit samples as one byte each already; nothing to narrow.
        bytes = Buffer.from(bytes);
      }
      return crc32(bytes) >>> 0;
    }
    const output = join(dir, 'frame.ppm');
    await run('ojph_expand', ['-i', input, '-o', output]);
    const ppm = await readFile(output);
    // Skip the PPM header: "P6\n<w> <h>\n<max>\n".
    let offset = 0;
    for (let fields = 0; fields < 4; offset++) if (ppm[offset] === 0x0a || ppm[offset] === 0x20) fields++;
    return crc32(ppm.subarray(offset)) >>> 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
