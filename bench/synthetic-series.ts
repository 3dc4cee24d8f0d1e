// Writes a synthetic single-frame, native (explicit VR LE) 16-bit series into a folder, one Part 10 file per instance.
// Content is CT-like: a smooth gradient inside an elliptical "body", air outside, plus deterministic noise,
// so it compresses like real data rather than like a constant image.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXPLICIT_LE, encodeDataset, imageElements, part10File, type FixtureElement } from '../src/dicom/synthetic-part10.fixture.js';

export interface SyntheticSeriesOptions {
  readonly instances: number;
  readonly rows: number;
  readonly columns: number;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  /** Prefix of the SOP Instance UIDs; instance i gets `${sopPrefix}.${i + 1}`. */
  readonly sopPrefix: string;
  /** Noise amplitude in raw units (± half of it); default 24 (≈ CT quantum noise at ~12-bit content). */
  readonly noise?: number;
}

export interface SyntheticSeries {
  readonly files: readonly string[];
  readonly bytes: number;
  readonly sopInstanceUIDs: readonly string[];
}

/** One frame, 16-bit little endian: gradient + ellipse + xorshift noise, seeded by `index`. */
export function syntheticCtFrame(rows: number, columns: number, index: number, noise = 24): Buffer {
  const frame = Buffer.alloc(rows * columns * 2);
  let state = (0x9e3779b9 ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0 || 1;
  const cx = columns / 2;
  const cy = rows / 2;
  const rx = columns * 0.42;
  const ry = rows * (0.34 + 0.02 * Math.sin(index / 9));
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      const n = (state % noise) - (noise >> 1);
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      const r2 = dx * dx + dy * dy;
      // Air ≈ 24, soft tissue ≈ 1040 with a smooth gradient and a brighter "organ" in the middle.
      let value = 24;
      if (r2 < 1) value = 1000 + ((x * 3 + y * 5 + index * 2) >> 3) + (r2 < 0.15 ? 180 * (1 - r2 / 0.15) : 0);
      frame.writeUInt16LE(Math.max(0, Math.min(0xffff, Math.round(value + n))), (y * columns + x) * 2);
    }
  }
  return frame;
}

function instanceFile(options: SyntheticSeriesOptions, index: number, sopInstanceUID: string): Buffer {
  const overrides: Record<string, string> = {
    '00080018': sopInstanceUID,
    '0020000D': options.studyInstanceUID,
    '0020000E': options.seriesInstanceUID,
  };
  const elements: FixtureElement[] = imageElements({ rows: options.rows, columns: options.columns, bitsAllocated: 16 }).map((e) =>
    overrides[e.tag] !== undefined ? { ...e, value: overrides[e.tag] } : e,
  );
  elements.push(
    { tag: '00080060', vr: 'CS', value: 'CT' },
    { tag: '00100010', vr: 'PN', value: 'Bench^ReadPath' },
    { tag: '00100020', vr: 'LO', value: 'BENCH-001' },
    { tag: '00200013', vr: 'IS', value: String(index + 1) },
    { tag: '00200032', vr: 'DS', value: `-250\\-250\\${(index * 1.25).toFixed(2)}` },
    { tag: '00280030', vr: 'DS', value: '0.9765625\\0.9765625' },
    { tag: '00281050', vr: 'DS', value: '40' },
    { tag: '00281051', vr: 'DS', value: '400' },
    { tag: '00281052', vr: 'DS', value: '-1024' },
    { tag: '00281053', vr: 'DS', value: '1' },
    { tag: '7FE00010', vr: 'OW', value: syntheticCtFrame(options.rows, options.columns, index, options.noise) },
  );
  elements.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return part10File('1.2.840.10008.1.2.1', encodeDataset(elements, EXPLICIT_LE), { sopInstanceUID });
}

/** Writes `options.instances` files named `IMG00001.dcm`… into `dir`. */
export async function writeSyntheticSeries(dir: string, options: SyntheticSeriesOptions): Promise<SyntheticSeries> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const sopInstanceUIDs: string[] = [];
  let bytes = 0;
  for (let i = 0; i < options.instances; i++) {
    const sopInstanceUID = `${options.sopPrefix}.${i + 1}`;
    const file = join(dir, `IMG${String(i + 1).padStart(5, '0')}.dcm`);
    const content = instanceFile(options, i, sopInstanceUID);
    await writeFile(file, content);
    files.push(file);
    sopInstanceUIDs.push(sopInstanceUID);
    bytes += content.length;
  }
  return { files, bytes, sopInstanceUIDs };
}
