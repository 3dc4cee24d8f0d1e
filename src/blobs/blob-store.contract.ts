// The BlobStore contract suite: every adapter (filesystem, S3, ...) runs it from its own test file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { InvalidBlobKeyError } from './blob-keys.js';
import { BlobNotFoundError, type BlobStore } from './blob-store.js';

export type MakeBlobStore = () => Promise<{ store: BlobStore; cleanup: () => Promise<void> }>;

export function runBlobStoreContract(adapterName: string, makeStore: MakeBlobStore): void {
  describe(`BlobStore contract: ${adapterName}`, () => {
    const test = (name: string, body: (store: BlobStore) => Promise<void>) =>
      it(name, async () => {
        const { store, cleanup } = await makeStore();
        try {
          await body(store);
        } finally {
          await cleanup();
        }
      });

    test('put then get round-trips a Buffer and reports its size', async (store) => {
      const body = randomBytes(10_000);
      assert.deepEqual(await store.put('ds/frames/one', body), { sizeBytes: body.length });
      assert.deepEqual(await store.get('ds/frames/one'), body);
    });

    test('put from a stream of uneven pieces (Buffers and Uint8Arrays)', async (store) => {
      const body = randomBytes(300_000);
      const result = await store.put('stream/body', piecesOf(body, [1, 0, 7, 65_536, 100_000, 3], true));
      assert.deepEqual(result, { sizeBytes: body.length });
      assert.deepEqual(await store.get('stream/body'), body);
    });

    test('empty blobs, from a Buffer and from an empty stream', async (store) => {
      assert.deepEqual(await store.put('empty/buffer', Buffer.alloc(0)), { sizeBytes: 0 });
      assert.deepEqual(await store.put('empty/stream', piecesOf(Buffer.alloc(0), [])), { sizeBytes: 0 });
      for (const key of ['empty/buffer', 'empty/stream']) {
        assert.equal((await store.get(key)).length, 0);
        assert.deepEqual(await store.head(key), { sizeBytes: 0 });
        assert.equal((await store.getRange(key, 0, 10)).length, 0);
        assert.equal((await collect(await store.stream(key))).length, 0);
      }
    });

    test('a 5 MB blob, from a Buffer and from a stream', async (store) => {
      const body = randomBytes(5 * 1024 * 1024);
      await store.put('big/buffer', body);
      await store.put('big/stream', piecesOf(body, [64 * 1024]));
      for (const key of ['big/buffer', 'big/stream']) {
        assert.ok((await store.get(key)).equals(body));
        assert.ok((await collect(await store.stream(key))).equals(body));
        assert.deepEqual(await store.head(key), { sizeBytes: body.length });
      }
    });

    test('overwrite replaces the whole body, longer then shorter', async (store) => {
      await store.put('k', Buffer.from('short'));
      const longer = randomBytes(50_000);
      await store.put('k', longer);
      assert.deepEqual(await store.get('k'), longer);
      await store.put('k', piecesOf(Buffer.from('tiny'), [2]));
      assert.deepEqual(await store.get('k'), Buffer.from('tiny'));
      assert.deepEqual(await store.head('k'), { sizeBytes: 4 });
      assert.deepEqual(await listAll(store, ''), ['k']);
    });

    test('getRange at the edges, clamped to the size', async (store) => {
      const body = randomBytes(1000);
      await store.put('r', body);
      const cases: Array<[number, number, Buffer]> = [
        [0, 0, Buffer.alloc(0)],
        [0, 1, body.subarray(0, 1)],
        [999, 1000, body.subarray(999)],
        [0, 1000, body],
        [10, 20, body.subarray(10, 20)],
        [500, 5000, body.subarray(500)],
        [1000, 1000, Buffer.alloc(0)],
        [1000, 2000, Buffer.alloc(0)],
        [5000, 6000, Buffer.alloc(0)],
      ];
      for (const [start, end, expected] of cases) {
        assert.deepEqual(await store.getRange('r', start, end), expected, `[${start}, ${end})`);
      }
      for (const [start, end] of [[-1, 5], [5, 4], [0.5, 2], [0, Number.NaN]]) {
        await assert.rejects(store.getRange('r', start!, end!), RangeError, `[${start}, ${end})`);
      }
    });

    test('stream, whole and with a range', async (store) => {
      const body = randomBytes(700_000);
      await store.put('s', body);
      assert.deepEqual(await collect(await store.stream('s')), body);
      const ranges: Array<[number, number]> = [[0, 1], [1, 699_999], [300_000, 300_001], [650_000, 900_000], [700_000, 700_001]];
      for (const [start, end] of ranges) {
        const streamed = await collect(await store.stream('s', { startByte: start, endByteExclusive: end }));
        assert.deepEqual(streamed, body.subarray(start, end), `[${start}, ${end})`);
      }
      await assert.rejects(store.stream('s', { startByte: 3, endByteExclusive: 2 }), RangeError);
    });

    test('head gives the size of present blobs and undefined for absent ones', async (store) => {
      await store.put('h/x', randomBytes(1234));
      assert.deepEqual(await store.head('h/x'), { sizeBytes: 1234 });
      assert.equal(await store.head('h/y'), undefined);
      assert.equal(await store.head('h'), undefined); // a prefix is not a blob
    });

    test('list returns every key under a prefix, at any depth, in byte order', async (store) => {
      const keys = ['a/b/c', 'a/b.x', 'a/b/d/e', 'a/bc', 'a.z', 'b', 'a/b-1', 'a/b/c0', 'z/y/x/w/v', 'A', 'a/B', 'a/_'];
      for (const key of [...keys].reverse()) await store.put(key, Buffer.from(key));
      for (const prefix of ['', 'a', 'a/', 'a/b', 'a/b/', 'a/b/c', 'a/b/d/e', 'z/y/', 'nope/', 'nope', 'a/b/d/e/']) {
        const expected = keys.filter((key) => key.startsWith(prefix)).sort(byteOrder);
        assert.deepEqual(await listAll(store, prefix), expected, `prefix ${JSON.stringify(prefix)}`);
      }
    });

    test('delete is idempotent and removes the key from list', async (store) => {
      await store.put('d/1', Buffer.from('1'));
      await store.put('d/2', Buffer.from('2'));
      await store.delete('d/1');
      await store.delete('d/1');
      await store.delete('never/existed');
      assert.equal(await store.head('d/1'), undefined);
      assert.deepEqual(await listAll(store, ''), ['d/2']);
      await store.delete('d/2');
      assert.deepEqual(await listAll(store, ''), []);
      await store.put('d/2', Buffer.from('again')); // the key space is reusable after deletes
      assert.deepEqual(await store.get('d/2'), Buffer.from('again'));
    });

    test('absent blobs reject with BlobNotFoundError carrying the key', async (store) => {
      await store.put('present/x', Buffer.from('x'));
      const isNotFound = (key: string) => (error: unknown) =>
        error instanceof BlobNotFoundError && error.key === key;
      await assert.rejects(store.get('absent/x'), isNotFound('absent/x'));
      await assert.rejects(store.getRange('absent/x', 0, 1), isNotFound('absent/x'));
      await assert.rejects(store.stream('absent/x'), isNotFound('absent/x'));
      await assert.rejects(store.get('present'), isNotFound('present')); // a "directory" is not a blob
      await assert.rejects(store.get('present/x/y'), isNotFound('present/x/y')); // below a blob
    });

    test('invalid keys are rejected by every method', async (store) => {
      const invalid = ['../x', '/abs', 'a//b', 'a/./b', 'a/../b', '', 'a/', '.', '..', 'a\\b', 'a b', 'a/~tmp', 'x'.repeat(1025), 'é'];
      for (const key of invalid) {
        const message = `key ${JSON.stringify(key.slice(0, 20))}`;
        await assert.rejects(store.put(key, Buffer.from('x')), InvalidBlobKeyError, message);
        await assert.rejects(store.put(key, piecesOf(Buffer.from('x'), [1])), InvalidBlobKeyError, message);
        await assert.rejects(store.get(key), InvalidBlobKeyError, message);
        await assert.rejects(store.getRange(key, 0, 1), InvalidBlobKeyError, message);
        await assert.rejects(store.stream(key), InvalidBlobKeyError, message);
        await assert.rejects(store.head(key), InvalidBlobKeyError, message);
        await assert.rejects(store.delete(key), InvalidBlobKeyError, message);
      }
      for (const prefix of ['../', '/abs', 'a//', 'a/./', '../x', 'a b']) {
        await assert.rejects(listAll(store, prefix), InvalidBlobKeyError, `prefix ${prefix}`);
      }
      assert.deepEqual(await listAll(store, ''), []);
    });

    test('a put in progress is invisible, and a failed streaming put leaves the old version', async (store) => {
      let firstPieceTaken!: () => void;
      const reached = new Promise<void>((resolve) => (firstPieceTaken = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const putting = store.put('slow/new', (async function* () {
        yield Buffer.alloc(100_000, 1);
        firstPieceTaken();
        await gate;
        yield Buffer.alloc(100_000, 2);
      })());
      await reached;
      assert.equal(await store.head('slow/new'), undefined);
      await assert.rejects(store.get('slow/new'), BlobNotFoundError);
      assert.deepEqual(await listAll(store, ''), []);
      release();
      assert.deepEqual(await putting, { sizeBytes: 200_000 });
      assert.deepEqual(await store.get('slow/new'), Buffer.concat([Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2)]));

      const failing = async function* () {
        yield Buffer.alloc(10_000, 9);
        throw new Error('source failed');
      };
      await assert.rejects(store.put('slow/new', failing()), /source failed/);
      await assert.rejects(store.put('slow/other', failing()), /source failed/);
      assert.equal((await store.get('slow/new')).length, 200_000);
      assert.equal(await store.head('slow/other'), undefined);
      assert.deepEqual(await listAll(store, ''), ['slow/new']);
    });

    test('concurrent puts of one key end with one complete version; readers never see a mix', async (store) => {
      const sizeBytes = 1024 * 1024;
      await store.put('race', Buffer.alloc(sizeBytes, 0));
      const versions = [1, 2, 3, 4, 5, 6];
      let isWriting = true;
      const reader = (async () => {
        let reads = 0;
        while (isWriting || reads === 0) {
          assertUniform(await store.get('race'), sizeBytes, [0, ...versions]);
          reads++;
        }
      })();
      await Promise.all(
        versions.map((value) =>
          store.put('race', value % 2 === 0 ? Buffer.alloc(sizeBytes, value) : piecesOf(Buffer.alloc(sizeBytes, value), [65_536])),
        ),
      );
      isWriting = false;
      await reader;
      assertUniform(await store.get('race'), sizeBytes, versions);
      assert.deepEqual(await listAll(store, ''), ['race']);
    });
  });
}

function assertUniform(bytes: Buffer, sizeBytes: number, allowed: number[]): void {
  assert.equal(bytes.length, sizeBytes);
  const value = bytes[0]!;
  assert.ok(allowed.includes(value), `unexpected version ${value}`);
  assert.ok(bytes.equals(Buffer.alloc(sizeBytes, value)), 'a read saw a mix of two versions');
}

/** Yields body in pieces of the given sizes (cycling), optionally as plain Uint8Arrays. */
async function* piecesOf(body: Buffer, sizes: number[], isMixed = false): AsyncIterable<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    const piece = body.subarray(offset, offset + size);
    offset += size;
    yield isMixed && i % 2 === 1 ? new Uint8Array(piece) : piece;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return Buffer.concat(pieces);
}

async function listAll(store: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
