// `tessera dicomweb reindex` end to end: QIDO rows damaged directly in the SQLite index (rows deleted, values changed,
// rows of image sets that do not exist) are rebuilt from the image sets' metadata documents by the CLI, run as a child
// process while the server runs; QIDO-RS then answers exactly as before the damage.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DeleteImageSetCommand } from '@aws-sdk/client-medical-imaging';
import { corpusFiles, type CorpusFile } from '../support/corpus.js';
import { dicomwebFetch, imageSetOfFile, importCorpus } from '../support/dicomweb.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';
import { tessera } from '../support/tessera-cli.js';

const DEFLATED = 'edge/liver_deflated_image_frame.dcm'; // stored with WarningReason 45344
const GHOST_IMAGE_SET = '0'.repeat(31) + '1';
const GHOST_STUDY = '1.2.3.4.999';
const ORPHAN_STUDY = '1.2.3.4.888';

interface Rebuilt {
  readonly datastores: number;
  readonly rebuiltImageSets: number;
  readonly removedImageSets: number;
  readonly droppedStudies: number;
}

describe('tessera dicomweb reindex', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let main: string;
  let other: string;
  let mainFiles: CorpusFile[];
  let index: Database.Database;

  const json = async (path: string): Promise<unknown[]> => {
    const response = await dicomwebFetch(server.port, path);
    assert.equal(response.status, 200, `${path}: ${response.status}`);
    return (await response.json()) as unknown[];
  };
  /** Everything QIDO-RS says about a data store, at every level and with every stored attribute. */
  const qido = async (datastoreId: string): Promise<string> => {
    const levels = await Promise.all(['studies', 'series', 'instances'].map((level) => json(`/datastore/${datastoreId}/${level}?includefield=all`)));
    return JSON.stringify(levels);
  };
  const warned = async () => {
    const f = mainFiles.find((x) => x.path === DEFLATED)!;
    return json(`/datastore/${main}/studies/${f.study_instance_uid}/series/${f.series_instance_uid}/instances?WarningReason=45344`);
  };
  const reindex = async (...args: string[]): Promise<Rebuilt> => {
    const result = await tessera(server.dataDir, 'dicomweb', 'reindex', ...args);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Rebuilt;
  };
  const primaryImageSets = (datastoreId: string, files: readonly CorpusFile[]) => new Set(files.map((f) => imageSetOfFile(datastoreId, f.path)).filter((p) => p.isPrimary).map((p) => p.imageSetId)).size;

  let healthyMain: string;
  let healthyOther: string;
  let otherFiles: CorpusFile[];

  before(async () => {
    server = await startServer();
    const all = await corpusFiles();
    mainFiles = all.filter((f) => f.path.startsWith('studies/pcir/98892001/') || f.path === DEFLATED);
    otherFiles = all.filter((f) => f.path.startsWith('studies/pcir/98892003/'));
    main = await importCorpus(server, server.client(), 'reindex-main', mainFiles);
    other = await importCorpus(server, server.client(), 'reindex-other', otherFiles);
    // The QIDO index follows the outbox: wait until both data stores are fully indexed.
    for (const [datastoreId, files] of [[main, mainFiles], [other, otherFiles]] as const) {
      await eventually(async () => ((await json(`/datastore/${datastoreId}/instances`)).length === files.length ? true : undefined), 30_000, 100);
    }
    healthyMain = await qido(main);
    healthyOther = await qido(other);
    index = new Database(join(server.dataDir, 'index.sqlite'));
    index.pragma('busy_timeout = 5000');
  });
  after(async () => {
    index?.close();
    await server?.dispose();
  });

  /** Damage of every kind the rebuild must undo, written beside the running server. */
  const damage = (datastoreId: string) => {
    const [first, second] = index
      .prepare<[string], { image_set_id: string }>('SELECT image_set_id FROM dicomweb_series WHERE datastore_id = ? ORDER BY image_set_id')
      .all(datastoreId);
    index.transaction(() => {
      // A series row lost (its instances left behind), another image set's instance rows lost, stale values.
      index.prepare('DELETE FROM dicomweb_series WHERE datastore_id = ? AND image_set_id = ?').run(datastoreId, first!.image_set_id);
      index.prepare('DELETE FROM dicomweb_instances WHERE datastore_id = ? AND image_set_id = ?').run(datastoreId, second!.image_set_id);
      index.prepare('UPDATE dicomweb_studies SET instance_count = 999 WHERE datastore_id = ?').run(datastoreId);
      index.prepare('UPDATE dicomweb_instances SET warning_reason = NULL, instance_json = ? WHERE datastore_id = ?').run('{}', datastoreId);
      // Rows of an image set that does not exist, and a study row without any series.
      index
        .prepare(
          `INSERT INTO dicomweb_series (datastore_id, image_set_id, study_instance_uid, series_instance_uid, instance_count, study_json, series_json, updated_at_ms)
           VALUES (?, ?, ?, ?, 1, ?, '{}', 1)`,
        )
        .run(datastoreId, GHOST_IMAGE_SET, GHOST_STUDY, `${GHOST_STUDY}.1`, JSON.stringify({ '0020000D': { vr: 'UI', Value: [GHOST_STUDY] } }));
      index
        .prepare(`INSERT INTO dicomweb_instances (datastore_id, image_set_id, sop_instance_uid, instance_json, updated_at_ms) VALUES (?, ?, ?, '{}', 1)`)
        .run(datastoreId, GHOST_IMAGE_SET, `${GHOST_STUDY}.1.1`);
      for (const study of [GHOST_STUDY, ORPHAN_STUDY]) {
        index
          .prepare(`INSERT INTO dicomweb_studies (datastore_id, study_instance_uid, modalities, series_count, instance_count, study_json, updated_at_ms) VALUES (?, ?, '', 1, 1, ?, 1)`)
          .run(datastoreId, study, JSON.stringify({ '0020000D': { vr: 'UI', Value: [study] } }));
      }
    })();
  };

  it('--datastore rebuilds that data store only, while the server runs', async () => {
    damage(main);
    damage(other);
    assert.notEqual(await qido(main), healthyMain, 'the damage shows in QIDO answers');
    assert.deepEqual(await warned(), [], 'the damaged index no longer finds the warned instance');
    const studies = (await json(`/datastore/${main}/studies`)).map((s) => (s as Record<string, { Value: string[] }>)['0020000D']!.Value[0]);
    assert.ok(studies.includes(GHOST_STUDY) && studies.includes(ORPHAN_STUDY));

    const result = await reindex('--datastore', main);
    assert.deepEqual(result, { datastores: 1, rebuiltImageSets: primaryImageSets(main, mainFiles), removedImageSets: 1, droppedStudies: 1 });
    assert.equal(await qido(main), healthyMain, 'QIDO answers as before the damage');
    const found = (await warned()) as Record<string, unknown>[];
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]!['00081196'], { vr: 'US', Value: [45344] });
    assert.notEqual(await qido(other), healthyOther, 'the other data store was left as it was');
  });

  it('without --datastore rebuilds every data store, and rows of a data store that has none left are removed', async () => {
    // Rows under a data store id that does not exist at all.
    const gone = 'f'.repeat(32);
    index
      .prepare(`INSERT INTO dicomweb_series (datastore_id, image_set_id, study_instance_uid, series_instance_uid, instance_count, study_json, series_json, updated_at_ms) VALUES (?, ?, ?, ?, 0, '{}', '{}', 1)`)
      .run(gone, GHOST_IMAGE_SET, GHOST_STUDY, `${GHOST_STUDY}.1`);
    index
      .prepare(`INSERT INTO dicomweb_studies (datastore_id, study_instance_uid, modalities, series_count, instance_count, study_json, updated_at_ms) VALUES (?, ?, '', 1, 0, '{}', 1)`)
      .run(gone, GHOST_STUDY);
    const result = await reindex();
    assert.equal(result.rebuiltImageSets, primaryImageSets(main, mainFiles) + primaryImageSets(other, otherFiles));
    assert.equal(result.removedImageSets, 2, 'the ghost image set of the other data store and the one of the unknown data store');
    assert.equal(result.droppedStudies, 1, "the other data store's study row without series");
    assert.equal(await qido(other), healthyOther);
    assert.equal(await qido(main), healthyMain);
    const left = index.prepare<[string, string], { n: number }>('SELECT (SELECT count(*) FROM dicomweb_series WHERE datastore_id = ?) + (SELECT count(*) FROM dicomweb_studies WHERE datastore_id = ?) AS n');
    assert.equal(left.get(gone, gone)!.n, 0);
    // A healthy index is left as it is.
    const again = await reindex();
    assert.equal(again.removedImageSets + again.droppedStudies, 0);
    assert.equal(await qido(main), healthyMain);
  });

  it("after a rebuild the server's sink still follows changes: a deleted image set leaves its study", async () => {
    const ct5n = mainFiles.find((f) => f.path.startsWith('studies/pcir/98892001/CT5N/'))!;
    const placed = imageSetOfFile(main, ct5n.path);
    assert.ok(placed.isPrimary);
    const seriesOf = async () =>
      ((await json(`/datastore/${main}/studies/${ct5n.study_instance_uid}/series`)) as Record<string, { Value: string[] }>[]).map((s) => s['0020000E']!.Value[0]);
    assert.ok((await seriesOf()).includes(ct5n.series_instance_uid!));
    await server.client().send(new DeleteImageSetCommand({ datastoreId: main, imageSetId: placed.imageSetId }));
    await eventually(async () => (!(await seriesOf()).includes(ct5n.series_instance_uid!) ? true : undefined), 15_000, 100);
    const [study] = (await json(`/datastore/${main}/studies?StudyInstanceUID=${ct5n.study_instance_uid}`)) as Record<string, { Value: number[] }>[];
    const left = mainFiles.filter((f) => f.study_instance_uid === ct5n.study_instance_uid && !f.path.startsWith('studies/pcir/98892001/CT5N/'));
    assert.equal(study!['00201208']!.Value[0], left.length, 'the study row counts only what is left');
    const again = await reindex('--datastore', main);
    assert.equal(again.removedImageSets + again.droppedStudies, 0, 'the sink left nothing for a rebuild to fix');
  });

  it('refuses an unknown data store, an unknown action and a missing data folder', async () => {
    const unknown = await tessera(server.dataDir, 'dicomweb', 'reindex', '--datastore', 'a'.repeat(32));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Datastore a{32} does not exist/);
    const action = await tessera(server.dataDir, 'dicomweb', 'rebuild');
    assert.equal(action.code, 2);
    assert.match(action.stderr, /tessera dicomweb reindex/);
    const folder = await tessera(join(server.dataDir, 'no-such-folder'), 'dicomweb', 'reindex');
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /no Tessera index/);
  });
});
