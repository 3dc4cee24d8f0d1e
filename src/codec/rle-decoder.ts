// RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment per byte plane.
import type { RawSamples } from './decoded-frame.js';
import { FrameTranscodeError } from './frame-transcode-error.js';
import { unpackBits } from './native-frame.js';
import type { PixelDescription } from './pixel-description.js';

export function decodeRleFrame(frame: Uint8Array, pixel: PixelDescription): RawSamples {
  if (frame.length < 64) throw new FrameTranscodeError(`RLE frame of ${frame.length} bytes has no RLE header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  const pixels = pixel.rows * pixel.columns;
  const photometricInterpretation = pixel.photometricInterpretation;

  if (pixel.bitsAllocated === 1) {
    // Not covered by Annex G (BitsAllocated is not a multiple of 8); the one segment holds the packed bits.
    if (segmentCount !== 1) throw new FrameTranscodeError(`RLE with BitsAllocated 1 needs 1 segment, found ${segmentCount}`);
    const packed = decodeSegment(frame, segmentBounds(view, frame.length, 0, segmentCount), Math.ceil(pixels / 8));
    return { bytes: unpackBits(packed, pixels), bytesPerSample: 1, photometricInterpretation };
  }

  const bytesPerSample = pixel.bitsAllocated / 8;
  if (bytesPerSample !== 1 && bytesPerSample !== 2 && bytesPerSample !== 4) {
    throw new FrameTranscodeError(`RLE cannot hold BitsAllocated ${pixel.bitsAllocated}`);
  }
  const expectedSegments = bytesPerSample * pixel.samplesPerPixel;
  if (segmentCount !== expectedSegments) {
    throw new FrameTranscodeError(
      `RLE frame has ${segmentCount} segments; SamplesPerPixel ${pixel.samplesPerPixel} x BitsAllocated ${pixel.bitsAllocated} needs ${expectedSegments}`,
    );
  }
  // Segments are ordered by sample, then by byte from most to least significant (G.2); we interleave them
  // into little-endian samples, pixel by pixel (PlanarConfiguration 0).
  const out = new Uint8Array(pixels * expectedSegments);
  const stride = expectedSegments;
  for (let s = 0; s < segmentCount; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const plane = decodeSegment(frame, segmentBounds(view, frame.length, s, segmentCount), pixels);
    const base = sample * bytesPerSample + byteInSample;
    for (let i = 0; i < pixels; i++) out[i * stride + base] = plane[i]!;
  }
  return { bytes: out, bytesPerSample, photometricInterpretation };
}

function segmentBounds(view: DataView, frameLength: number, index: number, count: number): [number, number] {
  if (count < 1 || count > 15) throw new FrameTranscodeError(`RLE header declares ${count} segments (1 to 15 allowed)`);
  const start = view.getUint32(4 + index * 4, true);
  const end = index + 1 < count ? view.getUint32(8 + index * 4, true) : frameLength;
  if (start < 64 || end > frameLength || end < start) {
    throw new FrameTranscodeError(`RLE segment ${index + 1} has invalid offsets ${start}..${end} in a ${frameLength}-byte frame`);
  }
  return [start, end];
}

/** PackBits (G.3.1): n 0..127 copies n+1 literal bytes, n -1..-127 repeats the next byte 1-n times, -128 is a no-op. */
function decodeSegment(frame: Uint8Array, [start, end]: [number, number], expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let o = 0;
  let i = start;
  while (i < end && o < expected) {
    const n = frame[i++]!;
    if (n < 128) {
      const count = Math.min(n + 1, end - i, expected - o);
      out.set(frame.subarray(i, i + count), o);
      o += count;
      i += n + 1;
    } else if (n > 128) {
      const count = Math.min(257 - n, expected - o);
      out.fill(frame[i++]!, o, o + count);
      o += count;
    }
  }
  if (o < expected) throw new FrameTranscodeError(`RLE segment decodes to ${o} bytes, ${expected} expected`);
  return out;
}
