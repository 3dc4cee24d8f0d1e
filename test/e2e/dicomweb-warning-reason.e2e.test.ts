// WarningReason end to end (dicomweb.md §6.4, §11; behavior.md §4.3): an instance imported (job or STOW-RS) with a warning
// carries the code in its instance metadata (GetImageSetMetadata, WADO-RS metadata), and QIDO-RS SearchDICOMInstances
// finds it by that code; instances without a warning are not found.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CORPUS_DIR, corpusFiles, type CorpusFile } from '../support/corpus.js';
import { described, dicomwebClientFor, dicomwebFetch, imageSetOfFile, importCorpus, type DicomJsonElement } from '../support/dicomweb.js';
import { activeDatastore, metadataOf } from '../support/image-sets.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';

type DicomJson = Record<string, DicomJsonElement>;

const DEFLATED = 'edge/liver_deflated_image_frame.dcm'; // 0xB120 UNSUPPORTED_TRANSFER_SYNTAX = 45344
const FLOAT = 'edge/parametric_map_float.dcm'; // 0xB100 TRANSCODING_EXCEPTION = 45312
const SEG = 'edge/liver_seg_1bit_3frame.dcm'; // same study as DEFLATED, another series, no warning

describe('DICOMweb WarningReason', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  const file = (path: string) => files.find((f) => f.path === path)!;
  const sop = (o: DicomJson) => o['00080018']?.Value?.[0];
  const instancesPath = (f: CorpusFile, query = '') => `/datastore/${datastoreId}/studies/${f.study_instance_uid}/series/${f.series_instance_uid}/instances${query}`;
  const search = async (path: string): Promise<DicomJson[]> => {
    const response = await dicomwebFetch(server.port, path);
    assert.equal(response.status, 200, `${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as DicomJson[];
  };

  before(async () => {
    server = await startServer();
    const all = await corpusFiles();
    files = all.filter((f) => [DEFLATED, FLOAT, SEG].includes(f.path) || f.path.startsWith('studies/pcir/98892001/CT5N/'));
    datastoreId = await importCorpus(server, server.client(), 'warnings', files);
    // QIDO follows the outbox (dicomweb.md §5.6): wait until every instance is indexed.
    await eventually(async () => ((await search(`/datastore/${datastoreId}/instances`)).length === files.length ? true : undefined), 30_000, 100);
  });
  after(async () => {
    await server?.dispose();
  });

  it('GetImageSetMetadata: the warned instance has WarningReason by keyword at instance level, the others none', async () => {
    const client = server.client();
    for (const [path, code] of [[DEFLATED, 45344], [FLOAT, 45312], [SEG, undefined]] as const) {
      const f = file(path);
      const document = await metadataOf(client, datastoreId, imageSetOfFile(datastoreId, path).imageSetId);
      const instance = document.Study.Series[f.series_instance_uid!]!.Instances[f.sop_instance_uid!]!;
      assert.equal(instance.DICOM['WarningReason'], code, path);
      assert.equal(document.Study.Series[f.series_instance_uid!]!.DICOM['WarningReason'], undefined, 'not at series level');
    }
  });

  it('SearchDICOMInstances matches WarningReason by code, by tag and by wildcard; unwarned instances never match', async () => {
    const deflated = file(DEFLATED);
    const found = await search(instancesPath(deflated, '?WarningReason=45344'));
    assert.deepEqual(found.map(sop), [deflated.sop_instance_uid]);
    assert.deepEqual(found[0]!['00081196'], { vr: 'US', Value: [45344] }, 'returned by default when set (dicomweb.md §5.5)');
    assert.deepEqual((await search(instancesPath(deflated, '?00081196=45344'))).map(sop), [deflated.sop_instance_uid], 'by tag');
    assert.deepEqual((await search(instancesPath(deflated, '?WarningReason=4534*'))).map(sop), [deflated.sop_instance_uid], 'by wildcard');
    assert.deepEqual(await search(instancesPath(deflated, '?WarningReason=45312')), [], 'another code does not match');
    assert.deepEqual(await search(instancesPath(deflated, '?WarningReason=4531*')), []);

    const float = file(FLOAT);
    assert.deepEqual((await search(instancesPath(float, '?WarningReason=45312'))).map(sop), [float.sop_instance_uid]);

    // Series whose instances were stored without a warning: all instances without a key, none with it.
    for (const f of [file(SEG), files.find((x) => x.path.startsWith('studies/pcir/98892001/CT5N/'))!]) {
      const unfiltered = await search(instancesPath(f));
      assert.ok(unfiltered.length > 0 && unfiltered.every((i) => i['00081196'] === undefined), f.path);
      assert.deepEqual(await search(instancesPath(f, '?WarningReason=45344')), [], f.path);
      assert.deepEqual(await search(instancesPath(f, '?WarningReason=*')), [], `${f.path}: a wildcard matches only instances that have a code`);
    }
  });

  it("a study's instances (SearchDICOMStudyInstances) carry WarningReason, which is not a match key there (dicomweb.md §5.2)", async () => {
    const deflated = file(DEFLATED);
    const path = `/datastore/${datastoreId}/studies/${deflated.study_instance_uid}/instances?WarningReason=45344`;
    const response = await dicomwebFetch(server.port, path);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('warning') ?? '', /^299 .*not supported as match keys: WarningReason/);
    const found = (await response.json()) as DicomJson[];
    const bySop = new Map(found.map((i) => [sop(i), i]));
    assert.deepEqual(new Set(bySop.keys()), new Set([deflated.sop_instance_uid, file(SEG).sop_instance_uid]));
    assert.deepEqual(bySop.get(deflated.sop_instance_uid)!['00081196'], { vr: 'US', Value: [45344] });
    assert.equal(bySop.get(file(SEG).sop_instance_uid)!['00081196'], undefined);
  });

  it('WADO-RS instance and series metadata show "00081196": {"vr":"US","Value":[45344]}', async () => {
    const deflated = file(DEFLATED);
    const dicomweb = dicomwebClientFor(server.port, datastoreId);
    const uids = { studyInstanceUID: deflated.study_instance_uid!, seriesInstanceUID: deflated.series_instance_uid!, sopInstanceUID: deflated.sop_instance_uid! };
    const [instance] = await described(dicomweb.retrieveInstanceMetadata(uids));
    assert.deepEqual(instance!['00081196'], { vr: 'US', Value: [45344] });
    const [series] = await described(dicomweb.retrieveSeriesMetadata(uids));
    assert.deepEqual(series!['00081196'], { vr: 'US', Value: [45344] });
    const seg = file(SEG);
    const [unwarned] = await described(
      dicomweb.retrieveInstanceMetadata({ studyInstanceUID: seg.study_instance_uid!, seriesInstanceUID: seg.series_instance_uid!, sopInstanceUID: seg.sop_instance_uid! }),
    );
    assert.equal(unwarned!['00081196'], undefined);
  });

  it('STOW-RS: the code in the response is the one stored, and QIDO finds the instance by it', async () => {
    const stowStore = await activeDatastore(server.client(), 'warnings-stow');
    const deflated = file(DEFLATED);
    const bytes = await readFile(join(CORPUS_DIR, DEFLATED));
    const stored = await dicomwebFetch(server.port, `/datastore/${stowStore}/studies`, { method: 'POST', body: bytes, contentType: 'application/dicom', accept: 'application/dicom+json' });
    assert.equal(stored.status, 202, 'stored with a warning');
    const body = (await stored.json()) as Record<string, { Value: DicomJson[] }>;
    assert.deepEqual(body['00081199']!.Value[0]!['00081196'], { vr: 'US', Value: [45344] });
    const path = `/datastore/${stowStore}/studies/${deflated.study_instance_uid}/series/${deflated.series_instance_uid}/instances?WarningReason=45344`;
    const found = await eventually(async () => {
      const rows = (await (await dicomwebFetch(server.port, path)).json()) as DicomJson[];
      return rows.length > 0 ? rows : undefined;
    }, 15_000, 100);
    assert.deepEqual(found.map(sop), [deflated.sop_instance_uid]);
    assert.deepEqual(found[0]!['00081196'], { vr: 'US', Value: [45344] });
  });
});
