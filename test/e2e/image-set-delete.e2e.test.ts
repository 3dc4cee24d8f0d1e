// DeleteImageSet: LOCKED/DELETING at once, then DELETED; reads stop; tags go; the series key is free again;
// the data store can be deleted once empty.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConflictException,
  CreateDatastoreCommand,
  DeleteDatastoreCommand,
  DeleteImageSetCommand,
  GetDatastoreCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  TagResourceCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, REGION, eventually, startServer, type RunningServer } from '../support/server.js';

describe('DeleteImageSet', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;

  const importPrefix = async (prefix: string) => {
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: `s3://in-bucket/${prefix}/`, outputS3Uri: 's3://out-bucket/d/' }),
    );
    const job = await waitForJob(client, datastoreId, jobId!);
    assert.equal(job.jobStatus, 'COMPLETED');
    return (await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'SUCCESS/success.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).importResponse as { imageSetId: string; isPrimary: boolean });
  };

  before(async () => {
    server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '50' } });
    client = server.client();
    datastoreId = (await client.send(new CreateDatastoreCommand({ datastoreName: 'deletes' }))).datastoreId!;
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const files = (await corpusFiles()).filter((f) => f.category === 'patient-name-conflict');
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'del', files);
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
  });
  after(async () => server.dispose());

  it('deletes an image set with its tags, frees the series for a new primary, and lets the empty data store go', async () => {
    const placed = await importPrefix('del');
    const primary = placed.find((p) => p.isPrimary)!.imageSetId;
    const arn = `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/${datastoreId}/imageset/${primary}`;
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { case: 'demo' } }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { case: 'demo' });

    await assert.rejects(client.send(new DeleteDatastoreCommand({ datastoreId })), ConflictException);
    const response = await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: primary }));
    assert.deepEqual([response.imageSetState, response.imageSetWorkflowStatus], ['LOCKED', 'DELETING']);
    const deleted = await eventually(async () => {
      const got = await client.send(new GetImageSetCommand({ datastoreId, imageSetId: primary }));
      return got.imageSetState === 'DELETED' ? got : undefined;
    });
    assert.equal(deleted.imageSetWorkflowStatus, 'DELETED');
    assert.ok(deleted.deletedAt instanceof Date);
    await assert.rejects(client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId: primary })), ResourceNotFoundException);
    await assert.rejects(client.send(new ListTagsForResourceCommand({ resourceArn: arn })), ResourceNotFoundException);
    await assert.rejects(client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: primary })), ResourceNotFoundException);
    const listed = (await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries!;
    assert.ok(!listed.some((s) => s.imageSetId === primary));

    // The series key is free: the same data imported again becomes a new primary image set, version 1.
    const again = await importPrefix('del');
    const newPrimary = again.find((p) => p.isPrimary)!.imageSetId;
    assert.notEqual(newPrimary, primary);
    assert.equal((await client.send(new GetImageSetCommand({ datastoreId, imageSetId: newPrimary }))).versionId, '1');

    for (const summary of (await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries!) {
      await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: summary.imageSetId }));
    }
    await eventually(async () => ((await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries!.length === 0 ? true : undefined));
    await eventually(async () => {
      try {
        await client.send(new DeleteDatastoreCommand({ datastoreId }));
        return true;
      } catch (error) {
        if (error instanceof ConflictException) return undefined; // deletions still finishing
        throw error;
      }
    });
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'DELETED' ? true : undefined));
  });
});
