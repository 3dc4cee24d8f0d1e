// The QIDO index on SQLite: study rows aggregate their primary series; study searches are served by indexes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDb } from './sqlite-db.js';
import type { SqliteDicomwebIndex } from './sqlite-dicomweb-index.js';
import type { QidoImageSetRows, QidoQuery } from '../../dicomweb/index.js';

function rows(study: string, series: string, modality: string, patientId: string, sops: string[]): QidoImageSetRows {
  return {
    series: {
      studyInstanceUID: study,
      seriesInstanceUID: series,
      modality,
      seriesNumber: Number(series.split('.').at(-1)),
      ppsStartDate: null,
      ppsStartTime: null,
      instanceCount: sops.length,
      study: { studyDate: '20240102', studyTime: null, accessionNumber: null, referringPhysicianName: null, studyDescription: null, patientName: 'Doe^Jane', patientId, patientBirthDate: null, patientBirthTime: null, studyId: null },
      studyJson: JSON.stringify({ '0020000D': { vr: 'UI', Value: [study] } }),
      seriesJson: JSON.stringify({ '0020000E': { vr: 'UI', Value: [series] } }),
    },
    instances: sops.map((sop, i) => ({ sopInstanceUID: sop, sopClassUID: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: i + 1, warningReason: null, instanceJson: '{}' })),
  };
}

const query = (over: Partial<QidoQuery>): QidoQuery => ({ level: 'study', datastoreId: 'ds', conditions: [], order: 'updated', limit: 1000, offset: 0, ...over });

describe('SqliteDicomwebIndex', () => {
  it('aggregates series into study rows and removes them with their last series', async () => {
    const db = SqliteDb.open(':memory:');
    const index = db.dicomweb;
    await index.replaceImageSetRows('ds', 'a', '1.1', rows('1.1', '1.1.1', 'CT', 'P1', ['1.1.1.1', '1.1.1.2']), 1000);
    await index.replaceImageSetRows('ds', 'b', '1.1', rows('1.1', '1.1.2', 'MR', 'P1', ['1.1.2.1']), 2000);
    const [study] = await index.searchQido(query({}));
    assert.equal(study!.studySeriesCount, 2);
    assert.equal(study!.studyInstanceCount, 3);
    assert.equal(study!.modalities, 'CT\\MR');
    const ct = await index.searchQido(query({ conditions: [{ key: 'ModalitiesInStudy', match: { kind: 'equals', value: 'CT', isCaseInsensitive: false } }] }));
    assert.equal(ct.length, 1);
    await index.replaceImageSetRows('ds', 'a', '1.1', undefined, 3000);
    await index.replaceImageSetRows('ds', 'b', '1.1', undefined, 3000);
    assert.equal((await index.searchQido(query({}))).length, 0);
    db.close();
  });

  it('an image set moving to another study recomputes both study rows in the same replacement', async () => {
    const db = SqliteDb.open(':memory:');
    const index = db.dicomweb;
    await index.replaceImageSetRows('ds', 'a', '1.1', rows('1.1', '1.1.1', 'CT', 'P1', ['1.1.1.1']), 1000);
    await index.replaceImageSetRows('ds', 'a', '2.2', rows('2.2', '1.1.1', 'CT', 'P1', ['1.1.1.1']), 2000);
    assert.deepEqual((await index.searchQido(query({}))).map((r) => JSON.parse(r.studyJson)['0020000D'].Value[0]), ['2.2']);
    await index.replaceImageSetRows('ds', 'a', undefined, undefined, 3000);
    assert.equal((await index.searchQido(query({}))).length, 0, 'a removed image set takes its study row with it');
    db.close();
  });

  it('lists the image sets with rows page by page (also instance rows without their series), and drops studies without series', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-qido-index-'));
    const db = SqliteDb.open(join(dir, 'index.sqlite'));
    const index = db.dicomweb;
    await index.replaceImageSetRows('ds', 'a', '1.1', rows('1.1', '1.1.1', 'CT', 'P1', ['1.1.1.1']), 1000);
    await index.replaceImageSetRows('ds', 'b', '1.2', rows('1.2', '1.2.1', 'CT', 'P1', ['1.2.1.1']), 1000);
    await index.replaceImageSetRows('other', 'c', '1.3', rows('1.3', '1.3.1', 'CT', 'P2', ['1.3.1.1']), 1000);
    const raw = new Database(join(dir, 'index.sqlite'));
    raw.exec("DELETE FROM dicomweb_series WHERE image_set_id = 'b'"); // its instance rows and its study row stay behind
    raw.close();
    const firstPage = await index.listIndexedImageSets(undefined, undefined, 2);
    assert.deepEqual(firstPage, [{ datastoreId: 'ds', imageSetId: 'a' }, { datastoreId: 'ds', imageSetId: 'b' }]);
    assert.deepEqual(await index.listIndexedImageSets(undefined, firstPage[1], 2), [{ datastoreId: 'other', imageSetId: 'c' }]);
    assert.deepEqual(await index.listIndexedImageSets('other', undefined, 10), [{ datastoreId: 'other', imageSetId: 'c' }]);
    assert.equal(await index.dropStudiesWithoutSeries('other'), 0);
    assert.equal(await index.dropStudiesWithoutSeries(undefined), 1, "b's study");
    assert.equal((await index.searchQido(query({}))).length, 1);
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves study searches from indexes (no scan of the studies table)', () => {
    const db = SqliteDb.open(':memory:');
    const index = db.dicomweb as SqliteDicomwebIndex;
    const plain = index.explainQido(query({}));
    assert.match(plain, /USING INDEX dicomweb_studies_by_update/);
    const byPatient = index.explainQido(query({ conditions: [{ key: 'PatientID', match: { kind: 'equals', value: 'P1', isCaseInsensitive: false } }] }));
    assert.match(byPatient, /SEARCH st USING INDEX dicomweb_studies_by_patient_id \(datastore_id=\? AND patient_id=\?\)/);
    const byDate = index.explainQido(query({ conditions: [{ key: 'StudyDate', match: { kind: 'range', low: '20240101', high: '20240131' } }] }));
    assert.match(byDate, /SEARCH st USING INDEX dicomweb_studies_by_date \(datastore_id=\? AND study_date>\? AND study_date<\?\)/);
    assert.doesNotMatch(plain, /SCAN/);
    const seriesOfStudy = index.explainQido(query({ level: 'series', studyInstanceUID: '1.2', order: 'series-number' }));
    assert.match(seriesOfStudy, /SEARCH s USING INDEX dicomweb_series_by_study/);
    const instancesOfSeries = index.explainQido(query({ level: 'instance', studyInstanceUID: '1.2', seriesInstanceUID: '1.2.3', order: 'instance-number' }));
    assert.match(instancesOfSeries, /SEARCH s USING INDEX dicomweb_series_by_uid .* SEARCH i USING PRIMARY KEY \(datastore_id=\? AND image_set_id=\?\)/);
    const bySop = index.explainQido(query({ level: 'instance', order: 'instance-number', conditions: [{ key: 'SOPInstanceUID', match: { kind: 'equals', value: '1.2', isCaseInsensitive: false } }] }));
    assert.match(bySop, /SEARCH i USING INDEX dicomweb_instances_by_sop/);
    const seriesOfPatient = index.explainQido(query({ level: 'series', order: 'series-number', conditions: [{ key: 'PatientID', match: { kind: 'equals', value: 'P1', isCaseInsensitive: false } }] }));
    assert.match(seriesOfPatient, /SEARCH st USING INDEX dicomweb_studies_by_patient_id .* SEARCH s USING INDEX dicomweb_series_by_study/);
    for (const plan of [seriesOfStudy, instancesOfSeries, bySop, seriesOfPatient]) assert.doesNotMatch(plan, /SCAN/);
    db.close();
  });
});
