// DICOMweb: WADO-RS frames/s at concurrency 32 (stored HTJ2K and decoded to Explicit VR Little Endian) and series
// metadata latency for the corpus' multi-slice series, through a real server with SigV4; QIDO-RS study search over
// 100k studies on the index itself.
import { SqliteDb } from '../src/db/sqlite/sqlite-db.js';
import type { QidoImageSetRows, QidoQuery } from '../src/dicomweb/index.js';
import { corpusFiles, type CorpusFile } from '../test/support/corpus.js';
import { dicomwebFetch, importCorpus } from '../test/support/dicomweb.js';
import { startServer } from '../test/support/server.js';
import { format, runConcurrent } from './stats.js';

const CONCURRENCY = 32;

export async function benchDicomweb(studies = 100_000): Promise<void> {
  console.log('\nDICOMweb');
  const server = await startServer({ env: { TESSERA_LOG_LEVEL: 'error', TESSERA_THROTTLING: 'off' } });
  try {
    const all = await corpusFiles();
    for (const folder of ['series/philips-mr-dti/', 'series/ct-stack-assembled/']) {
      const files = all.filter((f) => f.path.startsWith(folder));
      const datastoreId = await importCorpus(server, server.client(), folder.split('/')[1]!, files);
      await benchSeries(server.port, datastoreId, folder, files);
    }
  } finally {
    await server.dispose();
  }
  await benchStudySearch(studies);
}

async function benchSeries(port: number, datastoreId: string, folder: string, files: readonly CorpusFile[]): Promise<void> {
  const first = files[0]!;
  const seriesPath = `/datastore/${datastoreId}/studies/${first.study_instance_uid}/series/${first.series_instance_uid}`;
  const metadata = await runConcurrent(50, 1, async () => {
    const response = await dicomwebFetch(port, `${seriesPath}/metadata`, { accept: 'application/dicom+json' });
    if (response.status !== 200) throw new Error(`series metadata: ${response.status}`);
    await response.arrayBuffer();
  });
  console.log(format(`series metadata ${folder} (${files.length} instances)`, metadata));
  for (const [label, accept] of [
    ['frames, stored HTJ2K (transfer-syntax=*)', 'multipart/related; type="application/octet-stream"; transfer-syntax=*'],
    ['frames, decoded to ELE (default)', 'multipart/related; type="application/octet-stream"'],
  ] as const) {
    const frames = await runConcurrent(2000, CONCURRENCY, async (i) => {
      const file = files[i % files.length]!;
      const response = await dicomwebFetch(port, `${seriesPath}/instances/${file.sop_instance_uid}/frames/1`, { accept });
      if (response.status !== 200) throw new Error(`frames: ${response.status}`);
      await response.arrayBuffer();
    });
    console.log(format(`${label}, c=${CONCURRENCY}`, frames));
  }
}

/** QIDO studies on the index alone: `studies` studies of one series each, then the searches a study list makes. */
async function benchStudySearch(studies: number): Promise<void> {
  // In memory: writing 100k rows one committed transaction at a time with fsync would measure the disk, not the queries.
  const db = SqliteDb.open(':memory:');
  try {
    const started = performance.now();
    for (let i = 0; i < studies; i++) await db.dicomweb.replaceImageSetRows('ds', `is${i}`, `1.2.${i}`, rowsOf(i), i);
    console.log(`QIDO index: ${studies} studies written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const query = (over: Partial<QidoQuery>): QidoQuery => ({ level: 'study', datastoreId: 'ds', conditions: [], order: 'updated', limit: 25, offset: 0, ...over });
    const cases: [string, QidoQuery][] = [
      ['studies, newest 25', query({})],
      ['studies, offset 9975', query({ offset: 9975 })],
      ['studies, PatientID=', query({ conditions: [{ key: 'PatientID', match: { kind: 'equals', value: 'P4242', isCaseInsensitive: false } }] })],
      ['studies, PatientName=Name12*', query({ conditions: [{ key: 'PatientName', match: { kind: 'wildcard', pattern: 'Name12*', isCaseInsensitive: true } }] })],
      ['studies, StudyDate range (one month)', query({ conditions: [{ key: 'StudyDate', match: { kind: 'range', low: '20240101', high: '20240131' } }] })],
    ];
    for (const [label, q] of cases) console.log(format(`QIDO ${label} (${studies} studies)`, await runConcurrent(200, 1, () => db.dicomweb.searchQido(q))));
  } finally {
    db.close();
  }
}

function rowsOf(i: number): QidoImageSetRows {
  const study = `1.2.${i}`;
  const date = `2024${String((i % 12) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}`;
  return {
    series: {
      studyInstanceUID: study,
      seriesInstanceUID: `${study}.1`,
      modality: i % 3 === 0 ? 'CT' : 'MR',
      seriesNumber: 1,
      ppsStartDate: null,
      ppsStartTime: null,
      instanceCount: 100,
      study: { studyDate: date, studyTime: '120000', accessionNumber: `A${i}`, referringPhysicianName: null, studyDescription: 'Bench', patientName: `Name${i % 5000}^Given`, patientId: `P${i % 50000}`, patientBirthDate: null, patientBirthTime: null, studyId: String(i) },
      studyJson: JSON.stringify({ '0020000D': { vr: 'UI', Value: [study] }, '00100010': { vr: 'PN', Value: [{ Alphabetic: `Name${i % 5000}^Given` }] } }),
      seriesJson: JSON.stringify({ '0020000E': { vr: 'UI', Value: [`${study}.1`] } }),
    },
    instances: [],
  };
}
