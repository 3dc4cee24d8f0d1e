import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHtj2k, encodeHtj2k } from './htj2k-codec.js';
import { componentPlane, type DecodedImage, type SampleImage } from './sample-image.js';

/** Samples that differ from line to line and component to component, so a misplaced line cannot go unnoticed. */
function testImage(width: number, height: number, components: number, precision: number, isSigned: boolean): SampleImage {
  const bytesPerSample = precision > 8 ? 2 : 1;
  const bytes = new Uint8Array(width * height * components * bytesPerSample);
  const view = new DataView(bytes.buffer);
  const range = 2 ** precision;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++) {
        const i = (y * width + x) * components + c;
        const v = (Math.imul(c * 1_000_003 + y * 7_919 + 1, x * 2_654_435_761 + 12_345) >>> 7) % range;
        const sample = isSigned ? v - range / 2 : v;
        if (bytesPerSample === 2) view.setUint16(i * 2, sample & 0xffff, true);
        else bytes[i] = sample;
      }
    }
  }
  return { bytes, width, height, components, bytesPerSample, precision, isSigned };
}

function interleave(planes: readonly DecodedImage[]): Uint8Array {
  const size = planes[0]!.bytesPerSample;
  const pixels = planes[0]!.width * planes[0]!.height;
  const out = new Uint8Array(pixels * planes.length * size);
  planes.forEach((plane, c) => {
    for (let i = 0; i < pixels; i++) for (let b = 0; b < size; b++) out[(i * planes.length + c) * size + b] = plane.bytes[i * size + b]!;
  });
  return out;
}

describe('HTJ2K colour without colour transform (components encoded alone and joined)', () => {
  const cases = [
    { precision: 16, isSigned: false },
    { precision: 12, isSigned: false },
    { precision: 16, isSigned: true },
    { precision: 8, isSigned: false },
  ];
  for (const { precision, isSigned } of cases) {
    it(`${precision}-bit ${isSigned ? 'signed' : 'unsigned'}: OpenJPH reads the stored codestream back exactly, at every level`, async () => {
      const image = testImage(300, 170, 3, precision, isSigned);
      const encoded = await encodeHtj2k(image, false);
      const full = await decodeHtj2k(encoded.codestream, 0);
      assert.equal(full.components, 3);
      assert.deepEqual(Buffer.from(full.bytes), Buffer.from(image.bytes), 'lossless at full resolution');
      // Reduced levels against each component encoded and decoded on its own (one component: no reordering involved).
      const alone = await Promise.all([0, 1, 2].map(async (c) => (await encodeHtj2k(componentPlane(image, c), false)).codestream));
      for (const level of [1, 2, 3]) {
        const joined = await decodeHtj2k(encoded.codestream, level);
        const expected = interleave(await Promise.all(alone.map((part) => decodeHtj2k(part, level))));
        assert.deepEqual(Buffer.from(joined.bytes), Buffer.from(expected), `level ${level}`);
        assert.deepEqual(Buffer.from((await encoded.decode(level)).bytes), Buffer.from(expected), `verification decode at level ${level}`);
      }
    });
  }
});
