// SealedBlobStore over a real FilesystemBlobStore: round trips, range reads, and tamper detection.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobIntegrityError, KeyRing, SEALED_HEADER_BYTES, SEALED_TAG_BYTES, type DataKey } from '../keys/index.js';
import type { BlobStore, ByteRange } from './blob-store.js';
import { FilesystemBlobStore } from './filesystem/filesystem-blob-store.js';
import { SealedBlobStore } from './sealed-blob-store.js';

const CHUNK = 64 * 1024;
const SEALED_CHUNK = CHUNK + SEALED_TAG_BYTES;

/** A BlobStore that records every call before passing it on. */
class RecordingBlobStore implements BlobStore {
  readonly calls: string[] = [];
  constructor(readonly inner: BlobStore) {}
  put(key: string, body: Buffer | AsyncIterable<Uint8Array>) { this.calls.push(`put ${key}`); return this.inner.put(key, body); }
  get(key: string) { this.calls.push(`get ${key}`); return this.inner.get(key); }
  getRange(key: string, start: number, end: number) { this.calls.push(`getRange ${key} ${start} ${end}`); return this.inner.getRange(key, start, end); }
  stream(key: string, range?: ByteRange) {
    this.calls.push(`stream ${key}${range ? ` ${range.startByte} ${range.endByteExclusive}` : ''}`);
    return this.inner.stream(key, range);
  }
  head(key: string) { this.calls.push(`head ${key}`); return this.inner.head(key); }
  list(prefix: string) { this.calls.push(`list ${prefix}`); return this.inner.list(prefix); }
  delete(key: string) { this.calls.push(`delete ${key}`); return this.inner.delete(key); }
}

describe('SealedBlobStore', () => {
  let dir: string;
  let inner: RecordingBlobStore;
  let sealed: SealedBlobStore;
  let dataKey: DataKey;
  let otherDataKey: DataKey;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-sealed-'));
    inner = new RecordingBlobStore(new FilesystemBlobStore(dir));
    sealed = new SealedBlobStore(inner);
    const ring = new KeyRing(randomBytes(32));
    dataKey = ring.generateDataKey().dataKey;
    otherDataKey = ring.generateDataKey().dataKey;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const sizes = [0, 1, 65_535, 65_536, 65_537, 3 * 1024 * 1024];

  it('round-trips blobs of every size around the chunk size, from Buffers and streams', async () => {
    for (const size of sizes) {
      const plaintext = randomBytes(size);
      for (const [how, body] of [['buffer', plaintext], ['stream', piecesOf(plaintext, 10_000)]] as const) {
        const key = `roundtrip/${how}-${size}`;
        assert.deepEqual(await sealed.put(key, dataKey, body), { sizeBytes: size }, key);
        assert.ok((await sealed.get(key, dataKey)).equals(plaintext), key);
        assert.ok((await collect(await sealed.stream(key, dataKey))).equals(plaintext), key);
        assert.deepEqual(await sealed.head(key), { sizeBytes: size }, key);
        const stored = await inner.get(key);
        assert.equal(stored.subarray(0, 4).toString('latin1'), 'TSB1');
        assert.equal(stored.length, SEALED_HEADER_BYTES + size + SEALED_TAG_BYTES * Math.max(1, Math.ceil(size / CHUNK)));
      }
    }
    assert.equal(await sealed.head('roundtrip/absent'), undefined);
  });

  it('stores no plaintext', async () => {
    const plaintext = Buffer.alloc(200_000, 'tessera plaintext marker ');
    await sealed.put('secrecy/x', dataKey, plaintext);
    assert.equal((await inner.get('secrecy/x')).indexOf('plaintext marker'), -1);
  });

  it('random ranges equal plaintext slices (getRange and ranged stream)', async () => {
    const plaintext = randomBytes(3 * 1024 * 1024 + 123);
    await sealed.put('ranges/buffer', dataKey, plaintext);
    await sealed.put('ranges/stream', dataKey, piecesOf(plaintext, 100_000));
    const edges: Array<[number, number]> = [
      [0, 0], [0, 1], [CHUNK - 1, CHUNK + 1], [CHUNK, CHUNK], [CHUNK, 2 * CHUNK], [0, plaintext.length],
      [plaintext.length - 1, plaintext.length + 10], [plaintext.length, plaintext.length + 5], [plaintext.length + 9, plaintext.length + 99],
    ];
    const random = Array.from({ length: 40 }, (): [number, number] => {
      const start = randomInt(plaintext.length);
      return [start, start + randomInt(Math.min(600_000, plaintext.length - start + 10))];
    });
    for (const key of ['ranges/buffer', 'ranges/stream']) {
      for (const [start, end] of [...edges, ...random]) {
        const expected = plaintext.subarray(start, end);
        assert.ok((await sealed.getRange(key, dataKey, start, end)).equals(expected), `${key} [${start}, ${end})`);
        const streamed = await collect(await sealed.stream(key, dataKey, { startByte: start, endByteExclusive: end }));
        assert.ok(streamed.equals(expected), `${key} stream [${start}, ${end})`);
      }
      assert.ok((await sealed.getRange(key, dataKey, 0, Number.MAX_SAFE_INTEGER)).equals(plaintext));
      assert.equal((await sealed.getRange(key, dataKey, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).length, 0);
      await assert.rejects(sealed.getRange(key, dataKey, 5, 4), RangeError);
      await assert.rejects(sealed.getRange(key, dataKey, -1, 4), RangeError);
    }
  });

  it('a range read fetches only the header and the chunks that cover the range', async () => {
    const plaintext = randomBytes(10 * CHUNK);
    await sealed.put('touch/buffer', dataKey, plaintext);
    await sealed.put('touch/stream', dataKey, piecesOf(plaintext, CHUNK));
    const chunkAt = (index: number) => SEALED_HEADER_BYTES + index * SEALED_CHUNK;

    inner.calls.length = 0;
    assert.ok((await sealed.getRange('touch/buffer', dataKey, 3 * CHUNK + 5, 3 * CHUNK + 10)).equals(plaintext.subarray(3 * CHUNK + 5, 3 * CHUNK + 10)));
    assert.deepEqual(inner.calls, [`getRange touch/buffer 0 ${SEALED_HEADER_BYTES}`, `getRange touch/buffer ${chunkAt(3)} ${chunkAt(4)}`]);

    inner.calls.length = 0;
    await sealed.getRange('touch/buffer', dataKey, 2 * CHUNK - 1, 4 * CHUNK + 1);
    assert.deepEqual(inner.calls, [`getRange touch/buffer 0 ${SEALED_HEADER_BYTES}`, `getRange touch/buffer ${chunkAt(1)} ${chunkAt(5)}`]);

    // Sealed from a stream: the length is not in the header, so one head() gives it.
    inner.calls.length = 0;
    await sealed.getRange('touch/stream', dataKey, 9 * CHUNK, 9 * CHUNK + 1);
    assert.deepEqual(inner.calls, [
      `getRange touch/stream 0 ${SEALED_HEADER_BYTES}`,
      `getRange touch/stream ${chunkAt(9)} ${chunkAt(10)}`,
      'head touch/stream',
    ]);

    // Past the end: the final chunk is still read, to authenticate the length.
    inner.calls.length = 0;
    assert.equal((await sealed.getRange('touch/buffer', dataKey, 20 * CHUNK, 21 * CHUNK)).length, 0);
    assert.deepEqual(inner.calls.slice(-1), [`getRange touch/buffer ${chunkAt(9)} ${chunkAt(10)}`]);

    // A store configured with another chunk size still reads the blob (its guess misses: one more read).
    const otherChunks = new SealedBlobStore(inner, { chunkSizeBytes: 1000 });
    inner.calls.length = 0;
    const slice = await otherChunks.getRange('touch/buffer', dataKey, 3 * CHUNK + 5, 3 * CHUNK + 10);
    assert.ok(slice.equals(plaintext.subarray(3 * CHUNK + 5, 3 * CHUNK + 10)));
    assert.equal(inner.calls.length, 3);
    assert.deepEqual(inner.calls.slice(-1), [`getRange touch/buffer ${chunkAt(3)} ${chunkAt(4)}`]);
    await otherChunks.put('touch/small-chunks', dataKey, plaintext.subarray(0, 5000));
    assert.equal((await inner.head('touch/small-chunks'))!.sizeBytes, SEALED_HEADER_BYTES + 5000 + 5 * SEALED_TAG_BYTES);
    assert.ok((await sealed.getRange('touch/small-chunks', dataKey, 999, 2001)).equals(plaintext.subarray(999, 2001)));

    inner.calls.length = 0;
    await collect(await sealed.stream('touch/buffer', dataKey, { startByte: CHUNK, endByteExclusive: CHUNK + 1 }));
    assert.deepEqual(inner.calls, [`getRange touch/buffer 0 ${SEALED_HEADER_BYTES}`, `stream touch/buffer ${chunkAt(1)} ${chunkAt(2)}`]);
  });

  describe('tampering is detected', () => {
    const plaintext = randomBytes(2 * CHUNK + 1000); // chunks: full, full, 1000 bytes
    const lastChunkAt = SEALED_HEADER_BYTES + 2 * SEALED_CHUNK;
    const ORIGINAL = 'tamper/original';
    const STREAMED = 'tamper/streamed';
    let original: Buffer;
    let streamedOriginal: Buffer;

    before(async () => {
      await sealed.put(ORIGINAL, dataKey, plaintext);
      await sealed.put(STREAMED, dataKey, piecesOf(plaintext, 5000));
      original = await inner.get(ORIGINAL);
      streamedOriginal = await inner.get(STREAMED);
    });

    /**
     * Replaces the stored bytes of `key` (the name it was sealed under, so only the tampering differs),
     * checks every read path throws BlobIntegrityError, then restores the original.
     */
    async function assertEveryReadFails(key: string, bytes: Buffer, with_: DataKey = dataKey, why = key): Promise<void> {
      const saved = await inner.get(key).catch(() => undefined);
      await inner.put(key, bytes);
      try {
        const isIntegrityError = (error: unknown) => error instanceof BlobIntegrityError;
        await assert.rejects(sealed.get(key, with_), isIntegrityError, `${why}: get`);
        await assert.rejects(async () => collect(await sealed.stream(key, with_)), isIntegrityError, `${why}: stream`);
        await assert.rejects(sealed.getRange(key, with_, 0, plaintext.length), isIntegrityError, `${why}: getRange all`);
        const range = { startByte: 0, endByteExclusive: plaintext.length };
        await assert.rejects(async () => collect(await sealed.stream(key, with_, range)), isIntegrityError, `${why}: ranged stream`);
      } finally {
        if (saved !== undefined) await inner.put(key, saved);
      }
    }

    it('the untampered blobs read back (control)', async () => {
      assert.ok((await sealed.get(ORIGINAL, dataKey)).equals(plaintext));
      assert.ok((await sealed.get(STREAMED, dataKey)).equals(plaintext));
    });

    const flip = (bytes: Buffer, at: number) => {
      const copy = Buffer.from(bytes);
      copy[at] ^= 0x01;
      return copy;
    };

    it('a flipped byte in the header', async () => {
      for (const at of [0, 4, 5, 8, 10, 11, 12, 19, 20, 35, 36, 43]) {
        await assertEveryReadFails(ORIGINAL, flip(original, at), dataKey, `header byte ${at}`);
        await assertEveryReadFails(STREAMED, flip(streamedOriginal, at), dataKey, `streamed, header byte ${at}`);
      }
    });

    it('a flipped byte in a chunk and in a tag; untouched chunks still read', async () => {
      const inChunk = flip(original, SEALED_HEADER_BYTES + SEALED_CHUNK + 100); // chunk 1
      const inTag = flip(original, SEALED_HEADER_BYTES + SEALED_CHUNK - 1); // last byte of chunk 0's tag
      await assertEveryReadFails(ORIGINAL, inChunk, dataKey, 'chunk byte');
      await assertEveryReadFails(ORIGINAL, inTag, dataKey, 'tag byte');
      await inner.put(ORIGINAL, inChunk);
      await assert.rejects(sealed.getRange(ORIGINAL, dataKey, CHUNK + 50, CHUNK + 60), BlobIntegrityError);
      // Damage is contained: a range outside the tampered chunk still reads (and is verified).
      assert.ok((await sealed.getRange(ORIGINAL, dataKey, 0, 10)).equals(plaintext.subarray(0, 10)));
      await inner.put(ORIGINAL, inTag);
      await assert.rejects(sealed.getRange(ORIGINAL, dataKey, 0, 1), BlobIntegrityError);
      await inner.put(ORIGINAL, original);
    });

    it('truncation: a byte off the end, the whole last chunk (also of a streamed blob), down to the header', async () => {
      await assertEveryReadFails(ORIGINAL, original.subarray(0, original.length - 1), dataKey, 'short by 1');
      await assertEveryReadFails(ORIGINAL, original.subarray(0, lastChunkAt), dataKey, 'no last chunk');
      await assertEveryReadFails(STREAMED, streamedOriginal.subarray(0, lastChunkAt), dataKey, 'streamed, no last chunk');
      await assertEveryReadFails(STREAMED, streamedOriginal.subarray(0, lastChunkAt - SEALED_CHUNK), dataKey, 'streamed, one chunk');
      await assertEveryReadFails(ORIGINAL, original.subarray(0, SEALED_HEADER_BYTES), dataKey, 'header only');
      await assertEveryReadFails(STREAMED, streamedOriginal.subarray(0, SEALED_HEADER_BYTES), dataKey, 'streamed, header only');
      await assertEveryReadFails(ORIGINAL, original.subarray(0, 20), dataKey, 'half a header');
      // Bytes appended after the final chunk: whole reads fail; range reads authenticate only the
      // chunks they return (the length is in the authenticated header), so they stay correct.
      await inner.put(ORIGINAL, Buffer.concat([original, Buffer.alloc(1)]));
      await assert.rejects(sealed.get(ORIGINAL, dataKey), BlobIntegrityError);
      await assert.rejects(async () => collect(await sealed.stream(ORIGINAL, dataKey)), BlobIntegrityError);
      assert.ok((await sealed.getRange(ORIGINAL, dataKey, 0, plaintext.length + 5)).equals(plaintext));
      await inner.put(ORIGINAL, original);
      const extraChunk = Buffer.concat([streamedOriginal, original.subarray(lastChunkAt)]);
      await assertEveryReadFails(STREAMED, extraChunk, dataKey, 'streamed, a chunk appended');
    });

    it('a dropped chunk and two swapped chunks', async () => {
      for (const [key, bytes] of [[ORIGINAL, original], [STREAMED, streamedOriginal]] as const) {
        const chunk = (index: number) =>
          bytes.subarray(SEALED_HEADER_BYTES + index * SEALED_CHUNK, SEALED_HEADER_BYTES + (index + 1) * SEALED_CHUNK);
        const header = bytes.subarray(0, SEALED_HEADER_BYTES);
        const last = bytes.subarray(lastChunkAt);
        await assertEveryReadFails(key, Buffer.concat([header, chunk(0), last]), dataKey, `${key}: dropped chunk`);
        await assertEveryReadFails(key, Buffer.concat([header, chunk(1), chunk(0), last]), dataKey, `${key}: swapped chunks`);
      }
    });

    it('a chunk spliced in from another blob sealed under the same data key and name', async () => {
      await sealed.put('tamper/donor', dataKey, plaintext);
      const donor = await inner.get('tamper/donor');
      await sealed.put('tamper/donor', dataKey, plaintext); // same name: a later version of the blob
      const laterDonor = await inner.get('tamper/donor');
      const spliced = Buffer.concat([donor.subarray(0, SEALED_HEADER_BYTES + SEALED_CHUNK), laterDonor.subarray(SEALED_HEADER_BYTES + SEALED_CHUNK)]);
      await assertEveryReadFails('tamper/donor', spliced, dataKey, 'spliced versions');
    });

    it('another data key, or another blob key (name)', async () => {
      await assertEveryReadFails(ORIGINAL, original, otherDataKey, 'other data key');
      await assertEveryReadFails(STREAMED, streamedOriginal, otherDataKey, 'streamed, other data key');
      await assertEveryReadFails('tamper/renamed', original, dataKey, 'renamed');
      await assertEveryReadFails('tamper/originax', original, dataKey, 'renamed, same length');
      await assertEveryReadFails('tamper/streamex', streamedOriginal, dataKey, 'streamed, renamed, same length');
      await sealed.put('tamper/empty', dataKey, Buffer.alloc(0));
      const empty = await inner.get('tamper/empty');
      await inner.put('tamper/empty-renamed', empty);
      await assert.rejects(sealed.get('tamper/empty-renamed', dataKey), BlobIntegrityError);
      await assert.rejects(sealed.get('tamper/empty', otherDataKey), BlobIntegrityError);
      await assert.rejects(sealed.getRange('tamper/empty', otherDataKey, 0, 5), BlobIntegrityError);
      assert.equal((await sealed.get('tamper/empty', dataKey)).length, 0);
    });

    it('errors name the blob and say why', async () => {
      await inner.put(ORIGINAL, flip(original, SEALED_HEADER_BYTES + 3));
      await assert.rejects(sealed.get(ORIGINAL, dataKey), (error: unknown) => {
        assert.ok(error instanceof BlobIntegrityError);
        assert.equal(error.context, ORIGINAL);
        assert.match(error.message, /"tamper\/original".*chunk 0 failed authentication/);
        return true;
      });
      await inner.put(ORIGINAL, original);
    });
  });
});

async function* piecesOf(body: Buffer, pieceBytes: number): AsyncIterable<Buffer> {
  for (let offset = 0; offset < body.length; offset += pieceBytes) yield body.subarray(offset, offset + pieceBytes);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return Buffer.concat(pieces);
}
