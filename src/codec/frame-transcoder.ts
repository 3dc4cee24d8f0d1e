// One frame through import: decode the source, encode lossless HTJ2K (or JPEG 2000), decode again and insist on
// bit-exactness, checksum each resolution level (behavior.md §7–§9). Pure and thread-agnostic: runs in a worker.
import { crc32 } from './crc32.js';
import type { CanonicalFrame } from './decoded-frame.js';
import { decodeToCanonical, type SourceFrame } from './frame-decoder.js';
import { FrameTranscodeError } from './frame-transcode-error.js';
import { encodeHtj2k } from './htj2k-codec.js';
import { encodeJpeg2000 } from './jpeg2000-codec.js';
import { packBits } from './native-frame.js';
import { assertValidPixelDescription, type PixelDescription } from './pixel-description.js';
import { clipToPrecision, decompositionsFor, type DecodedImage, type SampleImage } from './sample-image.js';
import {
  EXPLICIT_VR_LITTLE_ENDIAN,
  HTJ2K_RPCL,
  JPEG2000_LOSSLESS,
  frameDecodingOf,
  importTreatmentOf,
  isNativeSyntax,
  transferSyntaxName,
} from './transfer-syntaxes.js';

export { FrameTranscodeError } from './frame-transcode-error.js';

export type StorageTarget = 'HTJ2K' | 'JPEG_2000_LOSSLESS';

export interface TranscodeRequest extends SourceFrame {
  readonly target: StorageTarget;
  /** Zero-based frame number, used in error messages only. */
  readonly frameIndex?: number;
}

/** CRC32 (unsigned) of the samples decoded at one resolution level. */
export interface ResolutionChecksum {
  readonly width: number;
  readonly height: number;
  readonly crc32: number;
}

export interface TranscodeResult {
  /** HTJ2K_RPCL, JPEG2000_LOSSLESS, or the source syntax (Explicit VR Little Endian for 1-bit data) when kept. */
  readonly storedTransferSyntaxUID: string;
  /** The stored frame: a raw codestream, or the original bytes when kept. */
  readonly data: Uint8Array;
  /** From the base (lowest) resolution to the full one, which is last; at most 3; empty when not decodable. */
  readonly checksums: readonly ResolutionChecksum[];
  /** Undefined only for kept frames no decoder here can read (video, JPEG XL). */
  readonly minPixelValue: number | undefined;
  readonly maxPixelValue: number | undefined;
  /** Colour space of the decoded samples: RGB after YCbCr/RCT/ICT decoding, YBR_FULL for native YBR_FULL_422. */
  readonly decodedPhotometricInterpretation: string;
  readonly frameSizeInBytes: number;
}

export async function transcodeFrame(request: TranscodeRequest): Promise<TranscodeResult> {
  const uid = request.transferSyntaxUID.trim();
  const treatment = importTreatmentOf(uid);
  if (treatment === 'unsupported') throw new FrameTranscodeError(`Unsupported transfer syntax ${uid}`);
  try {
    // Video and JPEG XL are stored untouched whatever their pixel attributes say: nothing here reads them.
    if (treatment === 'keep' && frameDecodingOf(uid) === 'none') return keptUndecoded(request, uid);
    assertValidPixelDescription(request.pixel);
    if (treatment === 'keep') return await keepFrame(request);
    if (request.pixel.bitsAllocated === 1 && isNativeSyntax(uid)) return await keepBinarySegmentation(request);
    return await transcode(request);
  } catch (error) {
    throw describeFailure(error, request);
  }
}

async function transcode(request: TranscodeRequest): Promise<TranscodeResult> {
  const { pixel } = request;
  assertEncodable(pixel);
  const canonical = await decodeToCanonical(request);
  const image: SampleImage = {
    bytes: canonical.bytes,
    width: pixel.columns,
    height: pixel.rows,
    components: pixel.samplesPerPixel,
    bytesPerSample: canonical.bytesPerSample as 1 | 2,
    precision: codestreamPrecision(pixel),
    isSigned: pixel.pixelRepresentation === 1,
  };
  const isHtj2k = request.target === 'HTJ2K';
  const encoded = isHtj2k ? await encodeHtj2k(image, canonical.photometricInterpretation === 'RGB') : await encodeJpeg2000(image);

  const roundTrip = await encoded.decode(0);
  if (Buffer.compare(roundTrip.bytes, canonical.bytes) !== 0) {
    throw new FrameTranscodeError(`Round trip of ${frameName(request)} is not bit-exact`);
  }
  const checksums: ResolutionChecksum[] = [];
  for (const level of checksumLevels(decompositionsFor(image.width, image.height))) {
    const decoded: DecodedImage = level === 0 ? roundTrip : await encoded.decode(level);
    const samples = level === 0 ? decoded.bytes : clipToPrecision(decoded, image.precision, image.isSigned);
    checksums.push({ width: decoded.width, height: decoded.height, crc32: crc32(samples) >>> 0 });
  }
  return result(isHtj2k ? HTJ2K_RPCL : JPEG2000_LOSSLESS, encoded.codestream, checksums, canonical);
}

/** Lossy originals stay as they are (behavior.md §7.1); we still decode them, for checksums and min/max. */
async function keepFrame(request: TranscodeRequest): Promise<TranscodeResult> {
  const canonical = await decodeToCanonical(request); // a frame that does not decode is rejected, not kept
  const data = new Uint8Array(request.frame); // a copy: Buffer#slice would share the caller's memory
  return result(request.transferSyntaxUID.trim(), data, [fullResolution(request.pixel, canonical)], canonical);
}

function keptUndecoded(request: TranscodeRequest, uid: string): TranscodeResult {
  const data = new Uint8Array(request.frame);
  return {
    storedTransferSyntaxUID: uid,
    data,
    checksums: [],
    minPixelValue: undefined,
    maxPixelValue: undefined,
    decodedPhotometricInterpretation: request.pixel.photometricInterpretation,
    frameSizeInBytes: data.length,
  };
}

/** Binary segmentation keeps its native encoding (behavior.md §7.1), re-packed to start at bit 0. */
async function keepBinarySegmentation(request: TranscodeRequest): Promise<TranscodeResult> {
  const canonical = await decodeToCanonical(request);
  return result(EXPLICIT_VR_LITTLE_ENDIAN, packBits(canonical.bytes), [fullResolution(request.pixel, canonical)], canonical);
}

function result(uid: string, data: Uint8Array, checksums: ResolutionChecksum[], canonical: CanonicalFrame): TranscodeResult {
  return {
    storedTransferSyntaxUID: uid,
    data,
    checksums,
    minPixelValue: canonical.minPixelValue,
    maxPixelValue: canonical.maxPixelValue,
    decodedPhotometricInterpretation: canonical.photometricInterpretation,
    frameSizeInBytes: data.length,
  };
}

function fullResolution(pixel: PixelDescription, canonical: CanonicalFrame): ResolutionChecksum {
  return { width: pixel.columns, height: pixel.rows, crc32: crc32(canonical.bytes) >>> 0 };
}

/**
 * What lossless HTJ2K/JPEG 2000 can hold here. BitsAllocated 32 (e.g. RT Dose) would need a 32-bit codestream
 * that the JS codecs cannot write or read back; such instances are stored whole with warning 0xB100.
 */
function assertEncodable(pixel: PixelDescription): void {
  if (pixel.bitsAllocated > 16) {
    throw new FrameTranscodeError(`BitsAllocated ${pixel.bitsAllocated} cannot be transcoded losslessly (16 bits at most)`);
  }
  if (pixel.bitsAllocated === 8 && pixel.pixelRepresentation === 1) {
    // The codec bindings read and write 8-bit samples as unsigned bytes.
    throw new FrameTranscodeError('Signed 8-bit samples cannot be transcoded losslessly');
  }
}

/**
 * Codestream precision: BitsStored, but at least 9 bits when BitsAllocated is 16, because decoders return
 * 1 byte a sample up to 8 bits, and the checksummed buffer must keep 2 bytes a sample.
 */
function codestreamPrecision(pixel: PixelDescription): number {
  return pixel.bitsAllocated === 16 ? Math.max(pixel.bitsStored, 9) : pixel.bitsStored;
}

/** Levels to checksum, as resolution levels skipped: base (all N), a middle one, then full (0). */
export function checksumLevels(decompositions: number): number[] {
  if (decompositions === 0) return [0];
  if (decompositions === 1) return [1, 0];
  return [decompositions, Math.floor(decompositions / 2), 0];
}

function frameName(request: TranscodeRequest): string {
  return request.frameIndex === undefined ? 'the frame' : `frame ${request.frameIndex + 1}`;
}

function describeFailure(error: unknown, request: TranscodeRequest): FrameTranscodeError {
  if (error instanceof FrameTranscodeError) return error;
  const uid = request.transferSyntaxUID.trim();
  const detail = error instanceof Error ? error.message : String(error);
  return new FrameTranscodeError(`Decoding ${frameName(request)} (${transferSyntaxName(uid) ?? uid}) failed: ${detail}`, { cause: error });
}
