// The contract every BucketStore adapter must pass (local folders, S3 through a real S3-wire server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BucketAccessError, type BucketStore } from './bucket-store.js';

export interface BucketStoreFixture {
  readonly store: BucketStore;
  /** Creates an empty bucket the way a user would (mkdir, CreateBucket). */
  createBucket(name: string): Promise<void>;
  cleanup(): Promise<void>;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function runBucketStoreContract(adapterName: string, makeFixture: () => Promise<BucketStoreFixture>): void {
  describe(`BucketStore contract: ${adapterName}`, () => {
    let f: BucketStoreFixture;
    before(async () => {
      f = await makeFixture();
      await f.createBucket('in-bucket');
    });
    after(async () => f.cleanup());

    it('puts, lists recursively in key order, and reads ranges', async () => {
      await f.store.putObject('in-bucket', 'study/b/2.dcm', Buffer.from('second'), 'application/dicom');
      await f.store.putObject('in-bucket', 'study/a/1.dcm', Buffer.from('first file'), 'application/dicom');
      await f.store.putObject('in-bucket', 'study/a/deeper/3 with space.dcm', Buffer.from('x'), 'application/dicom');
      await f.store.putObject('in-bucket', 'other/4.dcm', Buffer.from('y'), 'application/dicom');
      const listed = await collect(f.store.listObjects('in-bucket', 'study/'));
      assert.deepEqual(listed, [
        { key: 'study/a/1.dcm', sizeBytes: 10 },
        { key: 'study/a/deeper/3 with space.dcm', sizeBytes: 1 },
        { key: 'study/b/2.dcm', sizeBytes: 6 },
      ]);
      assert.equal((await collect(f.store.listObjects('in-bucket', ''))).length, 4);
      assert.deepEqual((await collect(f.store.listObjects('in-bucket', 'study/a/d'))).map((o) => o.key), ['study/a/deeper/3 with space.dcm']);
      assert.deepEqual(await collect(f.store.listObjects('in-bucket', 'nothing/')), []);
      const reader = await f.store.openObject('in-bucket', 'study/a/1.dcm');
      try {
        assert.equal(reader.sizeBytes, 10);
        assert.equal((await reader.read(0, 5)).toString(), 'first');
        assert.equal((await reader.read(6, 100)).toString(), 'file');
      } finally {
        await reader.close();
      }
    });

    it('overwrites objects whole', async () => {
      await f.store.putObject('in-bucket', 'report.json', Buffer.from('{"v":1}'), 'application/json');
      await f.store.putObject('in-bucket', 'report.json', Buffer.from('{"v":2}'), 'application/json');
      const reader = await f.store.openObject('in-bucket', 'report.json');
      assert.equal((await reader.read(0, 100)).toString(), '{"v":2}');
      await reader.close();
    });

    it('missing buckets and objects are BucketAccessError', async () => {
      await assert.rejects(f.store.checkBucket('no-such-bucket'), BucketAccessError);
      await assert.rejects(collect(f.store.listObjects('no-such-bucket', '')), BucketAccessError);
      await assert.rejects(f.store.openObject('in-bucket', 'missing.dcm'), BucketAccessError);
      await f.store.checkBucket('in-bucket');
    });
  });
}
