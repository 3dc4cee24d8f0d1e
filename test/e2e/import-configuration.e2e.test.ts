// importConfiguration (model 2026-05, botocore-only clients): DICOM JSON files override metadata of a study/series.
// The JS SDK 3.958 cannot send the member, so the requests are signed by hand with the AWS signer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateDatastoreCommand, GetDatastoreCommand, GetImageSetMetadataCommand, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';

describe('importConfiguration: DICOM JSON metadata overrides', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  before(async () => {
    server = await startServer();
    client = server.client();
    datastoreId = (await client.send(new CreateDatastoreCommand({ datastoreName: 'overrides' }))).datastoreId!;
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
  });
  after(async () => server.dispose());

  const start = (body: object) =>
    signedFetch(server.port, {
      method: 'POST',
      path: `/startDICOMImportJob/datastore/${datastoreId}`,
      body: JSON.stringify({ clientToken: `t${Math.random().toString(36).slice(2)}`, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, outputS3Uri: 's3://out-bucket/o/', ...body }),
    });

  it('a study-level override of PatientName resolves the conflict: one primary image set with the new name', async () => {
    const pair = (await corpusFiles()).filter((f) => f.category === 'patient-name-conflict');
    const inputDir = join(server.dataDir, 'buckets', 'in-bucket');
    await copyIntoBucket(inputDir, 'ov', pair);
    await writeFile(join(inputDir, 'ov', 'patient.json'), JSON.stringify({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Fixed^Name' }] }, '0020000D': { vr: 'UI', Value: ['9.9.9'] } }));
    const response = await start({
      inputS3Uri: 's3://in-bucket/ov/',
      importConfiguration: { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: [{ studyInstanceUID: pair[0]!.study_instance_uid, metadataFilePath: 'patient.json' }] } },
    });
    assert.equal(response.status, 200, response.text);
    const { jobId } = response.json() as { jobId: string };
    const job = await waitForJob(client, datastoreId, jobId);
    assert.equal(job.jobStatus, 'COMPLETED', job.message);
    const progress = await signedFetch(server.port, { method: 'GET', path: '/importProgress', query: { datastoreId, jobId } });
    assert.equal(progress.status, 200, progress.text);
    assert.deepEqual(progress.json(), { datastoreId, jobId, jobStatus: 'COMPLETED', filesScanned: 2, filesImported: 2, filesFailed: 0 });
    const unknown = await signedFetch(server.port, { method: 'GET', path: '/importProgress', query: { datastoreId, jobId: 'abc' } });
    assert.equal(unknown.status, 404);
    const raw = await signedFetch(server.port, { method: 'GET', path: `/getDICOMImportJob/datastore/${datastoreId}/job/${jobId}` });
    assert.equal((raw.json() as any).jobProperties.importConfiguration.dicomJsonMetadataImportConfiguration.dicomMetadataMappings[0].metadataFilePath, 'patient.json');
    const manifest = JSON.parse(await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'job-output-manifest.json'), 'utf8')).jobSummary;
    assert.equal(manifest.numberOfScannedFiles, 2, 'the mapping file is configuration, not input');
    assert.deepEqual(manifest.imageSetsSummary.map((s: any) => [s.isPrimary, s.numberOfMatchedSOPInstances]), [[true, 2]]);
    const metadata = JSON.parse(
      gunzipSync(await (await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId: manifest.imageSetsSummary[0].imageSetId }))).imageSetMetadataBlob!.transformToByteArray()).toString(),
    );
    assert.equal(metadata.Patient.DICOM.PatientName, 'Fixed^Name');
    assert.equal(metadata.Study.DICOM.StudyInstanceUID, pair[0]!.study_instance_uid, 'identifying UIDs are never overridden');
  });

  it('invalid configurations are ValidationException; an unreadable mapping file fails the job', async () => {
    for (const importConfiguration of [
      {},
      { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: [] } },
      { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: [{ studyInstanceUID: '1.2.x', metadataFilePath: 'a.json' }] } },
      { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: [{ studyInstanceUID: '1.2' }] } },
      { other: {} },
    ]) {
      const response = await start({ inputS3Uri: 's3://in-bucket/ov/', importConfiguration });
      assert.equal(response.status, 400, JSON.stringify(importConfiguration));
      assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    }
    const response = await start({
      inputS3Uri: 's3://in-bucket/ov/',
      importConfiguration: { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: [{ studyInstanceUID: '1.2', metadataFilePath: 'missing.json' }] } },
    });
    const job = await waitForJob(client, datastoreId, (response.json() as { jobId: string }).jobId);
    assert.equal(job.jobStatus, 'FAILED');
    assert.match(job.message!, /missing\.json/);
  });
});
