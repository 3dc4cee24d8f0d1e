// Native (uncompressed) frames, PS3.5 8.1/8.2: byte order, planar configuration, 1-bit packing, YBR_FULL_422.
import type { RawSamples } from './decoded-frame.js';
import { FrameTranscodeError } from './frame-transcode-error.js';
import type { PixelDescription } from './pixel-description.js';

export function decodeNativeFrame(frame: Uint8Array, pixel: PixelDescription, isLittleEndian: boolean, bitOffset = 0): RawSamples {
  const pixels = pixel.rows * pixel.columns;
  const shift = pixel.highBit - (pixel.bitsStored - 1);
  if (pixel.bitsAllocated === 1) {
    return { bytes: unpackBits(frame, pixels, bitOffset), bytesPerSample: 1, photometricInterpretation: pixel.photometricInterpretation };
  }
  const bytesPerSample = (pixel.bitsAllocated / 8) as 1 | 2 | 4;
  if (pixel.photometricInterpretation === 'YBR_FULL_422') {
    return { bytes: expandYbrFull422(frame, pixel), bytesPerSample: 1, photometricInterpretation: 'YBR_FULL', shift };
  }
  const expected = pixels * pixel.samplesPerPixel * bytesPerSample;
  assertLength(frame.length, expected, pixel);
  let bytes = frame.subarray(0, expected);
  if (!isLittleEndian && bytesPerSample !== 1) bytes = swapBytes(bytes, bytesPerSample);
  if (pixel.samplesPerPixel > 1 && pixel.planarConfiguration === 1) bytes = interleave(bytes, pixel.samplesPerPixel, bytesPerSample);
  return { bytes, bytesPerSample, photometricInterpretation: pixel.photometricInterpretation, shift };
}

/** A reader may hand over one trailing pad byte (odd-length values are padded, PS3.5 7.1.1); anything else is wrong. */
function assertLength(actual: number, expected: number, pixel: PixelDescription): void {
  if (actual < expected || actual > expected + 1) {
    throw new FrameTranscodeError(
      `Pixel data does not match Rows x Columns x BitsAllocated: frame has ${actual} bytes, ` +
        `${pixel.rows} x ${pixel.columns} x ${pixel.samplesPerPixel} x ${pixel.bitsAllocated} bits needs ${expected}`,
    );
  }
}

/** BitsAllocated 1: pixels packed LSB first (PS3.5 8.1.1), a frame may start mid-byte. One byte (0/1) a pixel. */
export function unpackBits(frame: Uint8Array, pixels: number, bitOffset = 0): Uint8Array {
  if (frame.length * 8 - bitOffset < pixels) {
    throw new FrameTranscodeError(
      `Pixel data does not match Rows x Columns x BitsAllocated: ${frame.length * 8 - bitOffset} bits for ${pixels} pixels`,
    );
  }
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const bit = i + bitOffset;
    out[i] = (frame[bit >> 3]! >> (bit & 7)) & 1;
  }
  return out;
}

/** Packs 0/1 bytes LSB first from bit 0: the stored form of a kept binary segmentation frame. */
export function packBits(pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(pixels.length / 8));
  for (let i = 0; i < pixels.length; i++) if (pixels[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function swapBytes(bytes: Uint8Array, width: 2 | 4): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let b = 0; b < width; b++) out[i + b] = bytes[i + width - 1 - b]!;
  }
  return out;
}

/** PlanarConfiguration 1 (RRR…GGG…BBB…) to 0 (RGBRGB…). */
export function interleave(bytes: Uint8Array, components: number, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const plane = bytes.length / components;
  const samples = plane / width;
  for (let c = 0; c < components; c++) {
    for (let i = 0; i < samples; i++) {
      const from = c * plane + i * width;
      const to = (i * components + c) * width;
      for (let b = 0; b < width; b++) out[to + b] = bytes[from + b]!;
    }
  }
  return out;
}

/** YBR_FULL_422 native (PS3.3 C.7.6.3.1.2): Y0 Y1 Cb Cr per pixel pair, expanded to Y Cb Cr per pixel. */
function expandYbrFull422(frame: Uint8Array, pixel: PixelDescription): Uint8Array {
  if (pixel.bitsAllocated !== 8 || pixel.samplesPerPixel !== 3) {
    throw new FrameTranscodeError(`YBR_FULL_422 needs BitsAllocated 8 and SamplesPerPixel 3`);
  }
  if (pixel.columns % 2 !== 0) throw new FrameTranscodeError(`YBR_FULL_422 needs an even number of Columns, not ${pixel.columns}`);
  const pixels = pixel.rows * pixel.columns;
  assertLength(frame.length, pixels * 2, pixel);
  const out = new Uint8Array(pixels * 3);
  for (let pair = 0; pair < pixels / 2; pair++) {
    const from = pair * 4;
    const to = pair * 6;
    const cb = frame[from + 2]!;
    const cr = frame[from + 3]!;
    out[to] = frame[from]!;
    out[to + 1] = cb;
    out[to + 2] = cr;
    out[to + 3] = frame[from + 1]!;
    out[to + 4] = cb;
    out[to + 5] = cr;
  }
  return out;
}
