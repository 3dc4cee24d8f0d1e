// The transfer-syntax table (PS3.5 §10, Annex A; PS3.6 Table A-1): how each syntax encodes the data set and its pixel data.

export type DatasetEncoding = 'implicit-le' | 'explicit-le' | 'explicit-be' | 'deflated-explicit-le';

/** What starts each frame's codestream inside encapsulated pixel data; used to split frames when no offset table says. */
export type FrameCodestream = 'jpeg' | 'jpeg-2000' | 'jpeg-xl' | 'rle' | 'video' | 'deflate' | 'native';

export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  readonly datasetEncoding: DatasetEncoding;
  readonly isEncapsulated: boolean;
  /** Absent for native (uncompressed) pixel data. */
  readonly frameCodestream?: FrameCodestream;
}

type Row = readonly [uid: string, name: string, encoding: DatasetEncoding, codestream?: FrameCodestream];

const PREFIX = '1.2.840.10008.';

const ROWS: readonly Row[] = [
  ['1.2', 'Implicit VR Little Endian', 'implicit-le'],
  ['1.2.1', 'Explicit VR Little Endian', 'explicit-le'],
  ['1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', 'explicit-le', 'native'],
  ['1.2.1.99', 'Deflated Explicit VR Little Endian', 'deflated-explicit-le'],
  ['1.2.2', 'Explicit VR Big Endian', 'explicit-be'],
  ['1.2.4.50', 'JPEG Baseline (Process 1)', 'explicit-le', 'jpeg'],
  ['1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'explicit-le', 'jpeg'],
  ['1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'explicit-le', 'jpeg'],
  ['1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction', 'explicit-le', 'jpeg'],
  ['1.2.4.80', 'JPEG-LS Lossless', 'explicit-le', 'jpeg'],
  ['1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'explicit-le', 'jpeg'],
  ['1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.91', 'JPEG 2000 Image Compression', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.93', 'JPEG 2000 Part 2 Multi-component', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.100', 'MPEG2 Main Profile / Main Level', 'explicit-le', 'video'],
  ['1.2.4.100.1', 'Fragmentable MPEG2 Main Profile / Main Level', 'explicit-le', 'video'],
  ['1.2.4.101', 'MPEG2 Main Profile / High Level', 'explicit-le', 'video'],
  ['1.2.4.101.1', 'Fragmentable MPEG2 Main Profile / High Level', 'explicit-le', 'video'],
  ['1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', 'explicit-le', 'video'],
  ['1.2.4.102.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1', 'explicit-le', 'video'],
  ['1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'explicit-le', 'video'],
  ['1.2.4.103.1', 'Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'explicit-le', 'video'],
  ['1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'explicit-le', 'video'],
  ['1.2.4.104.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'explicit-le', 'video'],
  ['1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'explicit-le', 'video'],
  ['1.2.4.105.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'explicit-le', 'video'],
  ['1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'explicit-le', 'video'],
  ['1.2.4.106.1', 'Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'explicit-le', 'video'],
  ['1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', 'explicit-le', 'video'],
  ['1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', 'explicit-le', 'video'],
  ['1.2.4.110', 'JPEG XL Lossless', 'explicit-le', 'jpeg-xl'],
  ['1.2.4.111', 'JPEG XL JPEG Recompression', 'explicit-le', 'jpeg-xl'],
  ['1.2.4.112', 'JPEG XL', 'explicit-le', 'jpeg-xl'],
  ['1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', 'explicit-le', 'jpeg-2000'],
  ['1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', 'explicit-le', 'jpeg-2000'],
  ['1.2.5', 'RLE Lossless', 'explicit-le', 'rle'],
  ['1.2.8.1', 'Deflated Image Frame Compression', 'explicit-le', 'deflate'],
];

const TABLE: ReadonlyMap<string, TransferSyntax> = new Map(
  ROWS.map(([suffix, name, datasetEncoding, frameCodestream]) => {
    const uid = PREFIX + suffix;
    const syntax: TransferSyntax = frameCodestream === undefined
      ? { uid, name, datasetEncoding, isEncapsulated: false }
      : { uid, name, datasetEncoding, isEncapsulated: true, frameCodestream };
    return [uid, syntax];
  }),
);

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** The table entry, or undefined for a UID this table does not know. */
export function transferSyntaxOf(uid: string): TransferSyntax | undefined {
  return TABLE.get(uid);
}

/**
 * How to read the data set of any syntax: unknown (e.g. private) syntaxes are Explicit VR Little Endian,
 * since PS3.5 §10 reserves the other encodings for the syntaxes listed here.
 */
export function datasetEncodingOf(uid: string): DatasetEncoding {
  return TABLE.get(uid)?.datasetEncoding ?? 'explicit-le';
}

export function allTransferSyntaxes(): readonly TransferSyntax[] {
  return [...TABLE.values()];
}
