// readPart10 against every file of the shared DICOM corpus and its independently computed ground truth (MANIFEST.json).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { fileByteSource } from './byte-source.js';
import type { DicomJsonDataset } from './dicom-json.js';
import { DicomParseError, readFrame, readPart10, type ParsedInstance } from './part10-reader.js';

interface ManifestFrame { readonly index: number; readonly crc32: number; readonly crc32_unmasked?: number }
interface ManifestEntry {
  readonly path: string;
  readonly expect: 'valid' | 'valid-no-pixel-data' | 'edge' | 'reject';
  readonly has_file_meta?: boolean;
  readonly transfer_syntax_uid?: string | null;
  readonly sop_instance_uid?: string | null;
  readonly study_instance_uid?: string | null;
  readonly series_instance_uid?: string | null;
  readonly patient_id?: string | null;
  readonly patient_name?: string | null;
  readonly rows?: number | null;
  readonly columns?: number | null;
  readonly samples_per_pixel?: number | null;
  readonly bits_allocated?: number | null;
  readonly bits_stored?: number | null;
  readonly pixel_representation?: number | null;
  readonly planar_configuration?: number | null;
  readonly photometric_interpretation?: string | null;
  readonly number_of_frames?: number | null;
  readonly has_pixel_data?: boolean;
  readonly frame_bytes?: number | null;
  readonly frames?: readonly ManifestFrame[];
}

const CORPUS = fileURLToPath(new URL('../../../../shared/dicom-corpus/', import.meta.url));
const MANIFEST = `${CORPUS}MANIFEST.json`;
const hasCorpus = existsSync(MANIFEST);
const entries: readonly ManifestEntry[] = hasCorpus ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { files: ManifestEntry[] }).files : [];

const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);

/** Reject files whose structure is sound: a later stage (validator, decoder) rejects them, not the reader. */
const REJECTED_AFTER_PARSING: Readonly<Record<string, string>> = {
  'edge/MR_small_bitsstored_gt_allocated.dcm': 'BitsStored 17 > BitsAllocated 16 leaves the frame layout defined; the element validator rejects it',
  'corrupt/JPEG2000-embedded-sequence-delimiter.dcm': 'the delimiter sits inside a fragment payload, which is never read; the J2K decoder rejects the codestream',
};

/** What the reader says about each reject file it refuses. */
const REJECT_MESSAGES: Readonly<Record<string, RegExp>> = {
  'corrupt/empty.dcm': /empty/,
  'corrupt/not_dicom.dcm': /no DICM prefix at byte 128/,
  'corrupt/MR_small_bad_magic.dcm': /no DICM prefix at byte 128/,
  'corrupt/CT_small_no_meta_misaligned.dcm': /Not a DICOM Part 10 file/,
  'corrupt/random_bytes_with_dicm.dcm': /not by the File Meta Information/,
  'corrupt/CT_small_header_only.dcm': /ends inside element \(0002,0012\) at byte 276/,
  'corrupt/rtplan_truncated.dcm': /ends inside element \(300A,00B0\)/,
  'corrupt/MR_truncated.dcm': /ends inside element \(7FE0,0010\).*8192 bytes, 8130 remain/,
  'corrupt/US1_UNCR_truncated.dcm': /ends inside element \(7FE0,0010\)/,
  'corrupt/emri_small_jpeg_2k_lossless_too_short.dcm': /sequence delimiter is missing/,
  'edge/MR_small_rows_too_large.dcm': /Pixel Data is shorter than Rows x Columns .* 8192 bytes instead of 10240/,
  'edge/MR_small_bits_allocated_12.dcm': /BitsAllocated 12/,
};

function first(dataset: DicomJsonDataset, tag: string): unknown {
  return dataset[tag]?.Value?.[0];
}

async function parse(entry: ManifestEntry): Promise<{ instance: ParsedInstance; close: () => Promise<void> }> {
  const source = await fileByteSource(CORPUS + entry.path);
  try {
    return { instance: await readPart10(source), close: () => source.close() };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** The manifest's checksum layout (crc32_definition): little endian, masked / sign-extended, interleaved, 1-bit unpacked. */
function canonicalSamples(frame: Buffer, bitOffset: number, entry: ManifestEntry, isBigEndian: boolean): Buffer {
  const rows = entry.rows!, columns = entry.columns!, samples = entry.samples_per_pixel ?? 1;
  const bitsAllocated = entry.bits_allocated!, bitsStored = entry.bits_stored ?? bitsAllocated;
  if (bitsAllocated === 1) {
    const out = Buffer.alloc(rows * columns * samples);
    for (let i = 0; i < out.length; i++) out[i] = (frame[(bitOffset + i) >> 3] >> ((bitOffset + i) & 7)) & 1;
    return out;
  }
  const bytes = bitsAllocated / 8;
  let data = Buffer.from(frame);
  if (isBigEndian && bytes === 2) data.swap16();
  if (isBigEndian && bytes === 4) data.swap32();
  if (bitsStored < bitsAllocated) {
    const mask = 2 ** bitsStored - 1;
    for (let at = 0; at + bytes <= data.length; at += bytes) {
      let value = data.readUIntLE(at, bytes) & mask;
      if (entry.pixel_representation === 1 && value >= 2 ** (bitsStored - 1)) value -= 2 ** bitsStored;
      if (value < 0) data.writeIntLE(value, at, bytes);
      else data.writeUIntLE(value, at, bytes);
    }
  }
  if (entry.photometric_interpretation === 'YBR_FULL_422') {
    const out = Buffer.alloc(rows * columns * 3);
    for (let pair = 0, o = 0; pair * 4 < data.length; pair++) {
      const [y1, y2, cb, cr] = data.subarray(pair * 4, pair * 4 + 4);
      out.set([y1, cb, cr, y2, cb, cr], o);
      o += 6;
    }
    data = out;
  }
  if (entry.planar_configuration === 1 && samples > 1) {
    const plane = rows * columns * bytes;
    const out = Buffer.alloc(data.length);
    for (let pixel = 0; pixel < rows * columns; pixel++) {
      for (let s = 0; s < samples; s++) data.copy(out, (pixel * samples + s) * bytes, s * plane + pixel * bytes, s * plane + (pixel + 1) * bytes);
    }
    data = out;
  }
  return data;
}

function expectedNativeFrameBytes(entry: ManifestEntry, bitOffset: number): number {
  if (entry.bits_allocated === 1) return Math.ceil((bitOffset + entry.rows! * entry.columns! * (entry.samples_per_pixel ?? 1)) / 8);
  if (entry.photometric_interpretation === 'YBR_FULL_422') return (entry.frame_bytes! * 2) / 3; // 2 samples per pixel on disk
  return entry.frame_bytes!;
}

async function checkAgainstManifest(entry: ManifestEntry, instance: ParsedInstance): Promise<void> {
  const { dataset } = instance;
  if (entry.sop_instance_uid) assert.equal(first(dataset, '00080018'), entry.sop_instance_uid);
  if (entry.study_instance_uid) assert.equal(first(dataset, '0020000D'), entry.study_instance_uid);
  if (entry.series_instance_uid) assert.equal(first(dataset, '0020000E'), entry.series_instance_uid);
  if (entry.patient_id != null) assert.equal(first(dataset, '00100020') ?? '', entry.patient_id);
  if (entry.patient_name != null) assert.equal((first(dataset, '00100010') as { Alphabetic?: string } | undefined)?.Alphabetic ?? '', entry.patient_name);
  if (entry.rows != null) assert.equal(first(dataset, '00280010'), entry.rows);
  if (entry.columns != null) assert.equal(first(dataset, '00280011'), entry.columns);
  assert.equal(instance.hasFileMeta, entry.has_file_meta ?? true);
  if (entry.transfer_syntax_uid) {
    assert.equal(instance.transferSyntaxUID, entry.transfer_syntax_uid);
    assert.equal(instance.isTransferSyntaxInferred, false);
  } else {
    assert.equal(instance.isTransferSyntaxInferred, true);
  }
  if (!entry.has_pixel_data) {
    // parametric_map_float has Float Pixel Data, which the manifest does not count as Pixel Data.
    assert.ok(instance.pixelData === undefined || instance.pixelData.tag !== '7FE00010');
    return;
  }
  const pixelData = instance.pixelData;
  assert.ok(pixelData, 'Pixel Data located');
  assert.equal(pixelData.tag, '7FE00010');
  assert.equal(pixelData.frames.length, entry.number_of_frames ?? 1, 'frame count');
  assert.equal(pixelData.isEncapsulated, !NATIVE_SYNTAXES.has(instance.transferSyntaxUID));
  if (pixelData.isEncapsulated) {
    for (const frame of pixelData.frames) assert.ok(frame.ranges.length >= 1 && frame.ranges.every((range) => range.length > 0));
    return;
  }
  const isBigEndian = instance.transferSyntaxUID === '1.2.840.10008.1.2.2';
  for (const [index, frame] of pixelData.frames.entries()) {
    const bytes = await readFrame(instance, index);
    assert.equal(bytes.length, expectedNativeFrameBytes(entry, frame.bitOffset ?? 0), `frame ${index} byte length`);
    const truth = entry.frames?.[index];
    if (truth === undefined) continue;
    const checksum = crc32(canonicalSamples(bytes, frame.bitOffset ?? 0, entry, isBigEndian)) >>> 0;
    assert.ok(checksum === truth.crc32 || checksum === truth.crc32_unmasked, `frame ${index} CRC32 ${checksum} != ${truth.crc32}`);
  }
}

describe('DICOM corpus (MANIFEST.json)', { skip: hasCorpus ? false : `no corpus at ${CORPUS}` }, () => {
  for (const expect of ['valid', 'valid-no-pixel-data', 'edge'] as const) {
    describe(`expect: ${expect}`, () => {
      for (const entry of entries.filter((e) => e.expect === expect)) {
        test(entry.path, async () => {
          const { instance, close } = await parse(entry);
          try {
            if (entry.path === 'edge/nested_priv_SQ.dcm') {
              // A 2-byte Pixel Data without Rows/Columns: located, no frames, the import decides.
              assert.deepEqual(instance.pixelData?.warnings, ['FRAMES_EXTRACTION_FAILURE']);
              return;
            }
            await checkAgainstManifest(entry, instance);
            if (entry.path === 'edge/parametric_map_float.dcm') {
              assert.equal(instance.pixelData?.tag, '7FE00008');
              assert.equal(instance.pixelData?.vr, 'OF');
              assert.equal((await readFrame(instance, 0)).length, 128 * 128 * 4);
            }
          } finally {
            await close();
          }
        });
      }
    });
  }

  describe('expect: reject', () => {
    for (const entry of entries.filter((e) => e.expect === 'reject')) {
      test(entry.path, async () => {
        const laterStage = REJECTED_AFTER_PARSING[entry.path];
        if (laterStage !== undefined) {
          const { instance, close } = await parse(entry);
          await close();
          assert.ok(instance.pixelData, laterStage);
          return;
        }
        await assert.rejects(parse(entry), (error: unknown) => {
          assert.ok(error instanceof DicomParseError, `a DicomParseError, got ${String(error)}`);
          assert.ok(error.message.length > 10);
          const pattern = REJECT_MESSAGES[entry.path];
          if (pattern !== undefined) assert.match(error.message, pattern);
          return true;
        });
      });
    }
  });

  test('parses the whole corpus quickly (the 160-file Philips series in a few ms per file)', async (t) => {
    let philipsMs = 0;
    let philipsFiles = 0;
    const started = performance.now();
    for (const entry of entries) {
      const fileStarted = performance.now();
      await parse(entry).then(({ close }) => close(), () => undefined);
      if (entry.path.startsWith('series/philips-mr-dti/')) {
        philipsMs += performance.now() - fileStarted;
        philipsFiles++;
      }
    }
    const totalMs = performance.now() - started;
    t.diagnostic(`${entries.length} files in ${totalMs.toFixed(0)} ms; Philips series ${(philipsMs / philipsFiles).toFixed(2)} ms per file`);
    assert.ok(philipsMs / philipsFiles < 25, 'a Philips file parses in well under 25 ms');
  });
});
