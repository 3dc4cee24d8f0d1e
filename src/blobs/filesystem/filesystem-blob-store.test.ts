// FilesystemBlobStore: the BlobStore contract, plus what only a filesystem can get wrong.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBlobStoreContract } from '../blob-store.contract.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';

async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tessera-fs-blobs-'));
}

runBlobStoreContract('FilesystemBlobStore', async () => {
  const dir = await makeTempDir();
  return { store: new FilesystemBlobStore(join(dir, 'blobs')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FilesystemBlobStore on disk', () => {
  const withDir = (name: string, body: (dir: string) => Promise<void>) =>
    it(name, async () => {
      const dir = await makeTempDir();
      try {
        await body(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

  withDir('maps keys to files below the root and leaves no temp files behind', async (dir) => {
    const store = new FilesystemBlobStore(dir);
    await store.put('a/b/c', Buffer.from('abc'));
    await store.put('a/b/c', Buffer.from('abcd'));
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['c']);
  });

  withDir('never lists stray files whose names are not key segments', async (dir) => {
    const store = new FilesystemBlobStore(dir);
    await store.put('x/y', Buffer.from('y'));
    await writeFile(join(dir, 'x', '~tmp-leftover'), 'partial');
    await writeFile(join(dir, 'x', 'has space'), 'stray');
    const keys: string[] = [];
    for await (const key of store.list('')) keys.push(key);
    assert.deepEqual(keys, ['x/y']);
  });

  withDir('delete prunes directories left empty, up to the root', async (dir) => {
    const store = new FilesystemBlobStore(join(dir, 'root'));
    await store.put('p/q/r/s', Buffer.from('s'));
    await store.put('p/t', Buffer.from('t'));
    await store.delete('p/q/r/s');
    assert.deepEqual(await readdir(join(dir, 'root', 'p')), ['t']);
    await store.delete('p/t');
    assert.deepEqual(await readdir(join(dir, 'root')), []);
  });

  withDir('list does not descend into symlinked directories', async (dir) => {
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside', 'secret'), 'secret');
    await mkdir(join(dir, 'root'));
    await symlink(join(dir, 'outside'), join(dir, 'root', 'link'));
    const store = new FilesystemBlobStore(join(dir, 'root'));
    const keys: string[] = [];
    for await (const key of store.list('')) keys.push(key);
    assert.deepEqual(keys, []);
  });
});
