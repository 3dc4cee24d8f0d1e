// The JPEG family of source syntaxes: DCT (libjpeg-turbo for 8-bit, our decoder for 12-bit), lossless
// process 14 (our decoder) and JPEG-LS (CharLS).
import type { RawSamples } from './decoded-frame.js';
import { FrameTranscodeError } from './frame-transcode-error.js';
import { decodeJpegExtended12 } from './jpeg-extended-decoder.js';
import { readJpegHeader } from './jpeg-header.js';
import { decodeJpegLosslessFrame } from './jpeg-lossless-decoder.js';
import { interleave } from './native-frame.js';
import type { PixelDescription } from './pixel-description.js';
import { charls, copyOut, libJpegTurbo, using } from './wasm-modules.js';

/** DCT processes 1, 2, 4 (and progressive 8-bit). Colour comes back as RGB, as IJG/dcmtk decode it by default. */
export async function decodeJpegDct(frame: Uint8Array, pixel: PixelDescription): Promise<RawSamples> {
  const header = readJpegHeader(frame);
  assertGeometry(header.width, header.height, header.components.length, pixel, 'JPEG');
  if (header.process === 'lossless') return decodeJpegLossless(frame, pixel);
  if (header.precision === 12) {
    const { samples } = decodeJpegExtended12(frame);
    return { bytes: new Uint8Array(samples.buffer), bytesPerSample: 2, photometricInterpretation: pixel.photometricInterpretation };
  }
  if (header.precision !== 8) throw new FrameTranscodeError(`JPEG with ${header.precision}-bit precision is not supported`);
  // dcmtk (the corpus' reference) converts YCbCr to RGB only when PhotometricInterpretation says YBR; for RGB it
  // takes the components as they are, whatever JFIF/Adobe markers or component ids suggest to libjpeg.
  const isRgb = header.components.length === 3 && !pixel.photometricInterpretation.startsWith('YBR');
  const stream = isRgb ? withoutColorTransform(frame) : frame;
  const bytes = await libJpegTurbo.use((module) =>
    using(new module.JPEGDecoder(), (decoder) => {
      decoder.getEncodedBuffer(stream.length).set(stream);
      decoder.decode();
      return copyOut(decoder.getDecodedBuffer());
    }),
  );
  const photometricInterpretation = header.components.length === 3 ? 'RGB' : pixel.photometricInterpretation;
  return { bytes, bytesPerSample: 1, photometricInterpretation };
}

/**
 * A copy of the stream that libjpeg decodes without colour conversion: an Adobe APP14 marker with transform 0
 * (ISO 10918-6 / Adobe TN 5116) and no JFIF APP0, which would imply YCbCr (jdapimin.c default_decompress_parms).
 */
function withoutColorTransform(frame: Uint8Array): Uint8Array {
  const adobe = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(frame.length + adobe.length);
  out.set(frame.subarray(0, 2));
  out.set(adobe, 2);
  out.set(frame.subarray(2), 2 + adobe.length);
  const view = new DataView(out.buffer);
  for (let at = 2 + adobe.length; at + 4 <= out.length && out[at] === 0xff; ) {
    const marker = out[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const length = view.getUint16(at + 2);
    const ident = String.fromCharCode(...out.subarray(at + 4, at + 9));
    if (marker === 0xe0 && ident === 'JFIF\0') out[at + 7] = 0x58; // "JFIX": no longer a JFIF marker
    if (marker === 0xee && ident === 'Adobe' && length >= 14) out[at + 15] = 0; // transform 0: RGB
    at += 2 + length;
  }
  return out;
}

/** Process 14, any predictor (1.2.840.10008.1.2.4.57 and .70). */
export function decodeJpegLossless(frame: Uint8Array, pixel: PixelDescription): RawSamples {
  const image = decodeJpegLosslessFrame(frame);
  assertGeometry(image.width, image.height, image.components, pixel, 'JPEG Lossless');
  const photometricInterpretation = pixel.photometricInterpretation;
  if (image.precision > 8) return { bytes: new Uint8Array(image.samples.buffer), bytesPerSample: 2, photometricInterpretation };
  return { bytes: Uint8Array.from(image.samples), bytesPerSample: 1, photometricInterpretation };
}

/** JPEG-LS lossless and near-lossless. CharLS returns signed samples without sign extension; canonicalize fixes that. */
export async function decodeJpegLs(frame: Uint8Array, pixel: PixelDescription): Promise<RawSamples> {
  const { bytes, info, interleaveMode } = await charls.use((module) =>
    using(new module.JpegLSDecoder(), (decoder) => {
      decoder.getEncodedBuffer(frame.length).set(frame);
      decoder.decode();
      return { bytes: copyOut(decoder.getDecodedBuffer()), info: decoder.getFrameInfo(), interleaveMode: decoder.getInterleaveMode() };
    }),
  );
  assertGeometry(info.width, info.height, info.componentCount, pixel, 'JPEG-LS');
  const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
  // Interleave mode "none" comes back one component after the other.
  const samples = info.componentCount > 1 && interleaveMode === 0 ? interleave(bytes, info.componentCount, bytesPerSample) : bytes;
  return { bytes: samples, bytesPerSample, photometricInterpretation: pixel.photometricInterpretation };
}

function assertGeometry(width: number, height: number, components: number, pixel: PixelDescription, what: string): void {
  if (width !== pixel.columns || height !== pixel.rows || components !== pixel.samplesPerPixel) {
    throw new FrameTranscodeError(
      `${what} frame is ${width}x${height} with ${components} components; the header says ` +
        `${pixel.columns}x${pixel.rows} with SamplesPerPixel ${pixel.samplesPerPixel}`,
    );
  }
}
