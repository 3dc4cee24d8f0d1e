// TagResource / ListTagsForResource / UntagResource through the real AWS SDK.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateDatastoreCommand,
  DeleteDatastoreCommand,
  GetDatastoreCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  ValidationException,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { ACCOUNT_ID, REGION, eventually, startServer, type RunningServer } from '../support/server.js';

describe('tagging (AWS SDK for JavaScript v3)', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  let arn: string;
  before(async () => {
    server = await startServer();
    client = server.client();
    datastoreId = (await client.send(new CreateDatastoreCommand({ datastoreName: 'tags' }))).datastoreId!;
    arn = (await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreArn!;
  });
  after(async () => server.dispose());

  const tagsOf = async (resourceArn: string) => (await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  it('an untagged resource lists {}; tag merges and overwrites; untag removes only the given keys', async () => {
    assert.deepEqual(await tagsOf(arn), {});
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { Deployment: 'Development', team: 'imaging' } }));
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { Deployment: 'Production', empty: '' } }));
    assert.deepEqual(await tagsOf(arn), { Deployment: 'Production', team: 'imaging', empty: '' });
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['Deployment', 'not-there'] }));
    assert.deepEqual(await tagsOf(arn), { team: 'imaging', empty: '' });
  });

  it('at most 50 tags: a merge past the limit is refused and changes nothing', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, `v${i}`]));
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: fifty }));
    assert.equal(Object.keys((await tagsOf(arn))!).length, 50);
    await assert.rejects(client.send(new TagResourceCommand({ resourceArn: arn, tags: { one: 'too-many' } })), (error: unknown) => {
      assert.ok(error instanceof ValidationException);
      assert.match(error.message, /at most 50/);
      return true;
    });
    assert.equal((await tagsOf(arn))!.one, undefined);
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { k0: 'overwrite is fine at the limit' } }));
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: Object.keys(fifty) }));
    assert.equal(Object.keys((await tagsOf(arn))!).length, 2);
  });

  for (const [label, tags, pattern] of [
    ['an aws: prefixed key', { 'aws:createdBy': 'x' }, /regular expression pattern/],
    ['a key with a space', { 'a b': 'x' }, /regular expression pattern/],
    ['a 129-character key', { ['k'.repeat(129)]: 'x' }, /length less than or equal to 128/],
    ['a 257-character value', { k: 'v'.repeat(257) }, /length less than or equal to 256/],
  ] as const) {
    it(`TagResource with ${label} is a ValidationException`, async () => {
      await assert.rejects(client.send(new TagResourceCommand({ resourceArn: arn, tags })), (error: unknown) => {
        assert.ok(error instanceof ValidationException);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  it('UntagResource with an invalid key is a ValidationException', async () => {
    await assert.rejects(client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['aws:x'] })), ValidationException);
  });

  it('malformed ARNs are ValidationException; unknown resources are ResourceNotFoundException', async () => {
    const unknownDatastore = `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/0123456789abcdef0123456789abcdef`;
    const otherAccount = `arn:aws:medical-imaging:${REGION}:999999999999:datastore/${datastoreId}`;
    const otherRegion = `arn:aws:medical-imaging:eu-west-1:${ACCOUNT_ID}:datastore/${datastoreId}`;
    const unknownImageSet = `${arn}/imageset/ea92b0d8838c72a3f25d00d13616f87e`;
    for (const resourceArn of [unknownDatastore, otherAccount, otherRegion, unknownImageSet]) {
      await assert.rejects(client.send(new ListTagsForResourceCommand({ resourceArn })), ResourceNotFoundException, resourceArn);
      await assert.rejects(client.send(new TagResourceCommand({ resourceArn, tags: { a: 'b' } })), ResourceNotFoundException, resourceArn);
      await assert.rejects(client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] })), ResourceNotFoundException, resourceArn);
    }
    for (const resourceArn of [`${arn}/imageSet/ea92b0d8838c72a3f25d00d13616f87e`, 'arn:aws:s3:::bucket', datastoreId]) {
      await assert.rejects(client.send(new ListTagsForResourceCommand({ resourceArn })), ValidationException, resourceArn);
    }
  });

  it('tags of a deleted data store are gone with it', async () => {
    const id = (await client.send(new CreateDatastoreCommand({ datastoreName: 'doomed', tags: { a: 'b' } }))).datastoreId!;
    const doomedArn = `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/${id}`;
    assert.deepEqual(await tagsOf(doomedArn), { a: 'b' });
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId: id }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    await client.send(new DeleteDatastoreCommand({ datastoreId: id }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId: id }))).datastoreProperties!.datastoreStatus === 'DELETED' ? true : undefined));
    await assert.rejects(client.send(new ListTagsForResourceCommand({ resourceArn: doomedArn })), ResourceNotFoundException);
  });
});
