// The TSB1 format itself: layout, small chunk sizes, streaming edge cases, range arithmetic.
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { dataKeyFromBytes } from './data-key.js';
import { KeyRing } from './key-ring.js';
import {
  BlobIntegrityError,
  SEALED_HEADER_BYTES,
  openBuffer,
  openStream,
  parseHeader,
  plaintextLength,
  sealBuffer,
  sealStream,
  sealedRangeFor,
  sealedSize,
} from './sealed-format.js';

const { dataKey } = new KeyRing(randomBytes(32)).generateDataKey();

describe('TSB1 sealed format', () => {
  it('writes the documented header', () => {
    const sealed = sealBuffer(dataKey, Buffer.alloc(100_000), 'ctx');
    assert.equal(sealed.subarray(0, 4).toString('latin1'), 'TSB1');
    assert.equal(sealed[4], 1);
    assert.deepEqual([...sealed.subarray(5, 8)], [0, 0, 0]);
    assert.equal(sealed.readUInt32BE(8), 65_536);
    assert.equal(sealed.readBigUInt64BE(12), 100_000n);
    assert.equal(sealed.length, sealedSize(100_000));
    const header = parseHeader(sealed);
    assert.equal(header.chunkSizeBytes, 65_536);
    assert.equal(header.recordedPlaintextLengthBytes, 100_000);
    // Fresh salt and nonce prefix every time: the same plaintext never seals the same way twice.
    const again = sealBuffer(dataKey, Buffer.alloc(100_000), 'ctx');
    assert.notDeepEqual(again.subarray(20, 44), sealed.subarray(20, 44));
  });

  it('opens a blob built by hand from docs/storage-layout.md (the format is a contract)', () => {
    const keyBytes = Buffer.alloc(32, 7);
    const salt = Buffer.alloc(16, 0xaa);
    const noncePrefix = Buffer.from('0102030405060708', 'hex');
    const plaintext = Buffer.from('hello, world'); // chunk size 5: "hello", ", wor", "ld"
    const header = Buffer.concat([
      Buffer.from('TSB1'), Buffer.from([1, 0, 0, 0]), Buffer.from('00000005', 'hex'),
      Buffer.from('000000000000000c', 'hex'), salt, noncePrefix,
    ]);
    const blobKey = createHmac('sha256', keyBytes).update('tessera/TSB1/blob-key').update(salt).update(Buffer.from([1])).digest();
    const chunks = [0, 1, 2].map((index) => {
      const nonce = Buffer.concat([noncePrefix, Buffer.from([0, 0, 0, index])]);
      const aad = Buffer.concat([header, Buffer.from([0, 0, 0, index, index === 2 ? 1 : 0]), Buffer.from('the/blob')]);
      const cipher = createCipheriv('aes-256-gcm', blobKey, nonce);
      cipher.setAAD(aad);
      const ciphertext = cipher.update(plaintext.subarray(index * 5, index * 5 + 5));
      cipher.final();
      return Buffer.concat([ciphertext, cipher.getAuthTag()]);
    });
    const sealed = Buffer.concat([header, ...chunks]);
    assert.deepEqual(openBuffer(dataKeyFromBytes(keyBytes), sealed, 'the/blob'), plaintext);
  });

  it('round-trips every small length with tiny chunks, through buffers and streams in any piece size', async () => {
    for (const chunkSizeBytes of [1, 3, 16]) {
      for (let length = 0; length <= 70; length++) {
        const plaintext = randomBytes(length);
        const fromBuffer = sealBuffer(dataKey, plaintext, 'ctx', { chunkSizeBytes });
        const fromStream = Buffer.concat(await collect(sealStream(dataKey, pieces(plaintext), 'ctx', { chunkSizeBytes })));
        assert.equal(fromStream.length, fromBuffer.length);
        assert.equal(fromStream.readBigUInt64BE(12), 0xffff_ffff_ffff_ffffn, 'streams record no length');
        for (const sealed of [fromBuffer, fromStream]) {
          const what = `chunk ${chunkSizeBytes}, length ${length}`;
          assert.deepEqual(openBuffer(dataKey, sealed, 'ctx'), plaintext, what);
          assert.deepEqual(Buffer.concat(await collect(openStream(dataKey, pieces(sealed), 'ctx'))), plaintext, what);
          assert.equal(plaintextLength(parseHeader(sealed), sealed.length), length, what);
        }
      }
    }
  });

  it('derives the plaintext length from the sealed size and rejects impossible sizes', async () => {
    const header = parseHeader(await sealStreamHeader(16));
    const possible = new Set<number>();
    for (let length = 0; length <= 200; length++) {
      possible.add(sealedSize(length, 16));
      assert.equal(plaintextLength(header, sealedSize(length, 16)), length);
    }
    for (let size = 0; size <= sealedSize(200, 16); size++) {
      if (!possible.has(size)) assert.throws(() => plaintextLength(header, size), BlobIntegrityError, `size ${size}`);
    }
    assert.throws(() => plaintextLength(header), TypeError);
  });

  it('streams with bounded memory: one sealed chunk per yield, even from one huge piece', async () => {
    const plaintext = randomBytes(3 * 1024 * 1024);
    const yielded = await collect(sealStream(dataKey, pieces(plaintext, [plaintext.length]), 'ctx'));
    assert.equal(yielded[0]!.length, SEALED_HEADER_BYTES);
    assert.ok(yielded.slice(1).every((piece) => piece.length === 65_536 + 16));
    assert.deepEqual(openBuffer(dataKey, Buffer.concat(yielded), 'ctx'), plaintext);
    const opened = await collect(openStream(dataKey, pieces(Buffer.concat(yielded), [yielded.length * 70_000]), 'ctx'));
    assert.ok(opened.every((piece) => piece.length <= 65_536));
  });

  it('releases the source when the consumer stops early', async () => {
    let isReleased = false;
    const source = (async function* () {
      try {
        for (;;) yield randomBytes(10_000);
      } finally {
        isReleased = true;
      }
    })();
    for await (const piece of sealStream(dataKey, source, 'ctx')) {
      if (piece.length > SEALED_HEADER_BYTES) break;
    }
    assert.ok(isReleased);
  });

  it('maps plaintext ranges to whole sealed chunks', () => {
    const header = parseHeader(sealBuffer(dataKey, Buffer.alloc(0), 'ctx', { chunkSizeBytes: 10 }));
    const range = sealedRangeFor(header, 15, 31, 35); // chunks 1..3 of [10,10,10,5]
    assert.deepEqual(
      { first: range.firstChunkIndex, count: range.chunkCount, total: range.totalChunkCount, start: range.sealedStart, end: range.sealedEndExclusive },
      { first: 1, count: 3, total: 4, start: SEALED_HEADER_BYTES + 26, end: SEALED_HEADER_BYTES + 26 * 3 + 5 + 16 },
    );
    const empty = sealedRangeFor(header, 50, 60, 35); // past the end: verify the final chunk, return nothing
    assert.deepEqual([empty.plainStart, empty.plainEndExclusive, empty.firstChunkIndex, empty.chunkCount], [35, 35, 3, 1]);
    assert.throws(() => sealedRangeFor(header, 5, 4, 35), RangeError);
    for (let i = 0; i < 200; i++) {
      const start = randomInt(40);
      const end = start + randomInt(40);
      const r = sealedRangeFor(header, start, end, 35);
      assert.equal(r.plainEndExclusive - r.plainStart, Math.max(0, Math.min(end, 35) - Math.min(start, 35)));
    }
  });

  it('rejects bad headers and chunk sizes', async () => {
    assert.throws(() => parseHeader(Buffer.from('TSB2').subarray(0, 4)), BlobIntegrityError);
    const header = await sealStreamHeader(16);
    assert.throws(() => parseHeader(Buffer.concat([Buffer.from('XSB1'), header.subarray(4)])), /bad magic/);
    const version2 = Buffer.from(header);
    version2[4] = 2;
    assert.throws(() => parseHeader(version2), /unsupported format version 2/);
    const hugeChunks = Buffer.from(header);
    hugeChunks.writeUInt32BE(0xffff_ffff, 8);
    assert.throws(() => parseHeader(hugeChunks), /chunk size/);
    assert.throws(() => sealBuffer(dataKey, Buffer.alloc(1), 'ctx', { chunkSizeBytes: 0 }), RangeError);
    assert.throws(() => sealBuffer(dataKey, Buffer.alloc(1), 'ctx', { chunkSizeBytes: 16 * 1024 * 1024 + 1 }), RangeError);
  });
});

/** The header of a blob sealed from a stream (no recorded length). */
async function sealStreamHeader(chunkSizeBytes: number): Promise<Buffer> {
  const [header] = await collect(sealStream(dataKey, pieces(Buffer.alloc(0)), 'ctx', { chunkSizeBytes }));
  return header!;
}

/** Yields bytes in random (or given, cycling) piece sizes, including empty pieces. */
async function* pieces(bytes: Buffer, sizes?: number[]): AsyncIterable<Uint8Array> {
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes ? sizes[i % sizes.length]! : randomInt(0, 40);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of source) out.push(piece);
  return out;
}
