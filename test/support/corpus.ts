// The shared DICOM corpus and its ground truth (../shared/dicom-corpus/MANIFEST.json).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = resolve(fileURLToPath(new URL('../../../../shared/dicom-corpus', import.meta.url)));

export interface CorpusFrame {
  readonly index: number;
  readonly crc32: number;
  readonly min: number;
  readonly max: number;
}

export interface CorpusFile {
  readonly path: string;
  readonly category: string;
  readonly expect: 'valid' | 'reject' | 'edge' | 'valid-no-pixel-data';
  readonly transfer_syntax_uid: string | null;
  readonly sop_instance_uid: string | null;
  readonly study_instance_uid: string | null;
  readonly series_instance_uid: string | null;
  readonly patient_name: string | null;
  readonly patient_id: string | null;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly number_of_frames: number | null;
  readonly lossy_transfer_syntax: boolean;
  readonly decodable: boolean | null;
  readonly has_pixel_data: boolean;
  readonly pixel_representation: number | null;
  readonly bits_allocated: number | null;
  readonly samples_per_pixel: number | null;
  readonly photometric_interpretation: string | null;
  readonly frames: readonly CorpusFrame[];
  readonly description: string;
}

let cached: CorpusFile[] | undefined;

export async function corpusFiles(): Promise<CorpusFile[]> {
  cached ??= (JSON.parse(await readFile(join(CORPUS_DIR, 'MANIFEST.json'), 'utf8')) as { files: CorpusFile[] }).files;
  return cached;
}

/** Copies corpus files into a local bucket folder, keeping their relative paths under `prefix`. */
export async function copyIntoBucket(bucketDir: string, prefix: string, files: readonly CorpusFile[]): Promise<void> {
  for (const file of files) {
    const target = join(bucketDir, prefix, file.path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(CORPUS_DIR, file.path), target);
  }
}
