// Documents built from real Part 10 files of the shared corpus, read with src/dicom/part10-reader.ts.
// Skipped with a message when the reader module or the corpus is not available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DicomJsonDataset } from '../dicom/dicom-json.js';
import { checkElementConstraints } from './element-constraints.js';
import { dicomTagsSummary } from './dicom-tags-summary.js';
import { buildMetadataDocument, countInstances, listFrameIds, mergeInstances, type InstanceForDocument } from './metadata-document.js';
import { levelsEqual, levelsOfDocument, normalizedLevels } from './metadata-levels.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/dicom-corpus', import.meta.url));

interface ManifestFile {
  readonly path: string;
  readonly expect: string;
  readonly sop_instance_uid: string | null;
  readonly series_instance_uid: string | null;
  readonly study_instance_uid: string | null;
  readonly patient_id: string | null;
  readonly modality: string | null;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly frames?: readonly { readonly index: number; readonly crc32: number; readonly min: number; readonly max: number }[];
}

interface Parsed {
  readonly dataset: DicomJsonDataset;
  readonly fileMeta: DicomJsonDataset;
  readonly transferSyntaxUID: string;
}

type ReadFile = (path: string) => Promise<Parsed>;

async function loadReader(): Promise<ReadFile | string> {
  if (!existsSync(join(CORPUS, 'MANIFEST.json'))) return `corpus not found at ${CORPUS}`;
  // Module paths in variables, so that this file compiles whether or not the reader exists yet.
  const readerPath = '../dicom/part10-reader.js';
  const sourcePath = '../dicom/byte-source.js';
  try {
    const reader = (await import(readerPath)) as { readPart10?: (source: unknown) => Promise<Parsed> };
    const sources = (await import(sourcePath)) as { fileByteSource?: (path: string) => Promise<{ close(): Promise<void> }> };
    const { readPart10 } = reader;
    const { fileByteSource } = sources;
    if (typeof readPart10 !== 'function' || typeof fileByteSource !== 'function') return 'src/dicom/part10-reader.ts does not export readPart10 / fileByteSource yet';
    return async (path) => {
      const source = await fileByteSource(join(CORPUS, path));
      try {
        return await readPart10(source);
      } finally {
        await source.close();
      }
    };
  } catch (error) {
    return `src/dicom/part10-reader.ts is not available yet (${(error as Error).message})`;
  }
}

const reader = await loadReader();
const skip = typeof reader === 'string' ? `skipped: ${reader}` : false;
const read = reader as ReadFile;
const manifest: readonly ManifestFile[] = skip ? [] : (JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as { files: ManifestFile[] }).files;

function frameId(path: string, index: number): string {
  return Buffer.from(`${path}#${index}`).toString('hex').slice(-32).padStart(32, '0');
}

async function forDocument(file: ManifestFile): Promise<InstanceForDocument> {
  const parsed = await read(file.path);
  return {
    dataset: parsed.dataset,
    fileMeta: parsed.fileMeta,
    storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202',
    frames: (file.frames ?? []).map((f) => ({
      id: frameId(file.path, f.index),
      frameSizeInBytes: (file.rows ?? 0) * (file.columns ?? 0) * 2,
      minPixelValue: f.min,
      maxPixelValue: f.max,
      checksums: [{ width: file.columns ?? 0, height: file.rows ?? 0, crc32: f.crc32 }],
    })),
  };
}

const under = (folder: string) => manifest.filter((f) => f.path.startsWith(folder) && f.expect !== 'reject');

test('corpus: one real series (Philips MR DTI, 160 files) → one document, one series, consistent levels', { skip }, async () => {
  const files = under('series/philips-mr-dti/');
  assert.equal(files.length, 160);
  const instances = await Promise.all(files.map(forDocument));
  for (const instance of instances) assert.deepEqual(checkElementConstraints(instance.dataset).errors, []);
  const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), instances);
  assert.equal(countInstances(document), 160);
  assert.deepEqual(Object.keys(document.Study.Series), [files[0]!.series_instance_uid]);
  assert.equal(document.Study.DICOM['StudyInstanceUID'], files[0]!.study_instance_uid);
  assert.equal(listFrameIds(document).length, files.reduce((n, f) => n + (f.frames?.length ?? 0), 0));
  const levels = levelsOfDocument(document);
  for (const instance of instances) {
    const own = normalizedLevels(instance.dataset);
    assert.ok(levelsEqual(own.patient, levels.patient) && levelsEqual(own.study, levels.study) && levelsEqual(own.series, levels.series));
  }
  // Building in two halves through mergeInstances gives the same bytes; so does reversed input order.
  const merged = mergeInstances(buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), instances.slice(0, 80)), instances.slice(80));
  assert.equal(JSON.stringify(merged), JSON.stringify(document));
  assert.equal(JSON.stringify(buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [...instances].reverse())), JSON.stringify(document));
  const summary = dicomTagsSummary(document);
  assert.equal(summary.DICOMSeriesInstanceUID, files[0]!.series_instance_uid);
  assert.equal(summary.DICOMSeriesModality, 'MR');
  assert.equal(summary.DICOMNumberOfStudyRelatedInstances, 160);
});

test('corpus: patient-name-conflict → the two instances differ at Patient level only', { skip }, async () => {
  const [a, b] = await Promise.all(under('patient-name-conflict/').map(forDocument));
  assert.ok(a && b);
  const la = normalizedLevels(a.dataset);
  const lb = normalizedLevels(b.dataset);
  assert.equal(levelsEqual(la.patient, lb.patient), false);
  assert.ok(levelsEqual(la.study, lb.study));
  assert.ok(levelsEqual(la.series, lb.series));
});

test('corpus: pcir studies → instances of the same series share levels; documents carry the manifest UIDs', { skip }, async () => {
  const files = under('studies/pcir/');
  assert.ok(files.length > 0);
  const bySeries = new Map<string, InstanceForDocument[]>();
  for (const file of files) {
    const instance = await forDocument(file);
    const key = `${file.study_instance_uid}|${file.series_instance_uid}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), instance]);
  }
  for (const [key, instances] of bySeries) {
    const [study, series] = key.split('|');
    const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), instances);
    assert.deepEqual(Object.keys(document.Study.Series), [series]);
    assert.equal(document.Study.DICOM['StudyInstanceUID'], study);
    const first = normalizedLevels(instances[0]!.dataset);
    for (const instance of instances.slice(1)) {
      const own = normalizedLevels(instance.dataset);
      assert.ok(levelsEqual(own.patient, first.patient) && levelsEqual(own.study, first.study) && levelsEqual(own.series, first.series), key);
    }
  }
});

test('corpus: every readable valid file with UIDs gives a deterministic document with the manifest header values', { skip }, async () => {
  const files = manifest.filter((f) => (f.expect === 'valid' || f.expect === 'valid-no-pixel-data') && f.study_instance_uid && f.series_instance_uid && f.sop_instance_uid);
  assert.ok(files.length > 300);
  for (const file of files) {
    const instance = await forDocument(file);
    assert.deepEqual(checkElementConstraints(instance.dataset).errors, [], file.path);
    const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [instance]);
    assert.equal(JSON.stringify(buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [instance])), JSON.stringify(document), file.path);
    const entry = document.Study.Series[file.series_instance_uid!]?.Instances[file.sop_instance_uid!];
    assert.ok(entry, file.path);
    assert.equal('PixelData' in entry.DICOM, false, file.path);
    assert.equal(entry.ImageFrames?.length, file.frames?.length ?? 0, file.path);
    if (file.rows !== null) assert.equal(entry.DICOM['Rows'], file.rows, file.path);
    if (file.patient_id) assert.equal(document.Patient.DICOM['PatientID'], file.patient_id, file.path);
    if (file.modality) assert.equal(document.Study.Series[file.series_instance_uid!]!.DICOM['Modality'], file.modality, file.path);
    for (const [i, frame] of (entry.ImageFrames ?? []).entries()) {
      assert.equal(frame.PixelDataChecksumFromBaseToFullResolution.at(-1)!.Checksum, file.frames![i]!.crc32 >>> 0);
    }
  }
});

test('corpus: files without Study/Series/SOP Instance UID are rejected by the constraints', { skip }, async () => {
  const files = manifest.filter((f) => f.expect === 'valid' && (!f.study_instance_uid || !f.series_instance_uid || !f.sop_instance_uid));
  for (const file of files) {
    const parsed = await read(file.path);
    assert.ok(checkElementConstraints(parsed.dataset).errors.some((e) => / does not exist$/.test(e)), file.path);
  }
});

test('corpus: explicit VR UN file and nested private sequences', { skip }, async () => {
  const un = await forDocument(manifest.find((f) => f.path === 'edge/explicit_VR-UN.dcm')!);
  const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [un]);
  assert.equal(document.Patient.DICOM['PatientName'], 'PANCREAS_0001');
  const instance = Object.values(Object.values(document.Study.Series)[0]!.Instances)[0]!;
  assert.equal(instance.DICOMVRs?.['00130010'], 'LO');
  const nested = await read('edge/nested_priv_SQ.dcm');
  const vrs = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [
    { dataset: { ...nested.dataset, '0020000E': { vr: 'UI', Value: ['1.2'] }, '00080018': { vr: 'UI', Value: ['1.2.3'] } }, fileMeta: nested.fileMeta, storedTransferSyntaxUID: '', frames: [] },
  ]).Study.Series['1.2']!.Instances['1.2.3']!.DICOMVRs!;
  assert.equal(vrs['00010001'], 'SQ');
});
