// QIDO-RS end to end: a corpus of several patients, studies and series imported by a job, searched with dicomweb-client
// (what OHIF uses); expected results come from MANIFEST.json.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { corpusFiles, type CorpusFile } from '../support/corpus.js';
import { described, dicomwebClientFor, dicomwebFetch, importCorpus, type DicomwebClient } from '../support/dicomweb.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, startServer, type RunningServer } from '../support/server.js';
import { tesseraJson } from '../support/tessera-cli.js';

describe('DICOMweb QIDO-RS', { timeout: 600_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  let dicomweb: DicomwebClient;
  before(async () => {
    server = await startServer();
    files = (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/'));
    datastoreId = await importCorpus(server, server.client(), 'qido', files);
    dicomweb = dicomwebClientFor(server.port, datastoreId);
    const studies = new Set(files.map((f) => f.study_instance_uid)).size;
    // The QIDO index follows the outbox: it is eventually consistent with the import (dicomweb.md §5.6).
    // Every study and every instance indexed: a study row appears with its first series, its counts grow with the others.
    await eventually(async () => {
      const found = await dicomweb.searchForStudies();
      const instances = found.reduce((n, s) => n + Number((s['00201208'] as { Value?: unknown[] } | undefined)?.Value?.[0] ?? 0), 0);
      return found.length === studies && instances === files.length ? true : undefined;
    }, 30_000, 100);
  });
  after(async () => {
    await server?.dispose();
  });

  const uid = (o: Record<string, { Value?: unknown[] }>, tag: string) => o[tag]?.Value?.[0];

  it('studies: every study once, with counts over its primary series, newest update first', async () => {
    const studies = await described(dicomweb.searchForStudies());
    const expected = new Set(files.map((f) => f.study_instance_uid));
    assert.deepEqual(new Set(studies.map((s) => uid(s, '0020000D'))), expected);
    for (const study of studies) {
      const inStudy = files.filter((f) => f.study_instance_uid === uid(study, '0020000D'));
      assert.equal(uid(study, '00201208'), inStudy.length, 'NumberOfStudyRelatedInstances');
      assert.equal(uid(study, '00201206'), new Set(inStudy.map((f) => f.series_instance_uid)).size, 'NumberOfStudyRelatedSeries');
      assert.match(String(uid(study, '00081190')), new RegExp(`/datastore/${datastoreId}/studies/${uid(study, '0020000D')}$`));
    }
  });

  it('studies: PatientID, wildcard and fuzzy PatientName, UID lists, paging, includefield', async () => {
    const patientId = files[0]!.patient_id!;
    const byId = await described(dicomweb.searchForStudies({ queryParams: { PatientID: patientId } }));
    assert.deepEqual(new Set(byId.map((s) => uid(s, '0020000D'))), new Set(files.filter((f) => f.patient_id === patientId).map((f) => f.study_instance_uid)));
    const name = files[0]!.patient_name!;
    const byWildcard = await described(dicomweb.searchForStudies({ queryParams: { PatientName: `${name.slice(0, 3)}*` } }));
    assert.ok(byWildcard.length > 0 && byWildcard.every((s) => ((uid(s, '00100010') as { Alphabetic: string }).Alphabetic).startsWith(name.slice(0, 3))));
    // Fuzzy: a query word that is a case-insensitive prefix of a word of the name (dicomweb.md §5.3).
    const fuzzyWord = name.split(/[\^ ]/)[0]!.slice(0, 2).toLowerCase();
    const byFuzzy = await described(dicomweb.searchForStudies({ queryParams: { PatientName: fuzzyWord, fuzzymatching: 'true' } }));
    const fuzzyStudies = new Set(files.filter((f) => (f.patient_name ?? '').toLowerCase().split(/[\^ =]+/).some((w) => w.startsWith(fuzzyWord))).map((f) => f.study_instance_uid));
    assert.deepEqual(new Set(byFuzzy.map((s) => uid(s, '0020000D'))), fuzzyStudies);
    const noFuzzy = await described(dicomweb.searchForStudies({ queryParams: { PatientName: fuzzyWord } }));
    assert.equal(noFuzzy.length, 0, 'without fuzzymatching a partial name matches nothing');
    const [a, b] = [...new Set(files.map((f) => f.study_instance_uid!))];
    const byList = await described(dicomweb.searchForStudies({ queryParams: { StudyInstanceUID: `${a},${b}` } }));
    assert.equal(byList.length, 2);
    const all = await described(dicomweb.searchForStudies());
    const page = await described(dicomweb.searchForStudies({ queryParams: { limit: 1, offset: 1 } }));
    assert.deepEqual(page.map((s) => uid(s, '0020000D')), [uid(all[1]!, '0020000D')]);
    const withField = await described(dicomweb.searchForStudies({ queryParams: { includefield: '00081030', limit: 1 } }));
    assert.equal(withField.length, 1);
    const bad = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies?limit=1001`);
    assert.equal(bad.status, 400);
    const warned = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies?Manufacturer=X`);
    assert.match(warned.headers.get('warning') ?? '', /^299 .*Manufacturer/);
  });

  it('series of a study ordered by SeriesNumber, instances of a series, and the relational routes', async () => {
    const study = files[0]!.study_instance_uid!;
    const series = await described(dicomweb.searchForSeries({ studyInstanceUID: study }));
    const expectedSeries = new Set(files.filter((f) => f.study_instance_uid === study).map((f) => f.series_instance_uid));
    assert.deepEqual(new Set(series.map((s) => uid(s, '0020000E'))), expectedSeries);
    const numbers = series.map((s) => Number(uid(s, '00200011') ?? Infinity));
    assert.deepEqual(numbers, [...numbers].sort((x, y) => x - y));
    const seriesUid = String(uid(series[0]!, '0020000E'));
    const instances = await described(dicomweb.searchForInstances({ studyInstanceUID: study, seriesInstanceUID: seriesUid }));
    assert.deepEqual(new Set(instances.map((i) => uid(i, '00080018'))), new Set(files.filter((f) => f.series_instance_uid === seriesUid).map((f) => f.sop_instance_uid)));
    const sop = files[0]!.sop_instance_uid!;
    const found = (await (await dicomwebFetch(server.port, `/datastore/${datastoreId}/instances?SOPInstanceUID=${sop}`)).json()) as Record<string, { Value?: unknown[] }>[];
    assert.equal(found.length, 1);
    assert.equal(uid(found[0]!, '0020000D'), files[0]!.study_instance_uid);
    const allSeries = (await (await dicomwebFetch(server.port, `/datastore/${datastoreId}/series?PatientID=${files[0]!.patient_id}`)).json()) as unknown[];
    assert.equal(allSeries.length, new Set(files.filter((f) => f.patient_id === files[0]!.patient_id).map((f) => f.series_instance_uid)).size);
    const studyInstances = (await (await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/${study}/instances`)).json()) as unknown[];
    assert.equal(studyInstances.length, files.filter((f) => f.study_instance_uid === study).length);
  });

  it('authorizes each route as its IAM action on the data store, with the StudyInstanceUID condition key', async () => {
    const [studyA, studyB] = [...new Set(files.map((f) => f.study_instance_uid!))];
    const seriesOf = (study: string) => files.find((f) => f.study_instance_uid === study)!.series_instance_uid!;
    const key = await tesseraJson<{ accessKeyId: string; secretAccessKey: string }>(server.dataDir, 'users', 'create', 'study-a-reader');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['medical-imaging:GetDICOMSeriesMetadata', 'medical-imaging:SearchDICOMSeries'],
          Resource: `arn:aws:medical-imaging:us-east-1:*:datastore/${datastoreId}`,
          Condition: { StringEquals: { 'medical-imaging:StudyInstanceUID': studyA } },
        },
      ],
    };
    const policyPath = join(server.dataDir, 'study-a.json');
    await writeFile(policyPath, JSON.stringify(policy));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'study-a-reader', '--file', policyPath);
    const as = { credentials: key };
    await eventually(async () => ((await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/${studyA}/series`, as)).status === 200 ? true : undefined), 10_000, 100);
    assert.equal((await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/${studyA}/series/${seriesOf(studyA!)}/metadata`, as)).status, 200);
    const other = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/${studyB}/series/${seriesOf(studyB!)}/metadata`, as);
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    const studies = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies`, as);
    assert.equal(studies.status, 403, 'SearchDICOMStudies is not allowed');
  });

  it('unknown data stores are 404; QIDO and WADO actions are throttled per account like AWS (50/s, burst 100)', async () => {
    const unknown = await dicomwebFetch(server.port, `/datastore/${'0'.repeat(32)}/studies`);
    assert.equal(unknown.status, 404);
    const throttled = await startServer({ env: { TESSERA_THROTTLING: 'on', TESSERA_THROTTLE_LIMITS: 'SearchDICOMStudies=1/2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await dicomwebFetch(throttled.port, `/datastore/${'0'.repeat(32)}/studies`);
        statuses.push(response.status);
        if (response.status === 429) assert.equal(response.headers.get('x-amzn-errortype'), 'ThrottlingException');
      }
      assert.deepEqual(statuses.slice(0, 2), [404, 404], 'the burst passes (the data store does not exist)');
      assert.ok(statuses.slice(2).includes(429), `then the bucket is empty: ${statuses.join(',')}`);
    } finally {
      await throttled.dispose();
    }
  });
});
