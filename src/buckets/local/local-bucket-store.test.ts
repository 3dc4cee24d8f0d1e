import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBucketStoreContract } from '../bucket-store.contract.js';
import { BucketAccessError } from '../bucket-store.js';
import { LocalBucketStore } from './local-bucket-store.js';

runBucketStoreContract('LocalBucketStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-buckets-'));
  return {
    store: new LocalBucketStore(root),
    createBucket: async (name) => void (await mkdir(join(root, name))),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

test('keys cannot leave the bucket: .., absolute, empty segments, symlinks out', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-buckets-'));
  const outside = await mkdtemp(join(tmpdir(), 'tessera-outside-'));
  try {
    await mkdir(join(root, 'in-bucket'));
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(root, 'in-bucket', 'link.dcm'));
    const store = new LocalBucketStore(root);
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\..\\b']) {
      await assert.rejects(store.openObject('in-bucket', key), BucketAccessError);
      await assert.rejects(store.putObject('in-bucket', key, Buffer.from('x'), 'text/plain'), BucketAccessError);
    }
    await assert.rejects(store.openObject('in-bucket', 'link.dcm'), /outside bucket/);
    await assert.rejects(store.checkBucket('..'), BucketAccessError);
    const listed = [];
    for await (const o of store.listObjects('in-bucket', '')) listed.push(o.key);
    assert.deepEqual(listed, [], 'symlinks are not listed as objects');
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
});
