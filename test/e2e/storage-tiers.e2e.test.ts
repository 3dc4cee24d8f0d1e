// Storage tiers: idle image sets move to ARCHIVE_INSTANT_ACCESS; a counted access brings them back (seconds here).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';

describe('storage tiers', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  let imageSetId: string;
  before(async () => {
    server = await startServer({ env: { TESSERA_ARCHIVE_AFTER_SECONDS: '2', TESSERA_TIERING_SWEEP_MS: '100', TESSERA_ACCESS_FLUSH_MS: '50' } });
    client = server.client();
    datastoreId = (await client.send(new CreateDatastoreCommand({ datastoreName: 'tiers' }))).datastoreId!;
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const file = (await corpusFiles()).find((f) => f.path === 'transfer-syntax/1.2.1-explicit-le/CT_small.dcm') ?? (await corpusFiles()).find((f) => f.category === 'studies')!;
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'tiers', [file]);
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: 's3://in-bucket/tiers/', outputS3Uri: 's3://out-bucket/t/' }),
    );
    assert.equal((await waitForJob(client, datastoreId, jobId!)).jobStatus, 'COMPLETED');
    imageSetId = (await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries![0]!.imageSetId!;
  });
  after(async () => server.dispose());

  const tierOf = async () => {
    const imageSet = await client.send(new GetImageSetCommand({ datastoreId, imageSetId }));
    return { tier: imageSet.storageTier, lastAccessedAt: imageSet.lastAccessedAt!, createdAt: imageSet.createdAt! };
  };

  /** tessera_storage_bytes of this data store per tier, from a signed /metrics scrape. */
  const storageBytes = async () => {
    const text = (await signedFetch(server.port, { method: 'GET', path: '/metrics' })).text;
    const bytes: Record<string, number> = {};
    for (const match of text.matchAll(new RegExp(`^tessera_storage_bytes\\{datastore_id="${datastoreId}",storage_tier="(\\w+)"\\} (\\d+)$`, 'gm'))) bytes[match[1]!] = Number(match[2]);
    return bytes;
  };

  it('starts in FREQUENT_ACCESS with lastAccessedAt = creation, archives when idle, and GetImageSet does not count', async () => {
    const inFrequent = await storageBytes();
    assert.ok((inFrequent.FREQUENT_ACCESS ?? 0) > 1000, `stored bytes per tier: ${JSON.stringify(inFrequent)}`);
    const first = await tierOf();
    assert.equal(first.tier, 'FREQUENT_ACCESS');
    assert.equal(first.lastAccessedAt.getTime(), first.createdAt.getTime());
    await eventually(async () => ((await tierOf()).tier === 'ARCHIVE_INSTANT_ACCESS' ? true : undefined), 8000, 100);
    const search = await client.send(new SearchImageSetsCommand({ datastoreId }));
    assert.equal(search.imageSetsMetadataSummaries![0]!.storageTier, 'ARCHIVE_INSTANT_ACCESS');
    const archived = await storageBytes();
    assert.deepEqual(archived, { ARCHIVE_INSTANT_ACCESS: inFrequent.FREQUENT_ACCESS }, 'the bytes moved tier');
  });

  it('a frame read brings it back to FREQUENT_ACCESS at once and restarts the clock', async () => {
    const metadata = JSON.parse(gunzipSync(await (await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }))).imageSetMetadataBlob!.transformToByteArray()).toString());
    const instance = Object.values<any>(Object.values<any>(metadata.Study.Series)[0].Instances)[0];
    await eventually(async () => ((await tierOf()).tier === 'ARCHIVE_INSTANT_ACCESS' ? true : undefined), 8000, 100);
    const before = Date.now();
    await client.send(new GetImageFrameCommand({ datastoreId, imageSetId, imageFrameInformation: { imageFrameId: instance.ImageFrames[0].ID } }));
    const after = await tierOf();
    assert.equal(after.tier, 'FREQUENT_ACCESS');
    assert.ok(after.lastAccessedAt.getTime() >= before - 5);
    await eventually(async () => ((await tierOf()).tier === 'ARCHIVE_INSTANT_ACCESS' ? true : undefined), 8000, 100);
  });
});
