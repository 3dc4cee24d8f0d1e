// The transfer-syntax table (behavior.md §7.1): what import does with each syntax and which decoder reads it.

export type ImportTreatment = 'transcode' | 'keep' | 'unsupported';

/** How a frame of the syntax is turned into samples (`none`: no decoder available here). */
export type FrameDecoding =
  | 'native-little-endian'
  | 'native-big-endian'
  | 'rle'
  | 'jpeg' // DCT processes 1, 2 and 4
  | 'jpeg-lossless' // process 14, any predictor
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'htj2k'
  | 'none';

export const HTJ2K_RPCL = '1.2.840.10008.1.2.4.202';
export const JPEG2000_LOSSLESS = '1.2.840.10008.1.2.4.90';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

interface TransferSyntaxRow {
  readonly name: string;
  readonly treatment: ImportTreatment;
  readonly decoding: FrameDecoding;
}

const row = (name: string, treatment: ImportTreatment, decoding: FrameDecoding): TransferSyntaxRow => ({ name, treatment, decoding });

/**
 * One row per syntax AWS HealthImaging names. "keep" = stored in its original encoding ("retains original
 * encoding" in the AWS table); "transcode" = decoded and re-encoded losslessly to the store's format.
 * Explicit VR Little Endian binary segmentation (BitsAllocated 1) is kept too: frame-transcoder decides that,
 * because it depends on the pixel attributes, not on the syntax.
 */
const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntaxRow> = new Map([
  ['1.2.840.10008.1.2', row('Implicit VR Little Endian', 'transcode', 'native-little-endian')],
  ['1.2.840.10008.1.2.1', row('Explicit VR Little Endian', 'transcode', 'native-little-endian')],
  // The Part 10 reader inflates the data set, so frames arrive as Explicit VR Little Endian bytes.
  ['1.2.840.10008.1.2.1.99', row('Deflated Explicit VR Little Endian', 'transcode', 'native-little-endian')],
  ['1.2.840.10008.1.2.2', row('Explicit VR Big Endian (retired)', 'transcode', 'native-big-endian')],
  ['1.2.840.10008.1.2.4.50', row('JPEG Baseline (Process 1)', 'keep', 'jpeg')],
  ['1.2.840.10008.1.2.4.51', row('JPEG Extended (Process 2 & 4)', 'transcode', 'jpeg')],
  ['1.2.840.10008.1.2.4.57', row('JPEG Lossless, Non-Hierarchical (Process 14)', 'transcode', 'jpeg-lossless')],
  ['1.2.840.10008.1.2.4.70', row('JPEG Lossless, Non-Hierarchical, First-Order Prediction', 'transcode', 'jpeg-lossless')],
  ['1.2.840.10008.1.2.4.80', row('JPEG-LS Lossless', 'transcode', 'jpeg-ls')],
  ['1.2.840.10008.1.2.4.81', row('JPEG-LS Lossy (Near-Lossless)', 'transcode', 'jpeg-ls')],
  ['1.2.840.10008.1.2.4.90', row('JPEG 2000 (Lossless Only)', 'transcode', 'jpeg-2000')],
  ['1.2.840.10008.1.2.4.91', row('JPEG 2000', 'keep', 'jpeg-2000')],
  ['1.2.840.10008.1.2.4.92', row('JPEG 2000 Part 2 Multi-component (Lossless Only)', 'transcode', 'jpeg-2000')],
  ['1.2.840.10008.1.2.4.93', row('JPEG 2000 Part 2 Multi-component', 'transcode', 'jpeg-2000')],
  ['1.2.840.10008.1.2.4.100', row('MPEG2 Main Profile / Main Level', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.100.1', row('Fragmentable MPEG2 Main Profile / Main Level', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.101', row('MPEG2 Main Profile / High Level', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.101.1', row('Fragmentable MPEG2 Main Profile / High Level', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.102', row('MPEG-4 AVC/H.264 High Profile / Level 4.1', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.102.1', row('Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.103', row('MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.103.1', row('Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.104', row('MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.104.1', row('Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.105', row('MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.105.1', row('Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.106', row('MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.106.1', row('Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.107', row('HEVC/H.265 Main Profile / Level 5.1', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.108', row('HEVC/H.265 Main 10 Profile / Level 5.1', 'keep', 'none')],
  // .110/.111 are not in the AWS table; behavior.md §7.1 [I]: transcode .110 (no decoder here, so it fails
  // with a FrameTranscodeError and the instance is stored whole), keep .111.
  ['1.2.840.10008.1.2.4.110', row('JPEG XL Lossless', 'transcode', 'none')],
  ['1.2.840.10008.1.2.4.111', row('JPEG XL JPEG Recompression', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.112', row('JPEG XL', 'keep', 'none')],
  ['1.2.840.10008.1.2.4.201', row('High-Throughput JPEG 2000 (Lossless Only)', 'transcode', 'htj2k')],
  ['1.2.840.10008.1.2.4.202', row('High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', 'transcode', 'htj2k')],
  ['1.2.840.10008.1.2.4.203', row('High-Throughput JPEG 2000', 'keep', 'htj2k')],
  ['1.2.840.10008.1.2.5', row('RLE Lossless', 'transcode', 'rle')],
]);

/** What import does with frames of this syntax; anything not in the table is stored whole (warning 0xB120). */
export function importTreatmentOf(transferSyntaxUID: string): ImportTreatment {
  return TRANSFER_SYNTAXES.get(transferSyntaxUID.trim())?.treatment ?? 'unsupported';
}

export function frameDecodingOf(transferSyntaxUID: string): FrameDecoding {
  return TRANSFER_SYNTAXES.get(transferSyntaxUID.trim())?.decoding ?? 'none';
}

export function transferSyntaxName(transferSyntaxUID: string): string | undefined {
  return TRANSFER_SYNTAXES.get(transferSyntaxUID.trim())?.name;
}

/** True for syntaxes whose frames are the pixel bytes themselves (no encapsulation). */
export function isNativeSyntax(transferSyntaxUID: string): boolean {
  const decoding = frameDecodingOf(transferSyntaxUID);
  return decoding === 'native-little-endian' || decoding === 'native-big-endian';
}
