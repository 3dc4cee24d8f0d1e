// JPEG (ISO 10918-1 Annex B) marker segments up to the first scan: frame type, precision, tables.
import { FrameTranscodeError } from './frame-transcode-error.js';

export type JpegProcess = 'baseline' | 'extended' | 'progressive' | 'lossless' | 'other';

export interface JpegComponent {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly quantTable: number;
}

export interface JpegScan {
  readonly components: readonly { readonly id: number; readonly dcTable: number; readonly acTable: number }[];
  /** Huffman tables defined before this scan, keyed by table id * 2 + class (0 DC, 1 AC). */
  readonly tables: ReadonlyMap<number, HuffmanTable>;
  /** Ss: spectral selection start, or the predictor (1..7) in lossless scans. */
  readonly spectralStart: number;
  /** Al: successive approximation low bit, or the point transform in lossless scans. */
  readonly pointTransform: number;
  readonly restartInterval: number;
  /** Entropy-coded data: from dataStart up to (not including) the marker at dataEnd. */
  readonly dataStart: number;
  readonly dataEnd: number;
}

export interface JpegHeader {
  readonly process: JpegProcess;
  readonly precision: number;
  readonly width: number;
  readonly height: number;
  readonly components: readonly JpegComponent[];
  readonly quantTables: readonly (Int32Array | undefined)[];
  readonly restartInterval: number;
  readonly scans: readonly JpegScan[];
}

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

export function readJpegHeader(data: Uint8Array): JpegHeader {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new FrameTranscodeError('JPEG frame does not start with SOI (FFD8)');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const quantTables: (Int32Array | undefined)[] = [];
  const tables = new Map<number, HuffmanTable>();
  let frame: Omit<JpegHeader, 'quantTables' | 'restartInterval' | 'scans'> | undefined;
  const scans: JpegScan[] = [];
  let restartInterval = 0;
  let position = 2;
  while (position + 4 <= data.length) {
    if (data[position] !== 0xff) {
      position++; // garbage between segments: skip to the next marker, as IJG does (with a warning)
      continue;
    }
    const marker = data[position + 1]!;
    if (marker === 0xff) {
      position++; // fill byte
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const length = view.getUint16(position + 2);
    const body = position + 4;
    const end = position + 2 + length;
    if (end > data.length) throw new FrameTranscodeError('JPEG marker segment runs past the end of the frame');
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const count = data[body + 5]!;
      const components: JpegComponent[] = [];
      for (let i = 0; i < count; i++) {
        const at = body + 6 + i * 3;
        components.push({ id: data[at]!, h: data[at + 1]! >> 4, v: data[at + 1]! & 15, quantTable: data[at + 2]! });
      }
      const process: JpegProcess =
        marker === 0xc0 ? 'baseline' : marker === 0xc1 ? 'extended' : marker === 0xc2 ? 'progressive' : marker === 0xc3 ? 'lossless' : 'other';
      frame = { process, precision: data[body]!, height: view.getUint16(body + 1), width: view.getUint16(body + 3), components };
    } else if (marker === 0xdb) {
      for (let at = body; at < end; ) {
        const wide = data[at]! >> 4;
        const id = data[at]! & 15;
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[ZIGZAG[k]!] = wide ? view.getUint16(at + 1 + k * 2) : data[at + 1 + k]!;
        quantTables[id] = table;
        at += 1 + 64 * (wide ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let at = body; at < end; ) {
        const tableClass = data[at]! >> 4;
        const id = data[at]! & 15;
        const counts = data.subarray(at + 1, at + 17);
        const total = counts.reduce((n, c) => n + c, 0);
        tables.set(id * 2 + tableClass, buildHuffmanTable(counts, data.slice(at + 17, at + 17 + total)));
        at += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = view.getUint16(body);
    } else if (marker === 0xda) {
      if (!frame) throw new FrameTranscodeError('JPEG scan before frame header');
      const count = data[body]!;
      const scanComponents = [];
      for (let i = 0; i < count; i++) {
        const at = body + 1 + i * 2;
        scanComponents.push({ id: data[at]!, dcTable: data[at + 1]! >> 4, acTable: data[at + 1]! & 15 });
      }
      const parameters = body + 1 + count * 2;
      const dataEnd = endOfEntropyData(data, end);
      scans.push({
        components: scanComponents,
        tables: new Map(tables),
        spectralStart: data[parameters]!,
        pointTransform: data[parameters + 2]! & 15,
        restartInterval,
        dataStart: end,
        dataEnd,
      });
      position = dataEnd;
      continue;
    }
    position = end;
  }
  if (!frame || scans.length === 0) throw new FrameTranscodeError('JPEG frame has no scan');
  return { ...frame, quantTables, restartInterval, scans };
}

/** The next marker that is not a restart marker: where a scan's entropy-coded data ends (B.1.1.5). */
function endOfEntropyData(data: Uint8Array, from: number): number {
  for (let i = from; i + 1 < data.length; i++) {
    if (data[i] !== 0xff) continue;
    const next = data[i + 1]!;
    if (next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return i;
  }
  return data.length;
}

export interface HuffmanTable {
  readonly maxCode: Int32Array; // by code length 1..16, -1 when no code of that length
  readonly valueOffset: Int32Array;
  readonly values: Uint8Array;
}

export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    if (n > 0) {
      valueOffset[length] = k - code;
      code += n;
      k += n;
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valueOffset, values };
}
