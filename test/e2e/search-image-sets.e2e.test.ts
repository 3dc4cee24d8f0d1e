// SearchImageSets through the AWS SDK over imported corpus studies: filters, sorting, paging, DICOMTags, validation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  ValidationException,
  paginateSearchImageSets,
  type ImageSetsMetadataSummary,
  type MedicalImagingClient,
  type SearchCriteria,
} from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, corpusFiles, type CorpusFile } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';

describe('SearchImageSets', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  let files: CorpusFile[];
  let all: ImageSetsMetadataSummary[];
  let importStartedAt: Date;
  let importEndedAt: Date;

  const search = async (searchCriteria?: SearchCriteria, maxResults?: number) => {
    const out: ImageSetsMetadataSummary[] = [];
    for await (const page of paginateSearchImageSets({ client, pageSize: maxResults ?? 50 }, { datastoreId, searchCriteria })) out.push(...page.imageSetsMetadataSummaries!);
    return out;
  };

  before(async () => {
    server = await startServer();
    client = server.client();
    const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'search' }));
    datastoreId = created.datastoreId!;
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    files = (await corpusFiles()).filter((f) => f.category === 'studies' || f.category === 'patient-name-conflict');
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'search', files);
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
    importStartedAt = new Date(Date.now() - 1000);
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: 's3://in-bucket/search/', outputS3Uri: 's3://out-bucket/s/' }),
    );
    const job = await waitForJob(client, datastoreId, jobId!);
    assert.equal(job.jobStatus, 'COMPLETED');
    importEndedAt = new Date(Date.now() + 1000);
    all = await search();
  });
  after(async () => server.dispose());

  it('without criteria returns every image set, newest update first, and echoes the sort', async () => {
    const series = new Set(files.map((f) => f.series_instance_uid));
    assert.equal(all.length, series.size + 1, 'one image set per series, plus the non-primary one of the name conflict');
    const first = await client.send(new SearchImageSetsCommand({ datastoreId }));
    assert.deepEqual(first.sort, { sortField: 'updatedAt', sortOrder: 'DESC' });
    const times = all.map((s) => s.updatedAt!.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.equal(new Set(all.map((s) => s.imageSetId)).size, all.length);
    const summary = all[0]!;
    assert.equal(summary.version, 1);
    assert.equal(summary.storageTier, 'FREQUENT_ACCESS');
    assert.ok(summary.DICOMTags!.DICOMStudyInstanceUID);
  });

  it('EQUAL on DICOMPatientId finds exactly that patient, with study counters over primary image sets', async () => {
    const patientId = files.find((f) => f.category === 'studies')!.patient_id!;
    const found = await search({ filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: patientId }] }] });
    const expectedSeries = new Set(files.filter((f) => f.patient_id === patientId).map((f) => f.series_instance_uid));
    assert.equal(found.length, expectedSeries.size);
    for (const s of found) {
      assert.equal(s.DICOMTags!.DICOMPatientId, patientId);
      const study = s.DICOMTags!.DICOMStudyInstanceUID!;
      const studyFiles = files.filter((f) => f.study_instance_uid === study);
      assert.equal(s.DICOMTags!.DICOMNumberOfStudyRelatedSeries, new Set(studyFiles.map((f) => f.series_instance_uid)).size, study);
      assert.equal(s.DICOMTags!.DICOMNumberOfStudyRelatedInstances, studyFiles.length, study);
    }
  });

  it('EQUAL on study and series UIDs, isPrimary, and BETWEEN on createdAt', async () => {
    const file = files.find((f) => f.category === 'studies')!;
    const byStudy = await search({ filters: [{ operator: 'EQUAL', values: [{ DICOMStudyInstanceUID: file.study_instance_uid! }] }] });
    assert.ok(byStudy.length >= 1 && byStudy.every((s) => s.DICOMTags!.DICOMStudyInstanceUID === file.study_instance_uid));
    const bySeries = await search({ filters: [{ operator: 'EQUAL', values: [{ DICOMSeriesInstanceUID: file.series_instance_uid! }] }] });
    assert.equal(bySeries.length, 1);
    const nonPrimary = await search({ filters: [{ operator: 'EQUAL', values: [{ isPrimary: false }] }] });
    assert.equal(nonPrimary.length, 1);
    assert.equal(nonPrimary[0]!.isPrimary, false);
    const inWindow = await search({ filters: [{ operator: 'BETWEEN', values: [{ createdAt: importStartedAt }, { createdAt: importEndedAt }] }] });
    assert.equal(inWindow.length, all.length);
    const before = await search({ filters: [{ operator: 'BETWEEN', values: [{ createdAt: new Date(0) }, { createdAt: importStartedAt }] }] });
    assert.equal(before.length, 0);
  });

  it('BETWEEN on updatedAt + EQUAL on DICOMSeriesInstanceUID sorted ASC (the SDK example shape)', async () => {
    const file = files.find((f) => f.category === 'studies')!;
    const response = await client.send(
      new SearchImageSetsCommand({
        datastoreId,
        searchCriteria: {
          filters: [
            { values: [{ updatedAt: importStartedAt }, { updatedAt: importEndedAt }], operator: 'BETWEEN' },
            { values: [{ DICOMSeriesInstanceUID: file.series_instance_uid! }], operator: 'EQUAL' },
          ],
          sort: { sortField: 'updatedAt', sortOrder: 'ASC' },
        },
      }),
    );
    assert.equal(response.imageSetsMetadataSummaries!.length, 1);
    assert.deepEqual(response.sort, { sortField: 'updatedAt', sortOrder: 'ASC' });
  });

  it('BETWEEN on DICOMStudyDateAndTime finds the study of that date and sorts by study date', async () => {
    const withDate = all.find((s) => s.DICOMTags!.DICOMStudyDate)!;
    const date = withDate.DICOMTags!.DICOMStudyDate!;
    const found = await search({
      filters: [{ operator: 'BETWEEN', values: [{ DICOMStudyDateAndTime: { DICOMStudyDate: date } }, { DICOMStudyDateAndTime: { DICOMStudyDate: date } }] }],
      sort: { sortField: 'DICOMStudyDateAndTime', sortOrder: 'ASC' },
    });
    assert.ok(found.some((s) => s.imageSetId === withDate.imageSetId));
    assert.ok(found.every((s) => s.DICOMTags!.DICOMStudyDate === date));
    const sorted = await search({ sort: { sortField: 'DICOMStudyDateAndTime', sortOrder: 'ASC' } });
    const keys = sorted.map((s) => `${s.DICOMTags!.DICOMStudyDate ?? '~'}${s.DICOMTags!.DICOMStudyTime ?? ''}`);
    assert.equal(sorted.length, all.length);
    for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1]!.slice(0, 8) <= keys[i]!.slice(0, 8), `${keys[i - 1]} <= ${keys[i]}`);
  });

  it('pages of 2 reach every match exactly once; a token only fits its own criteria', async () => {
    const paged = await search(undefined, 2);
    assert.deepEqual(paged.map((s) => s.imageSetId), all.map((s) => s.imageSetId));
    const first = await client.send(new SearchImageSetsCommand({ datastoreId, maxResults: 1 }));
    assert.ok(first.nextToken);
    await assert.rejects(
      client.send(new SearchImageSetsCommand({ datastoreId, maxResults: 1, nextToken: first.nextToken, searchCriteria: { filters: [{ operator: 'EQUAL', values: [{ isPrimary: true }] }] } })),
      ValidationException,
    );
  });

  for (const [label, searchCriteria] of [
    ['EQUAL on createdAt', { filters: [{ operator: 'EQUAL', values: [{ createdAt: new Date() }] }] }],
    ['BETWEEN on DICOMPatientId', { filters: [{ operator: 'BETWEEN', values: [{ DICOMPatientId: 'a' }, { DICOMPatientId: 'b' }] }] }],
    ['BETWEEN with one value', { filters: [{ operator: 'BETWEEN', values: [{ createdAt: new Date() }] }] }],
    ['EQUAL with two values', { filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: 'a' }, { DICOMPatientId: 'b' }] }] }],
    ['two BETWEEN filters', { filters: [{ operator: 'BETWEEN', values: [{ createdAt: new Date(0) }, { createdAt: new Date() }] }, { operator: 'BETWEEN', values: [{ updatedAt: new Date(0) }, { updatedAt: new Date() }] }] }],
    ['two identifiers', { filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: 'a' }] }, { operator: 'EQUAL', values: [{ DICOMStudyId: 'b' }] }] }],
    ['three filters', { filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: 'a' }] }, { operator: 'EQUAL', values: [{ isPrimary: true }] }, { operator: 'EQUAL', values: [{ DICOMStudyId: 'b' }] }] }],
    ['sort by study date with a BETWEEN on updatedAt', { filters: [{ operator: 'BETWEEN', values: [{ updatedAt: new Date(0) }, { updatedAt: new Date() }] }], sort: { sortField: 'DICOMStudyDateAndTime', sortOrder: 'ASC' } }],
    ['a bad study date', { filters: [{ operator: 'BETWEEN', values: [{ DICOMStudyDateAndTime: { DICOMStudyDate: '2020-01-01' } }, { DICOMStudyDateAndTime: { DICOMStudyDate: '20200102' } }] }] }],
    ['a reversed range', { filters: [{ operator: 'BETWEEN', values: [{ createdAt: new Date() }, { createdAt: new Date(0) }] }] }],
    ['a UID with letters', { filters: [{ operator: 'EQUAL', values: [{ DICOMStudyInstanceUID: '1.2.abc' }] }] }],
  ] as [string, SearchCriteria][]) {
    it(`${label} is a ValidationException`, async () => {
      await assert.rejects(client.send(new SearchImageSetsCommand({ datastoreId, searchCriteria })), ValidationException);
    });
  }
});
