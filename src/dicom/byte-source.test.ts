import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferByteSource, fileByteSource } from './byte-source.js';

test('fileByteSource reads exact ranges and refuses ranges outside the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-byte-source-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'bytes.bin');
  await writeFile(path, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const source = await fileByteSource(path);
  try {
    assert.equal(source.sizeBytes, 10);
    assert.deepEqual([...(await source.read(3, 4))], [3, 4, 5, 6]);
    assert.equal((await source.read(10, 0)).length, 0);
    await assert.rejects(source.read(8, 3), RangeError);
    await assert.rejects(source.read(-1, 1), RangeError);
  } finally {
    await source.close();
    await source.close(); // closing twice is harmless
  }
});

test('bufferByteSource returns copies', async () => {
  const buffer = Buffer.from([1, 2, 3]);
  const source = bufferByteSource(buffer);
  const read = await source.read(0, 2);
  read[0] = 99;
  assert.equal(buffer[0], 1);
  await assert.rejects(source.read(2, 2), RangeError);
});
