// Samples as the JPEG 2000 encoders take them and the decoders return them: interleaved, little-endian.

export interface SampleImage {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bytesPerSample: 1 | 2;
  /** Codestream precision (SIZ Ssiz + 1). */
  readonly precision: number;
  readonly isSigned: boolean;
}

/** What a JPEG 2000 decoder returned (at some resolution level). */
export interface DecodedImage {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bytesPerSample: 1 | 2;
  readonly precision: number;
  readonly isSigned: boolean;
  readonly decompositions: number;
}

/**
 * Smallest N with ceil(max(W, H) / 2^N) <= 64 (behavior.md §9), so the base level is a thumbnail — but at
 * least 1: with no decomposition OpenJPH 0.31 loses the most negative level-shifted sample (-2^(B-1), i.e.
 * 0 in unsigned data), which the round-trip check caught on real 64x64 frames.
 */
export function decompositionsFor(width: number, height: number): number {
  let n = 1;
  while (Math.ceil(Math.max(width, height) / 2 ** n) > 64 && n < 32) n++;
  return n;
}

/** Width or height of the image reconstructed without the top `level` resolution levels (T.800 B.5). */
export function sizeAtLevel(full: number, level: number): number {
  return Math.ceil(full / 2 ** level);
}

/** One component of an interleaved image, as its own single-component image. */
export function componentPlane(image: SampleImage, component: number): SampleImage {
  const { bytesPerSample: width, components } = image;
  const pixels = image.width * image.height;
  const bytes = new Uint8Array(pixels * width);
  for (let i = 0; i < pixels; i++) {
    const from = (i * components + component) * width;
    for (let b = 0; b < width; b++) bytes[i * width + b] = image.bytes[from + b]!;
  }
  return { ...image, bytes, components: 1 };
}

/**
 * Clips samples to the codestream's nominal range. A reduced-resolution (LL) image can overshoot it near
 * extreme values; OpenJPEG clips there, the OpenJPH JS binding only clips to the 8/16-bit container, so
 * checksums of reduced levels are taken after clipping, as a conforming viewer shows them.
 */
export function clipToPrecision(image: DecodedImage, precision: number, isSigned: boolean): Uint8Array {
  const min = isSigned ? -(2 ** (precision - 1)) : 0;
  const max = isSigned ? 2 ** (precision - 1) - 1 : 2 ** precision - 1;
  const bytes = new Uint8Array(image.bytes);
  const samples = image.bytesPerSample === 1 ? bytes : isSigned ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i]!;
    if (value < min) samples[i] = min;
    else if (value > max) samples[i] = max;
  }
  return bytes;
}
