// JPEG lossless, process 14 (ISO 10918-1 Annex H): predictors 1–7, point transform, restart intervals,
// interleaved or one-scan-per-component colour. Written here because jpeg-lossless-decoder-js 2.1.2 returns
// wrong samples for the second frame of a real RGB file (JPEGLosslessP14SV1_3s_2f_u_08_08.dcm) and cannot
// read 16-bit colour or multi-scan images.
import { FrameTranscodeError } from './frame-transcode-error.js';
import { BitReader, decodeHuffman } from './jpeg-entropy.js';
import { readJpegHeader, type JpegScan } from './jpeg-header.js';

export interface LosslessImage {
  /** Samples interleaved by pixel (PlanarConfiguration 0). */
  readonly samples: Uint16Array;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
}

export function decodeJpegLosslessFrame(data: Uint8Array): LosslessImage {
  const header = readJpegHeader(data);
  if (header.process !== 'lossless') throw new FrameTranscodeError(`Not a lossless JPEG (process ${header.process})`);
  const { width, height, precision } = header;
  const components = header.components.length;
  if (header.components.some((c) => c.h !== 1 || c.v !== 1)) {
    throw new FrameTranscodeError('Lossless JPEG with subsampled components is not supported');
  }
  const samples = new Uint16Array(width * height * components);
  const decoded = new Set<number>();
  for (const scan of header.scans) {
    const indices = scan.components.map((s) => header.components.findIndex((c) => c.id === s.id));
    if (indices.some((i) => i < 0)) throw new FrameTranscodeError('Lossless JPEG scan names an unknown component');
    decodeScan(data, scan, indices, samples, width, height, components, precision);
    indices.forEach((i) => decoded.add(i));
  }
  if (decoded.size !== components) throw new FrameTranscodeError('Lossless JPEG frame lacks scans for some components');
  return { samples, width, height, components, precision };
}

function decodeScan(
  data: Uint8Array,
  scan: JpegScan,
  indices: readonly number[],
  out: Uint16Array,
  width: number,
  height: number,
  components: number,
  precision: number,
): void {
  const predictor = scan.spectralStart;
  const pt = scan.pointTransform;
  if (predictor < 1 || predictor > 7) throw new FrameTranscodeError(`Lossless JPEG predictor ${predictor} is not 1 to 7`);
  const tables = scan.components.map((s) => scan.tables.get(s.dcTable * 2));
  if (tables.some((t) => !t)) throw new FrameTranscodeError('Lossless JPEG Huffman table missing');
  const reader = new BitReader(data, scan.dataStart);
  const initial = 1 << (precision - pt - 1);
  // Reconstructed values before the point transform, one row back and the current row, per scan component.
  const previous = indices.map(() => new Int32Array(width));
  const current = indices.map(() => new Int32Array(width));
  let untilRestart = scan.restartInterval;
  let isFirstLine = true; // first line of the scan or of a restart interval (H.1.2.1)
  let isFirstSample = true;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (scan.restartInterval > 0) {
        if (untilRestart === 0) {
          reader.restart();
          untilRestart = scan.restartInterval;
          isFirstLine = true;
          isFirstSample = true;
        }
        untilRestart--;
      }
      for (let k = 0; k < indices.length; k++) {
        const row = current[k]!;
        const above = previous[k]!;
        let prediction: number;
        if (isFirstSample) prediction = initial;
        else if (isFirstLine) prediction = x > 0 ? row[x - 1]! : above[x]!;
        else if (x === 0) prediction = above[0]!;
        else {
          const ra = row[x - 1]!;
          const rb = above[x]!;
          const rc = above[x - 1]!;
          prediction = predict(predictor, ra, rb, rc);
        }
        const t = decodeHuffman(reader, tables[k]!);
        const difference = t === 0 ? 0 : t === 16 ? 32768 : extendDifference(reader.bits(t), t);
        const value = (prediction + difference) & 0xffff;
        row[x] = value;
        out[(y * width + x) * components + indices[k]!] = (value << pt) & 0xffff;
      }
      isFirstSample = false;
    }
    // The first line of an interval ends at the end of the row; the next uses the regular predictors.
    isFirstLine = false;
    for (let k = 0; k < indices.length; k++) {
      const swap = previous[k]!;
      previous[k] = current[k]!;
      current[k] = swap;
    }
  }
}

/** H.1.2.1 Table H.1. */
function predict(selection: number, ra: number, rb: number, rc: number): number {
  switch (selection) {
    case 1:
      return ra;
    case 2:
      return rb;
    case 3:
      return rc;
    case 4:
      return ra + rb - rc;
    case 5:
      return ra + ((rb - rc) >> 1);
    case 6:
      return rb + ((ra - rc) >> 1);
    default:
      return (ra + rb) >> 1;
  }
}

function extendDifference(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}
