// IAM-style access control end to end: users, keys and policies made with the real CLI while the server runs,
// enforced on every operation for the real AWS SDK; ABAC on tags, and SearchImageSets' documented gap.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CopyImageSetCommand,
  CreateDatastoreCommand,
  DeleteDatastoreCommand,
  DeleteImageSetCommand,
  GetDatastoreCommand,
  GetDICOMImportJobCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  ListDatastoresCommand,
  ListDICOMImportJobsCommand,
  ListImageSetVersionsCommand,
  ListTagsForResourceCommand,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateImageSetMetadataCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { sdkError } from '../support/aws-errors.js';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';
import { tessera, tesseraJson } from '../support/tessera-cli.js';

interface NewKey { userName: string; accessKeyId: string; secretAccessKey: string }
interface Stored { datastoreId: string; datastoreArn: string; imageSetId: string; imageFrameId: string; jobId: string }

describe('IAM users, keys and policies', () => {
  let server: RunningServer;
  let admin: MedicalImagingClient;
  let alpha: Stored;
  let beta: Stored;

  /** A data store with one imported image set (one frame). */
  const storeWithImageSet = async (name: string): Promise<Stored> => {
    const { datastoreId } = await admin.send(new CreateDatastoreCommand({ datastoreName: name }));
    const datastoreArn = await eventually(async () => {
      const properties = (await admin.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!;
      return properties.datastoreStatus === 'ACTIVE' ? properties.datastoreArn! : undefined;
    });
    const file = (await corpusFiles()).find((f) => f.path === 'studies/pcir/77654033/CR2/6247.dcm')!;
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), name, [file]);
    const { jobId } = await admin.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: `s3://in-bucket/${name}/`, outputS3Uri: `s3://out-bucket/${name}/` }),
    );
    assert.equal((await waitForJob(admin, datastoreId!, jobId!)).jobStatus, 'COMPLETED');
    const imageSetId = (await admin.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries![0]!.imageSetId!;
    const metadata = await admin.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }));
    const document = JSON.parse(gunzipSync(await metadata.imageSetMetadataBlob!.transformToByteArray()).toString('utf8'));
    const series = Object.values(document.Study.Series as Record<string, { Instances: Record<string, { ImageFrames: { ID: string }[] }> }>)[0]!;
    const imageFrameId = Object.values(series.Instances)[0]!.ImageFrames[0]!.ID;
    return { datastoreId: datastoreId!, datastoreArn, imageSetId, imageFrameId, jobId: jobId! };
  };
  const clientOf = (key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    server.client({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...(key.sessionToken !== undefined ? { sessionToken: key.sessionToken } : {}) });
  const denied = async (promise: Promise<unknown>, code = 'AccessDeniedException') => {
    const error = await sdkError(promise);
    assert.equal(error.name, code, error.message);
    assert.equal(error.$metadata?.httpStatusCode, 403);
    return error;
  };

  before(async () => {
    server = await startServer();
    admin = server.client();
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
    alpha = await storeWithImageSet('alpha');
    beta = await storeWithImageSet('beta');
    await admin.send(new TagResourceCommand({ resourceArn: alpha.datastoreArn, tags: { project: 'alpha' } }));
  });
  after(async () => server.dispose());

  it('a new user can do nothing; ReadOnly (attached while the server runs) allows every read and no write', async () => {
    const key = await tesseraJson<NewKey>(server.dataDir, 'users', 'create', 'reader');
    assert.equal(key.userName, 'reader');
    assert.match(key.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(key.secretAccessKey.length, 40);
    const reader = clientOf(key);
    const error = await denied(reader.send(new ListDatastoresCommand({})));
    assert.match(error.message, /User: arn:aws:iam::123456789012:user\/reader is not authorized to perform: medical-imaging:ListDatastores on resource: \*/);

    await tesseraJson(server.dataDir, 'policies', 'attach', 'reader', '--managed', 'AWSHealthImagingReadOnlyAccess');
    const { datastoreId, imageSetId, imageFrameId, jobId, datastoreArn } = alpha;
    assert.ok((await reader.send(new ListDatastoresCommand({}))).datastoreSummaries!.length >= 2);
    await reader.send(new GetDatastoreCommand({ datastoreId }));
    await reader.send(new GetDICOMImportJobCommand({ datastoreId, jobId }));
    await reader.send(new ListDICOMImportJobsCommand({ datastoreId }));
    await reader.send(new SearchImageSetsCommand({ datastoreId }));
    await reader.send(new GetImageSetCommand({ datastoreId, imageSetId }));
    await reader.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }));
    const frame = await reader.send(new GetImageFrameCommand({ datastoreId, imageSetId, imageFrameInformation: { imageFrameId } }));
    assert.ok((await frame.imageFrameBlob!.transformToByteArray()).length > 0);
    await reader.send(new ListImageSetVersionsCommand({ datastoreId, imageSetId }));
    assert.deepEqual((await reader.send(new ListTagsForResourceCommand({ resourceArn: datastoreArn }))).tags, { project: 'alpha' });

    const writes: (() => Promise<unknown>)[] = [
      () => reader.send(new CreateDatastoreCommand({ datastoreName: 'nope' })),
      () => reader.send(new DeleteDatastoreCommand({ datastoreId })),
      () => reader.send(new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`, inputS3Uri: 's3://in-bucket/alpha/', outputS3Uri: 's3://out-bucket/x/' })),
      () => reader.send(new TagResourceCommand({ resourceArn: datastoreArn, tags: { project: 'mine' } })),
      () => reader.send(new UntagResourceCommand({ resourceArn: datastoreArn, tagKeys: ['project'] })),
      () => reader.send(new DeleteImageSetCommand({ datastoreId, imageSetId })),
      () => reader.send(new UpdateImageSetMetadataCommand({ datastoreId, imageSetId, latestVersionId: '1', updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: new TextEncoder().encode('{"SchemaVersion":"1.1","Patient":{"DICOM":{"PatientName":"X"}}}') } } })),
      () => reader.send(new CopyImageSetCommand({ datastoreId, sourceImageSetId: imageSetId, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } })),
    ];
    for (const write of writes) await denied(write());
    // Nothing changed.
    assert.deepEqual((await admin.send(new ListTagsForResourceCommand({ resourceArn: datastoreArn }))).tags, { project: 'alpha' });
    assert.equal((await admin.send(new GetImageSetCommand({ datastoreId, imageSetId }))).imageSetState, 'ACTIVE');
  });

  it('a tag-conditioned policy hides other data stores from GetImageSet/GetImageFrame, but not from SearchImageSets (as AWS warns)', async () => {
    const key = await tesseraJson<NewKey>(server.dataDir, 'users', 'create', 'alpha-team');
    const policyPath = join(server.dataDir, 'alpha-only.json');
    await writeFile(policyPath, JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['medical-imaging:Get*', 'medical-imaging:SearchImageSets'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/project': 'alpha' } } }],
    }));
    assert.deepEqual(await tesseraJson(server.dataDir, 'policies', 'attach', 'alpha-team', '--file', policyPath), { attached: 'alpha-only', to: `arn:aws:iam::${ACCOUNT_ID}:user/alpha-team` });
    const team = clientOf(key);
    await team.send(new GetImageSetCommand({ datastoreId: alpha.datastoreId, imageSetId: alpha.imageSetId }));
    await team.send(new GetImageFrameCommand({ datastoreId: alpha.datastoreId, imageSetId: alpha.imageSetId, imageFrameInformation: { imageFrameId: alpha.imageFrameId } }));
    await denied(team.send(new GetImageSetCommand({ datastoreId: beta.datastoreId, imageSetId: beta.imageSetId })));
    await denied(team.send(new GetImageFrameCommand({ datastoreId: beta.datastoreId, imageSetId: beta.imageSetId, imageFrameInformation: { imageFrameId: beta.imageFrameId } })));
    await denied(team.send(new GetDatastoreCommand({ datastoreId: beta.datastoreId })));
    // SearchImageSets is not covered by ABAC: the other store's image sets are listed all the same.
    const found = await team.send(new SearchImageSetsCommand({ datastoreId: beta.datastoreId }));
    assert.deepEqual(found.imageSetsMetadataSummaries!.map((s) => s.imageSetId), [beta.imageSetId]);
    // An image set's own tag overrides its data store's.
    await admin.send(new TagResourceCommand({ resourceArn: `${beta.datastoreArn}/imageset/${beta.imageSetId}`, tags: { project: 'alpha' } }));
    await team.send(new GetImageSetCommand({ datastoreId: beta.datastoreId, imageSetId: beta.imageSetId }));
    // The denials are in the audit trail.
    const audit = await eventually(async () => {
      const result = await tessera(server.dataDir, 'audit', 'query', '--principal', 'alpha-team');
      const records = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { eventName: string; errorCode?: string });
      return records.some((r) => r.errorCode === 'AccessDeniedException') ? records : undefined;
    });
    assert.ok(audit.some((r) => r.eventName === 'GetImageFrame' && r.errorCode === 'AccessDeniedException'));
  });

  it('explicit deny wins; tags on CreateDatastore need TagResource and are checked as aws:RequestTag / aws:TagKeys', async () => {
    const key = await tesseraJson<NewKey>(server.dataDir, 'users', 'create', 'creator');
    const policyPath = join(server.dataDir, 'creator.json');
    await writeFile(policyPath, JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['medical-imaging:CreateDatastore', 'medical-imaging:TagResource'], Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['project'] } } },
        { Effect: 'Allow', Action: 'medical-imaging:TagResource', Resource: 'arn:aws:medical-imaging:*:*:datastore/*', Condition: { StringEquals: { 'aws:RequestTag/project': 'gamma' } } },
        { Effect: 'Deny', Action: 'medical-imaging:*', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'secret*' } } },
      ],
    }));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'creator', '--file', policyPath);
    const creator = clientOf(key);
    await creator.send(new CreateDatastoreCommand({ datastoreName: 'no-tags' }));
    await creator.send(new CreateDatastoreCommand({ datastoreName: 'tagged', tags: { project: 'gamma' } }));
    await denied(creator.send(new CreateDatastoreCommand({ datastoreName: 'other-key', tags: { owner: 'me' } })));
    const error = await denied(creator.send(new CreateDatastoreCommand({ datastoreName: 'secret', tags: { secretLevel: '1' } })));
    assert.match(error.message, /explicit deny/);
    // Without TagResource, tags at creation are refused even though CreateDatastore is allowed.
    await tesseraJson(server.dataDir, 'policies', 'detach', 'creator', '--name', 'creator');
    await writeFile(policyPath, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'medical-imaging:CreateDatastore', Resource: '*' }] }));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'creator', '--file', policyPath);
    await denied(creator.send(new CreateDatastoreCommand({ datastoreName: 'tagged2', tags: { project: 'gamma' } })));
    await creator.send(new CreateDatastoreCommand({ datastoreName: 'untagged2' }));
  });

  it('keys rotate and revoke, users delete, and temporary session credentials work until they expire', async () => {
    const first = await tesseraJson<NewKey>(server.dataDir, 'users', 'create', 'rotator');
    await tesseraJson(server.dataDir, 'policies', 'attach', 'rotator', '--managed', 'AWSHealthImagingReadOnlyAccess');
    await clientOf(first).send(new ListDatastoresCommand({}));
    const second = await tesseraJson<NewKey>(server.dataDir, 'keys', 'rotate', 'rotator');
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    await denied(clientOf(first).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');
    await clientOf(second).send(new ListDatastoresCommand({}));

    const session = await tesseraJson<NewKey & { sessionToken: string; expiration: string }>(server.dataDir, 'sessions', 'create', 'rotator', '--duration', '900');
    assert.match(session.accessKeyId, /^ASIA/);
    assert.ok(Math.abs(Date.parse(session.expiration) - Date.now() - 900_000) < 60_000);
    await clientOf(session).send(new ListDatastoresCommand({}));
    await denied(clientOf({ ...session, sessionToken: `${session.sessionToken}x` }).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');
    await denied(clientOf({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');
    // A long-term key with a made-up token is refused too.
    await denied(clientOf({ ...second, sessionToken: 'made-up' }).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');

    const users = await tesseraJson<{ userName: string; accessKeys: { accessKeyId: string }[] }[]>(server.dataDir, 'users', 'list');
    assert.deepEqual(users.find((u) => u.userName === 'rotator')!.accessKeys.map((k) => k.accessKeyId).sort(), [second.accessKeyId, session.accessKeyId].sort());
    assert.ok(users.some((u) => u.userName === 'admin'));

    await tesseraJson(server.dataDir, 'keys', 'revoke', second.accessKeyId);
    await denied(clientOf(second).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');
    await tesseraJson(server.dataDir, 'users', 'delete', 'rotator');
    await denied(clientOf(session).send(new ListDatastoresCommand({})), 'UnrecognizedClientException');
  });

  it('aws:SourceIp with IpAddress: the address of the caller decides', async () => {
    const key = await tesseraJson<NewKey>(server.dataDir, 'users', 'create', 'on-site');
    const policyPath = join(server.dataDir, 'on-site.json');
    const attach = async (cidr: string) => {
      await writeFile(policyPath, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'medical-imaging:ListDatastores', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': cidr } } }] }));
      await tesseraJson(server.dataDir, 'policies', 'attach', 'on-site', '--file', policyPath);
    };
    const onSite = clientOf(key);
    await attach('10.0.0.0/8');
    await denied(onSite.send(new ListDatastoresCommand({})));
    await attach('127.0.0.0/8');
    await onSite.send(new ListDatastoresCommand({}));
  });

  it('the CLI refuses bad input with a message and a non-zero exit', async () => {
    const duplicate = await tessera(server.dataDir, 'users', 'create', 'reader');
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /exists already/);
    const unknownPolicy = await tessera(server.dataDir, 'policies', 'attach', 'reader', '--managed', 'AdministratorAccess');
    assert.equal(unknownPolicy.code, 1);
    const badPath = join(server.dataDir, 'bad.json');
    await writeFile(badPath, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } } }] }));
    const unsupported = await tessera(server.dataDir, 'policies', 'attach', 'reader', '--file', badPath);
    assert.equal(unsupported.code, 1);
    assert.match(unsupported.stderr, /unsupported condition operator DateLessThan/);
    assert.equal((await tessera(server.dataDir, 'users', 'frobnicate')).code, 2);
    assert.equal((await tessera(server.dataDir, 'users', 'delete', 'admin')).code, 1);
    assert.equal((await tessera(server.dataDir, 'sessions', 'create', 'reader', '--duration', '60')).code, 1);
  });
});
