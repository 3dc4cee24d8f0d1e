// Issue 6's acceptance path in one test: a corpus study imported by an import job is found with QIDO-RS and retrieved
// in full with WADO-RS by dicomweb-client (what OHIF uses); every instance comes back in Explicit VR Little Endian as a
// Part 10 file dcmtk reads, with the pixels MANIFEST.json gives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFiles, type CorpusFile } from '../support/corpus.js';
import { dcmdump, described, dicomwebClientFor, frameCrcs, hasDcmdump, importCorpus, pixelBytesByDcmtk, type DicomJsonElement } from '../support/dicomweb.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';

const STUDY_FOLDER = 'studies/pcir/98892001/';
const first = (element: DicomJsonElement | undefined) => element?.Value?.[0];

describe('DICOMweb: a study imported by a job, searched with QIDO-RS and retrieved with WADO-RS', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  let workDir: string;
  before(async () => {
    server = await startServer();
    files = (await corpusFiles()).filter((f) => f.path.startsWith(STUDY_FOLDER));
    datastoreId = await importCorpus(server, server.client(), 'roundtrip', files);
    workDir = await mkdtemp(join(tmpdir(), 'tessera-roundtrip-'));
  });
  after(async () => {
    await server?.dispose();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('finds the study, its series and instances, and every instance matches the corpus', async (t) => {
    if (!(await hasDcmdump())) return t.skip('dcmtk (dcmdump) is not installed');
    const dicomweb = dicomwebClientFor(server.port, datastoreId);
    const studyUid = files[0]!.study_instance_uid!;
    assert.ok(files.length >= 2 && files.every((f) => f.study_instance_uid === studyUid));
    const expectedSeries = new Set(files.map((f) => f.series_instance_uid!));
    assert.ok(expectedSeries.size >= 2, 'the study has several series');

    // QIDO-RS: the study by its patient, with its counts (the QIDO index follows the outbox, so it may lag a moment).
    const studies = await eventually(async () => {
      const found = await described(dicomweb.searchForStudies({ queryParams: { PatientID: files[0]!.patient_id! } }));
      return found.length > 0 ? found : undefined;
    }, 10_000);
    assert.deepEqual(studies.map((s) => first(s['0020000D'])), [studyUid]);
    assert.equal(first(studies[0]!['00201206']), expectedSeries.size, 'NumberOfStudyRelatedSeries');
    assert.equal(first(studies[0]!['00201208']), files.length, 'NumberOfStudyRelatedInstances');
    const series = await described(dicomweb.searchForSeries({ studyInstanceUID: studyUid }));
    assert.deepEqual(new Set(series.map((s) => first(s['0020000E']))), expectedSeries);

    let retrieved = 0;
    for (const seriesUid of expectedSeries) {
      const expected = files.filter((f) => f.series_instance_uid === seriesUid);
      const instances = await described(dicomweb.searchForInstances({ studyInstanceUID: studyUid, seriesInstanceUID: seriesUid }));
      assert.deepEqual(new Set(instances.map((i) => first(i['00080018']))), new Set(expected.map((f) => f.sop_instance_uid)));
      const metadata = await described(dicomweb.retrieveSeriesMetadata({ studyInstanceUID: studyUid, seriesInstanceUID: seriesUid }));
      assert.equal(metadata.length, expected.length);

      // WADO-RS: each instance as Part 10, Explicit VR Little Endian by default.
      for (const file of expected) {
        const bytes = Buffer.from(await described(dicomweb.retrieveInstance({ studyInstanceUID: studyUid, seriesInstanceUID: seriesUid, sopInstanceUID: file.sop_instance_uid! })));
        const out = join(workDir, `${file.sop_instance_uid}.dcm`);
        await writeFile(out, bytes);
        const dump = await dcmdump(out);
        assert.match(dump, /\(0002,0010\) UI =LittleEndianExplicit/, file.path);
        assert.match(dump, new RegExp(`\\(0008,0018\\) UI \\[${file.sop_instance_uid!.replace(/\./g, '\\.')}\\]`), file.path);
        assert.deepEqual(frameCrcs(await pixelBytesByDcmtk(out), file), file.frames.map((f) => f.crc32), `pixels of ${file.path}`);
        retrieved++;
      }
    }
    assert.equal(retrieved, files.length);
  });
});
