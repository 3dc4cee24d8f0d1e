// Source frame → canonical samples, by transfer syntax (the decoding column of transfer-syntaxes.ts).
import { canonicalize, type CanonicalFrame, type RawSamples } from './decoded-frame.js';
import { FrameTranscodeError } from './frame-transcode-error.js';
import { decodeHtj2k } from './htj2k-codec.js';
import type { DecodedImage } from './sample-image.js';
import { decodeJpeg2000 } from './jpeg2000-codec.js';
import { decodeJpegDct, decodeJpegLossless, decodeJpegLs } from './jpeg-decoders.js';
import { decodeNativeFrame } from './native-frame.js';
import type { PixelDescription } from './pixel-description.js';
import { decodeRleFrame } from './rle-decoder.js';
import { frameDecodingOf, transferSyntaxName } from './transfer-syntaxes.js';

export interface SourceFrame {
  readonly transferSyntaxUID: string;
  readonly pixel: PixelDescription;
  /** Native: the frame's bytes as stored; encapsulated: the frame's fragments concatenated. */
  readonly frame: Uint8Array;
  /** BitsAllocated 1: the bit of frame[0] where the frame starts. */
  readonly bitOffset?: number;
}

/** The lossy HTJ2K syntax is decoded with OpenJPEG, the corpus' reference decoder; OpenJPH differs on ICT. */
const LOSSY_HTJ2K = '1.2.840.10008.1.2.4.203';

/**
 * HTJ2K sources: OpenJPH (fast; colour without RCT is put back in order by decodeHtj2k), OpenJPEG for the lossy
 * syntax, as the corpus' reference decoder. OpenJPEG's binding cannot decode colour wider than 8 bits at all.
 */
function decodeHtj2kSource(uid: string, frame: Uint8Array): Promise<DecodedImage> {
  return uid === LOSSY_HTJ2K ? decodeJpeg2000(frame) : decodeHtj2k(frame);
}

export async function decodeSourceFrame(source: SourceFrame): Promise<RawSamples> {
  const { pixel, frame } = source;
  const uid = source.transferSyntaxUID.trim();
  const decoding = frameDecodingOf(uid);
  switch (decoding) {
    case 'native-little-endian':
      return decodeNativeFrame(frame, pixel, true, source.bitOffset);
    case 'native-big-endian':
      return decodeNativeFrame(frame, pixel, false, source.bitOffset);
    case 'rle':
      return decodeRleFrame(frame, pixel);
    case 'jpeg':
      return decodeJpegDct(frame, pixel);
    case 'jpeg-lossless':
      return decodeJpegLossless(frame, pixel);
    case 'jpeg-ls':
      return decodeJpegLs(frame, pixel);
    case 'jpeg-2000':
      return fromJpeg2000(await decodeJpeg2000(frame), pixel);
    case 'htj2k':
      return fromJpeg2000(await decodeHtj2kSource(uid, frame), pixel);
    case 'none':
      throw new FrameTranscodeError(`No decoder for transfer syntax ${uid} (${transferSyntaxName(uid) ?? 'unknown'})`);
  }
}

export async function decodeToCanonical(source: SourceFrame): Promise<CanonicalFrame> {
  return canonicalize(await decodeSourceFrame(source), source.pixel);
}

/** J2K/HTJ2K output: RCT/ICT are undone by the decoder, so YBR_RCT/YBR_ICT samples come back as RGB. */
function fromJpeg2000(image: DecodedImage, pixel: PixelDescription): RawSamples {
  if (image.width !== pixel.columns || image.height !== pixel.rows || image.components !== pixel.samplesPerPixel) {
    throw new FrameTranscodeError(
      `JPEG 2000 frame is ${image.width}x${image.height} with ${image.components} components; the header says ` +
        `${pixel.columns}x${pixel.rows} with SamplesPerPixel ${pixel.samplesPerPixel}`,
    );
  }
  const pi = pixel.photometricInterpretation;
  return {
    bytes: image.bytes,
    bytesPerSample: image.bytesPerSample,
    photometricInterpretation: pi === 'YBR_RCT' || pi === 'YBR_ICT' ? 'RGB' : pi,
  };
}
