// Throttling: a burst above the configured rate gets 429 ThrottlingException; the SDK's own retries get through.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  GetImageFrameCommand,
  GetImageSetMetadataCommand,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';

describe('throttling', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let frame: { datastoreId: string; imageSetId: string; imageFrameInformation: { imageFrameId: string } };

  before(async () => {
    server = await startServer({ env: { TESSERA_THROTTLING: 'on', TESSERA_THROTTLE_LIMITS: 'GetImageFrame=10/10,CreateDatastore=10/10,GetDatastore=1000/1000' } });
    client = server.client();
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'throttled' }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const file = (await corpusFiles()).find((f) => f.path === 'studies/pcir/77654033/CR2/6247.dcm')!;
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'one', [file]);
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: 's3://in-bucket/one/', outputS3Uri: 's3://out-bucket/one/' }),
    );
    assert.equal((await waitForJob(client, datastoreId!, jobId!)).jobStatus, 'COMPLETED');
    const imageSetId = (await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries![0]!.imageSetId!;
    const metadata = await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }));
    const document = JSON.parse(gunzipSync(await metadata.imageSetMetadataBlob!.transformToByteArray()).toString('utf8'));
    const series = Object.values(document.Study.Series as Record<string, { Instances: Record<string, { ImageFrames: { ID: string }[] }> }>)[0]!;
    frame = { datastoreId: datastoreId!, imageSetId, imageFrameInformation: { imageFrameId: Object.values(series.Instances)[0]!.ImageFrames[0]!.ID } };
  });
  after(async () => server.dispose());

  it('a burst of GetImageFrame above the rate gets 429 ThrottlingException; the SDK retries them to success', async () => {
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        client.send(new GetImageFrameCommand(frame)).then(
          () => 'ok',
          (error: { name: string; $fault?: string; $metadata?: { httpStatusCode?: number } }) => `${error.name} ${error.$metadata?.httpStatusCode} ${error.$fault}`,
        ),
      ),
    );
    const throttled = outcomes.filter((o) => o === 'ThrottlingException 429 client').length;
    const served = outcomes.filter((o) => o === 'ok').length;
    assert.equal(throttled + served, 40, outcomes.join(', '));
    // The bucket refills at 10/s while the 40 calls are answered (slower on a loaded machine).
    const refilled = Math.ceil((10 * (performance.now() - started)) / 1000);
    assert.ok(served >= 10 && served <= 11 + refilled, `the burst (10) and what refilled meanwhile (≤ ${refilled}): ${served}`);
    assert.ok(throttled >= 20 && throttled >= 29 - refilled, `${throttled} throttled (≤ ${refilled} refilled)`);

    // The bucket is empty now: a client with the SDK's default retry strategy still gets every frame.
    const retrying = server.client(undefined, { maxAttempts: 3 });
    let attempts = 0;
    for (let i = 0; i < 5; i++) {
      const answer = await retrying.send(new GetImageFrameCommand(frame));
      assert.ok((await answer.imageFrameBlob!.transformToByteArray()).length > 0);
      attempts += answer.$metadata.attempts ?? 1;
    }
    assert.ok(attempts > 5, `retries were needed (${attempts} attempts for 5 calls)`);
  });

  it('other actions and other limits are untouched by the GetImageFrame bucket', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => client.send(new GetDatastoreCommand({ datastoreId: frame.datastoreId }))));
    assert.equal(results.length, 50);
  });
});
