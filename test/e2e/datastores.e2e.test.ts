// Data store operations through the real AWS SDK against the real server process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictException,
  CreateDatastoreCommand,
  DeleteDatastoreCommand,
  GetDatastoreCommand,
  ListDatastoresCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ValidationException,
  paginateListDatastores,
  type DatastoreStatus,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { ACCOUNT_ID, REGION, eventually, startServer, type RunningServer } from '../support/server.js';

async function statusOf(client: MedicalImagingClient, datastoreId: string): Promise<DatastoreStatus | undefined> {
  return (await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties?.datastoreStatus;
}

async function until(client: MedicalImagingClient, datastoreId: string, status: DatastoreStatus): Promise<void> {
  await eventually(async () => ((await statusOf(client, datastoreId)) === status ? true : undefined));
}

describe('data stores (AWS SDK for JavaScript v3)', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  before(async () => {
    server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '300' } });
    client = server.client();
  });
  after(async () => server.dispose());

  it('create → CREATING, then ACTIVE; get shows every property; delete → DELETING, then DELETED', async () => {
    const before = Date.now();
    const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'my-datastore' }));
    assert.match(created.datastoreId!, /^[0-9a-z]{32}$/);
    assert.equal(created.datastoreStatus, 'CREATING');
    assert.match(created.$metadata.requestId!, /^[0-9a-f-]{36}$/);

    const properties = (await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }))).datastoreProperties!;
    assert.equal(properties.datastoreStatus, 'CREATING');
    assert.equal(properties.datastoreName, 'my-datastore');
    assert.equal(properties.losslessStorageFormat, 'HTJ2K');
    assert.equal(properties.datastoreArn, `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/${created.datastoreId}`);
    assert.ok(properties.createdAt instanceof Date);
    assert.ok(properties.createdAt!.getTime() >= before - 1000 && properties.createdAt!.getTime() <= Date.now() + 1000);
    assert.equal(properties.kmsKeyArn, undefined);

    await until(client, created.datastoreId!, 'ACTIVE');
    const active = (await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }))).datastoreProperties!;
    assert.ok(active.updatedAt!.getTime() > active.createdAt!.getTime());

    const deleting = await client.send(new DeleteDatastoreCommand({ datastoreId: created.datastoreId }));
    assert.deepEqual([deleting.datastoreId, deleting.datastoreStatus], [created.datastoreId, 'DELETING']);
    assert.equal(await statusOf(client, created.datastoreId!), 'DELETING');
    await until(client, created.datastoreId!, 'DELETED');
    const deleted = await client.send(new ListDatastoresCommand({ datastoreStatus: 'DELETED' }));
    assert.ok(deleted.datastoreSummaries!.some((d) => d.datastoreId === created.datastoreId));
  });

  it('echoes kmsKeyArn, lambdaAuthorizerArn and losslessStorageFormat; names default to the id', async () => {
    const kmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const lambdaAuthorizerArn = 'arn:aws:lambda:us-east-1:123456789012:function:authorizer';
    const created = await client.send(new CreateDatastoreCommand({ kmsKeyArn, lambdaAuthorizerArn, losslessStorageFormat: 'JPEG_2000_LOSSLESS' }));
    const properties = (await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }))).datastoreProperties!;
    assert.equal(properties.datastoreName, created.datastoreId);
    assert.equal(properties.kmsKeyArn, kmsKeyArn);
    assert.equal(properties.lambdaAuthorizerArn, lambdaAuthorizerArn);
    assert.equal(properties.losslessStorageFormat, 'JPEG_2000_LOSSLESS');
  });

  it('clientToken: a repeat returns the same data store; other parameters are a ConflictException', async () => {
    const first = await client.send(new CreateDatastoreCommand({ datastoreName: 'idem', clientToken: 'token-1' }));
    const again = await client.send(new CreateDatastoreCommand({ datastoreName: 'idem', clientToken: 'token-1' }));
    assert.equal(again.datastoreId, first.datastoreId);
    await assert.rejects(client.send(new CreateDatastoreCommand({ datastoreName: 'other', clientToken: 'token-1' })), (error: unknown) => {
      assert.ok(error instanceof ConflictException);
      assert.equal(error.$metadata.httpStatusCode, 409);
      return true;
    });
    const all = await client.send(new ListDatastoresCommand({}));
    assert.equal(all.datastoreSummaries!.filter((d) => d.datastoreName === 'idem').length, 1);
  });

  it('tags given at creation are on the data store', async () => {
    const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'tagged', tags: { project: 'tessera', env: 'test' } }));
    const arn = (await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }))).datastoreProperties!.datastoreArn!;
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { project: 'tessera', env: 'test' });
  });

  for (const [label, input, pattern] of [
    ['a name with a space', { datastoreName: 'bad name' }, /datastoreName.*regular expression pattern/],
    ['a 257-character name', { datastoreName: 'a'.repeat(257) }, /datastoreName.*length less than or equal to 256/],
    ['a bad clientToken', { clientToken: 'no spaces allowed' }, /clientToken/],
    ['a bad kmsKeyArn', { kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/nope' }, /kmsKeyArn/],
    ['a bad lambdaAuthorizerArn', { lambdaAuthorizerArn: 'arn:aws:lambda:us-east-1:1:function:x' }, /lambdaAuthorizerArn/],
    ['an unknown losslessStorageFormat', { losslessStorageFormat: 'PNG' as 'HTJ2K' }, /enum value set: \[HTJ2K, JPEG_2000_LOSSLESS\]/],
    ['an aws: tag key', { tags: { 'aws:x': 'y' } }, /tags/],
    ['51 tags', { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /less than or equal to 50/],
  ] as const) {
    it(`CreateDatastore with ${label} is a ValidationException and creates nothing`, async () => {
      const count = (await client.send(new ListDatastoresCommand({}))).datastoreSummaries!.length;
      await assert.rejects(client.send(new CreateDatastoreCommand(input)), (error: unknown) => {
        assert.ok(error instanceof ValidationException, String(error));
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.match(error.message, pattern);
        return true;
      });
      assert.equal((await client.send(new ListDatastoresCommand({}))).datastoreSummaries!.length, count);
    });
  }

  it('GetDatastore and DeleteDatastore of an unknown id are ResourceNotFoundException; a malformed id is a ValidationException', async () => {
    const unknown = '0123456789abcdef0123456789abcdef';
    await assert.rejects(client.send(new GetDatastoreCommand({ datastoreId: unknown })), ResourceNotFoundException);
    await assert.rejects(client.send(new DeleteDatastoreCommand({ datastoreId: unknown })), ResourceNotFoundException);
    await assert.rejects(client.send(new GetDatastoreCommand({ datastoreId: 'ABC' })), (error: unknown) => {
      assert.ok(error instanceof ValidationException);
      assert.match(error.message, /Value 'ABC' at 'datastoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: \[0-9a-z\]\{32\}/);
      return true;
    });
  });

  it('DeleteDatastore while CREATING or already DELETING is a ConflictException', async () => {
    const slow = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '60000' } });
    try {
      const slowClient = slow.client();
      const created = await slowClient.send(new CreateDatastoreCommand({ datastoreName: 'slow' }));
      await assert.rejects(slowClient.send(new DeleteDatastoreCommand({ datastoreId: created.datastoreId })), ConflictException);
    } finally {
      await slow.dispose();
    }
    const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'twice' }));
    await until(client, created.datastoreId!, 'ACTIVE');
    await client.send(new DeleteDatastoreCommand({ datastoreId: created.datastoreId }));
    await assert.rejects(client.send(new DeleteDatastoreCommand({ datastoreId: created.datastoreId })), ConflictException);
  });

  it('ListDatastores filters by status and the SDK paginator walks every page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.send(new CreateDatastoreCommand({ datastoreName: `page-${i}` }))).datastoreId!);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListDatastores({ client, pageSize: 2 }, {})) {
      pages++;
      assert.ok(page.datastoreSummaries!.length <= 2);
      seen.push(...page.datastoreSummaries!.map((d) => d.datastoreId!));
    }
    assert.equal(new Set(seen).size, seen.length, 'no data store appears twice');
    for (const id of ids) assert.ok(seen.includes(id));
    assert.ok(pages >= 3);

    await Promise.all(ids.map((id) => until(client, id, 'ACTIVE')));
    const active = (await client.send(new ListDatastoresCommand({ datastoreStatus: 'ACTIVE' }))).datastoreSummaries!;
    assert.ok(active.every((d) => d.datastoreStatus === 'ACTIVE'));
    for (const id of ids) assert.ok(active.some((d) => d.datastoreId === id));
    const summary = active.find((d) => d.datastoreId === ids[0])!;
    assert.deepEqual(Object.keys(summary).sort(), ['createdAt', 'datastoreArn', 'datastoreId', 'datastoreName', 'datastoreStatus', 'updatedAt']);
  });

  it('a page token only works for the query it came from', async () => {
    const first = await client.send(new ListDatastoresCommand({ maxResults: 1 }));
    assert.ok(first.nextToken);
    await assert.rejects(client.send(new ListDatastoresCommand({ maxResults: 1, datastoreStatus: 'ACTIVE', nextToken: first.nextToken })), ValidationException);
    await assert.rejects(client.send(new ListDatastoresCommand({ nextToken: 'page2' })), ValidationException);
    await assert.rejects(client.send(new ListDatastoresCommand({ maxResults: 51 })), /less than or equal to 50/);
  });

  it('data stores and transitions survive a restart; an interrupted CREATING finishes after it', async () => {
    const dataServer = await startServer({ keepData: true, env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '60000' } });
    const dataClient = dataServer.client();
    const created = await dataClient.send(new CreateDatastoreCommand({ datastoreName: 'survivor' }));
    assert.equal(await dataServer.stop(), 0);
    const restarted = await startServer({ dataDir: dataServer.dataDir, env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '50' } });
    try {
      const restartedClient = restarted.client();
      await until(restartedClient, created.datastoreId!, 'ACTIVE');
      assert.equal((await restartedClient.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }))).datastoreProperties!.datastoreName, 'survivor');
    } finally {
      await restarted.dispose();
    }
  });
});

describe('active data store quota', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { TESSERA_MAX_ACTIVE_DATASTORES: '2', TESSERA_DATASTORE_TRANSITION_DELAY_MS: '50' } });
  });
  after(async () => server.dispose());

  it('the third data store is a ServiceQuotaExceededException (402); deleting one frees a slot', async () => {
    const client = server.client();
    const a = await client.send(new CreateDatastoreCommand({ datastoreName: 'a' }));
    await client.send(new CreateDatastoreCommand({ datastoreName: 'b' }));
    await assert.rejects(client.send(new CreateDatastoreCommand({ datastoreName: 'c' })), (error: unknown) => {
      assert.ok(error instanceof ServiceQuotaExceededException);
      assert.equal(error.$metadata.httpStatusCode, 402);
      return true;
    });
    await until(client, a.datastoreId!, 'ACTIVE');
    await client.send(new DeleteDatastoreCommand({ datastoreId: a.datastoreId }));
    await until(client, a.datastoreId!, 'DELETED');
    const c = await client.send(new CreateDatastoreCommand({ datastoreName: 'c' }));
    assert.equal(c.datastoreStatus, 'CREATING');
  });
});
