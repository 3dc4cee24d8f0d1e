// loadOrCreateMasterKey: a 0600 file of 32 raw bytes, created once, refused when damaged.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MASTER_KEY_FILE_NAME, MasterKeyError, loadOrCreateMasterKey } from './master-key.js';

describe('loadOrCreateMasterKey', () => {
  const withDir = (name: string, body: (dir: string) => Promise<void>) =>
    it(name, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tessera-master-key-'));
      try {
        await body(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

  withDir('creates 32 random bytes in master.key with mode 0600 and leaves no temp file', async (dir) => {
    const dataDir = join(dir, 'data', 'nested'); // created on demand
    const key = await loadOrCreateMasterKey(dataDir);
    assert.equal(key.length, 32);
    const path = join(dataDir, MASTER_KEY_FILE_NAME);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readFile(path), key);
    assert.deepEqual(await readdir(dataDir), [MASTER_KEY_FILE_NAME]);
  });

  withDir('is stable across loads and differs between data dirs', async (dir) => {
    const first = await loadOrCreateMasterKey(join(dir, 'a'));
    assert.deepEqual(await loadOrCreateMasterKey(join(dir, 'a')), first);
    assert.deepEqual(await loadOrCreateMasterKey(join(dir, 'a')), first);
    assert.notDeepEqual(await loadOrCreateMasterKey(join(dir, 'b')), first);
  });

  withDir('concurrent first loads agree on one key', async (dir) => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateMasterKey(dir)));
    for (const key of keys) assert.deepEqual(key, keys[0]);
    assert.deepEqual(await readFile(join(dir, MASTER_KEY_FILE_NAME)), keys[0]);
    assert.deepEqual(await readdir(dir), [MASTER_KEY_FILE_NAME]);
  });

  withDir('refuses a corrupt file loudly and leaves it untouched', async (dir) => {
    const path = join(dir, MASTER_KEY_FILE_NAME);
    const corrupt = [Buffer.alloc(0), Buffer.alloc(31, 1), Buffer.alloc(33, 1), Buffer.from('a'.repeat(64))];
    for (const content of corrupt) {
      await writeFile(path, content, { mode: 0o600 });
      await assert.rejects(loadOrCreateMasterKey(dir), (error: unknown) => {
        assert.ok(error instanceof MasterKeyError);
        assert.match(error.message, new RegExp(`is ${content.length} bytes; it must be exactly 32 raw bytes`));
        return true;
      });
      assert.deepEqual(await readFile(path), content);
    }
  });

  withDir('refuses a directory in place of the key file', async (dir) => {
    await mkdir(join(dir, MASTER_KEY_FILE_NAME));
    await assert.rejects(loadOrCreateMasterKey(dir), MasterKeyError);
  });
});
