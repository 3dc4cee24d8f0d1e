// The codec feature's public API: transfer-syntax treatment, frame transcoding and the worker pool.
export { pixelDescriptionOf, type PixelDescription } from './pixel-description.js';
export {
  EXPLICIT_VR_LITTLE_ENDIAN,
  HTJ2K_RPCL,
  JPEG2000_LOSSLESS,
  importTreatmentOf,
  transferSyntaxName,
  type ImportTreatment,
} from './transfer-syntaxes.js';
export {
  FrameTranscodeError,
  transcodeFrame,
  type ResolutionChecksum,
  type StorageTarget,
  type TranscodeRequest,
  type TranscodeResult,
} from './frame-transcoder.js';
export { CodecPool, type CodecPoolOptions } from './codec-pool.js';
export type { SourceFrame } from './frame-decoder.js';
export type { CanonicalFrame } from './decoded-frame.js';
export { packBits } from './native-frame.js';
