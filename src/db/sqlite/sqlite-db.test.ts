import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from '../../api/index.js';
import { runCredentialStoreContract } from '../../auth/credential-store.contract.js';
import { runDatastoreRepositoryContract } from '../../datastores/datastore-repository.contract.js';
import { runTagRepositoryContract } from '../../tagging/tag-repository.contract.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteDb } from './sqlite-db.js';

async function tempDb() {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-sqlite-'));
  const path = join(dir, 'index.sqlite');
  const db = SqliteDb.open(path);
  return {
    db,
    path,
    cleanup: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

runDatastoreRepositoryContract('SqliteDb', async () => {
  const { db, path, cleanup } = await tempDb();
  // A second, independent connection stands in for the import pipeline that will write image sets.
  const side = new Database(path);
  return {
    repository: db.datastores,
    outbox: db.outbox,
    addImageSet: async (datastoreId) => {
      side
        .prepare(
          `INSERT INTO image_sets (datastore_id, id, state, workflow_status, latest_version, is_primary, study_instance_uid, series_instance_uid,
             levels_json, dicom_tags_json, created_at_ms, updated_at_ms) VALUES (?, ?, 'ACTIVE', 'IMPORTED', 1, 1, '1.2', ?, '{}', '{}', 1, 1)`,
        )
        .run(datastoreId, newId(), newId());
    },
    listTags: (key) => db.tags.listTags(key),
    cleanup: async () => {
      side.close();
      await cleanup();
    },
  };
});

runTagRepositoryContract('SqliteDb', async () => {
  const { db, cleanup } = await tempDb();
  return { repository: db.tags, cleanup };
});

runCredentialStoreContract('SqliteDb', async () => {
  const { db, cleanup } = await tempDb();
  return { store: db.credentials, cleanup };
});

test('migrations run once, survive reopening, and a newer schema is refused', async () => {
  const { db, path, cleanup } = await tempDb();
  db.close();
  SqliteDb.open(path).close();
  const raw = new Database(path);
  assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => SqliteDb.open(path), /newer Tessera/);
  await cleanup();
});

test('queries on data stores and tags use indexes, not scans', async () => {
  const { path, cleanup } = await tempDb();
  const raw = new Database(path);
  const plan = (sql: string) => raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((row) => (row as { detail: string }).detail).join(' | ');
  assert.match(plan("SELECT * FROM datastores WHERE status = 'ACTIVE' AND (created_at_ms, id) > (1, 'a') ORDER BY created_at_ms, id LIMIT 5"), /USING INDEX datastores_by_status/);
  assert.match(plan("SELECT * FROM datastores WHERE (created_at_ms, id) > (1, 'a') ORDER BY created_at_ms, id LIMIT 5"), /USING INDEX datastores_by_created/);
  assert.match(plan("SELECT tag_key FROM tags WHERE resource_key = 'x'"), /USING PRIMARY KEY/);
  assert.match(plan("DELETE FROM tags WHERE resource_key > 'x/' AND resource_key < 'x0'"), /USING PRIMARY KEY/);
  raw.close();
  await cleanup();
});

test('every SearchImageSets shape is served by an index (no scan of all image sets)', async () => {
  const { db, cleanup } = await tempDb();
  const repository = db.imageSets as unknown as import('./sqlite-image-set-repository.js').SqliteImageSetRepository;
  const base = { datastoreId: 'd'.repeat(32) as never, after: undefined, limit: 51 };
  const plans: [string, string][] = [
    [repository.explainSearch({ ...base, equals: [], range: undefined, sort: { field: 'updatedAt', order: 'DESC' } }), 'image_sets_search_updated'],
    [repository.explainSearch({ ...base, equals: [], range: { field: 'createdAt', low: 1, high: 2 }, sort: { field: 'createdAt', order: 'ASC' } }), 'image_sets_search_created'],
    [repository.explainSearch({ ...base, equals: [], range: { field: 'DICOMStudyDateAndTime', low: '1', high: '2' }, sort: { field: 'DICOMStudyDateAndTime', order: 'DESC' } }), 'image_sets_search_study_date'],
    [repository.explainSearch({ ...base, equals: [{ field: 'DICOMPatientId', value: 'p' }], range: undefined, sort: { field: 'updatedAt', order: 'DESC' } }), 'image_sets_search_patient'],
    [repository.explainSearch({ ...base, equals: [{ field: 'DICOMSeriesInstanceUID', value: '1.2' }], range: { field: 'updatedAt', low: 1, high: 2 }, sort: { field: 'updatedAt', order: 'ASC' } }), 'image_sets_search_series'],
    [repository.explainSearch({ ...base, equals: [{ field: 'isPrimary', value: false }], range: undefined, sort: { field: 'updatedAt', order: 'DESC' } }), 'image_sets_search_primary'],
    [repository.explainSearch({ ...base, equals: [{ field: 'DICOMAccessionNumber', value: 'a' }], range: undefined, sort: { field: 'updatedAt', order: 'DESC' } }), 'image_sets_search_accession'],
    [repository.explainSearch({ ...base, equals: [{ field: 'DICOMStudyId', value: 's' }], range: undefined, sort: { field: 'updatedAt', order: 'DESC' } }), 'image_sets_search_study_id'],
    [repository.explainSearch({ ...base, equals: [{ field: 'DICOMStudyInstanceUID', value: '1.2' }, { field: 'isPrimary', value: true }], range: undefined, sort: { field: 'createdAt', order: 'ASC' } }), 'image_sets_by_study'],
    [repository.explainSearch({ ...base, equals: [{ field: 'isPrimary', value: true }], range: { field: 'DICOMStudyDateAndTime', low: '1', high: '2' }, sort: { field: 'DICOMStudyDateAndTime', order: 'ASC' } }), 'image_sets_search_study_date'],
  ];
  for (const [plan, index] of plans) {
    assert.match(plan, new RegExp(`USING INDEX ${index}`), plan);
    assert.doesNotMatch(plan, /SCAN image_sets(?! USING)/, plan);
  }
  await cleanup();
});
