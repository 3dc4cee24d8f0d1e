// The same import job against a real S3-wire server (s3rver) instead of local bucket folders.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateDatastoreCommand, GetDatastoreCommand, GetImageSetCommand, StartDICOMImportJobCommand } from '@aws-sdk/client-medical-imaging';
import S3rver from 's3rver';
import { CORPUS_DIR, corpusFiles } from '../support/corpus.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';
import { waitForJob } from '../support/jobs.js';

describe('DICOM import jobs from a real S3-wire server', () => {
  let s3server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let s3dir: string;
  let s3: S3Client;
  let server: RunningServer;
  before(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 'tessera-s3rver-'));
    s3server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir });
    const { port } = await s3server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    server = await startServer({
      env: { TESSERA_S3_ENDPOINT: endpoint, TESSERA_S3_ACCESS_KEY_ID: 'S3RVER', TESSERA_S3_SECRET_ACCESS_KEY: 'S3RVER' },
    });
  });
  after(async () => {
    await server.dispose();
    await s3server.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  it('reads DICOM from S3 and writes the reports to S3', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'in-bucket' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'out-bucket' }));
    const series = (await corpusFiles()).filter((f) => f.category === 'studies').slice(0, 6);
    for (const file of series) {
      await s3.send(new PutObjectCommand({ Bucket: 'in-bucket', Key: `in/${file.path}`, Body: await readFile(join(CORPUS_DIR, file.path)) }));
    }
    await s3.send(new PutObjectCommand({ Bucket: 'in-bucket', Key: 'in/readme.txt', Body: 'not dicom' }));
    const client = server.client();
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 's3' }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({
        datastoreId,
        dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ImportRole`,
        inputS3Uri: 's3://in-bucket/in/',
        outputS3Uri: 's3://out-bucket/results/',
      }),
    );
    const job = await waitForJob(client, datastoreId!, jobId!);
    assert.equal(job.jobStatus, 'COMPLETED', job.message);
    const prefix = job.outputS3Uri!.slice('s3://out-bucket/'.length);
    const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'out-bucket', Key: `${prefix}${key}` }))).Body!.transformToString();
    const manifest = JSON.parse(await text('job-output-manifest.json')).jobSummary;
    assert.equal(manifest.numberOfScannedFiles, series.length + 1);
    assert.equal(manifest.numberOfImportedFiles, series.length);
    assert.equal(manifest.numberOfFilesWithCustomerError, 1);
    const failure = JSON.parse((await text('FAILURE/failure.ndjson')).trim());
    assert.equal(failure.inputFile, 'in/readme.txt');
    const success = (await text('SUCCESS/success.ndjson')).trim().split('\n').map((l) => JSON.parse(l));
    const image = await client.send(new GetImageSetCommand({ datastoreId, imageSetId: success[0].importResponse.imageSetId }));
    assert.equal(image.imageSetState, 'ACTIVE');
  });
});
