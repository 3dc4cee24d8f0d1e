// SealedBlobStore: encryption at rest over any BlobStore (TSB1 format, the blob key as AAD context).
import {
  DEFAULT_CHUNK_SIZE_BYTES,
  SEALED_HEADER_BYTES,
  SEALED_TAG_BYTES,
  assertValidChunkSize,
  openBuffer,
  openChunkStream,
  openChunks,
  openStream,
  parseHeader,
  plaintextLength,
  sealBuffer,
  sealStream,
  sealedRangeFor,
  type DataKey,
  type SealedHeader,
  type SealedRange,
} from '../keys/index.js';
import { BlobNotFoundError, assertValidByteRange, type BlobStore, type ByteRange } from './blob-store.js';

export interface SealedBlobStoreOptions {
  /** Plaintext bytes per sealed chunk for new blobs (default 64 KiB). */
  readonly chunkSizeBytes?: number;
}

/**
 * Every method takes the data key of the blob's data store. Reads verify every chunk they
 * return and throw BlobIntegrityError rather than return wrong bytes; sizes are plaintext sizes.
 */
export class SealedBlobStore {
  readonly #inner: BlobStore;
  readonly #chunkSizeBytes: number;
  readonly #sealOptions: { chunkSizeBytes: number };

  constructor(inner: BlobStore, options: SealedBlobStoreOptions = {}) {
    this.#inner = inner;
    this.#chunkSizeBytes = options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES;
    assertValidChunkSize(this.#chunkSizeBytes);
    this.#sealOptions = { chunkSizeBytes: this.#chunkSizeBytes };
  }

  async put(key: string, dataKey: DataKey, body: Buffer | AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }> {
    if (body instanceof Uint8Array) {
      await this.#inner.put(key, sealBuffer(dataKey, body, key, this.#sealOptions));
      return { sizeBytes: body.length };
    }
    let sizeBytes = 0;
    const counted = (async function* () {
      for await (const piece of body) {
        sizeBytes += piece.byteLength;
        yield piece;
      }
    })();
    await this.#inner.put(key, sealStream(dataKey, counted, key, this.#sealOptions));
    return { sizeBytes };
  }

  async get(key: string, dataKey: DataKey): Promise<Buffer> {
    return openBuffer(dataKey, await this.#inner.get(key), key);
  }

  /**
   * Reads the header and only the sealed chunks covering [startByte, endByteExclusive) (end clamped to
   * the size). Both reads are issued together, guessing the chunk layout from this store's chunk size;
   * a wrong guess (another chunk size, a range past the end) costs one more read, never wrong bytes.
   */
  async getRange(key: string, dataKey: DataKey, startByte: number, endByteExclusive: number): Promise<Buffer> {
    assertValidByteRange(startByte, endByteExclusive);
    const guess = guessSealedRange(this.#chunkSizeBytes, startByte, endByteExclusive);
    const [headerBytes, guessedBytes] = await Promise.all([
      this.#inner.getRange(key, 0, SEALED_HEADER_BYTES),
      this.#inner.getRange(key, guess.startByte, guess.endByteExclusive),
    ]);
    const header = parseHeader(headerBytes, key);
    const range = sealedRangeFor(header, startByte, endByteExclusive, await this.#plaintextLength(key, header));
    const isCovered = range.sealedStart >= guess.startByte && range.sealedEndExclusive <= guess.startByte + guessedBytes.length;
    const sealed = isCovered
      ? guessedBytes.subarray(range.sealedStart - guess.startByte, range.sealedEndExclusive - guess.startByte)
      : await this.#inner.getRange(key, range.sealedStart, range.sealedEndExclusive);
    return openChunks(dataKey, header, range, sealed, key);
  }

  /** Yields verified plaintext chunk by chunk; a failure after the first chunk surfaces as a throw mid-stream. */
  async stream(key: string, dataKey: DataKey, range?: ByteRange): Promise<AsyncIterable<Buffer>> {
    if (range === undefined) return openStream(dataKey, await this.#inner.stream(key), key);
    assertValidByteRange(range.startByte, range.endByteExclusive);
    const located = await this.#locate(key, range.startByte, range.endByteExclusive);
    const sealed = await this.#inner.stream(key, {
      startByte: located.range.sealedStart,
      endByteExclusive: located.range.sealedEndExclusive,
    });
    return openChunkStream(dataKey, located.header, located.range, sealed, key);
  }

  /** The plaintext size, from the header (not authenticated: reads are). */
  async head(key: string): Promise<{ sizeBytes: number } | undefined> {
    try {
      const header = await this.#readHeader(key);
      return { sizeBytes: await this.#plaintextLength(key, header) };
    } catch (error) {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    }
  }

  list(prefix: string): AsyncIterable<string> {
    return this.#inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }

  async #locate(key: string, startByte: number, endByteExclusive: number): Promise<{ header: SealedHeader; range: SealedRange }> {
    const header = await this.#readHeader(key);
    const lengthBytes = await this.#plaintextLength(key, header);
    return { header, range: sealedRangeFor(header, startByte, endByteExclusive, lengthBytes) };
  }

  async #readHeader(key: string): Promise<SealedHeader> {
    return parseHeader(await this.#inner.getRange(key, 0, SEALED_HEADER_BYTES), key);
  }

  /** Blobs sealed from a stream record no length: derive it from the sealed size (one extra head). */
  async #plaintextLength(key: string, header: SealedHeader): Promise<number> {
    if (header.recordedPlaintextLengthBytes !== undefined) return header.recordedPlaintextLengthBytes;
    const sealed = await this.#inner.head(key);
    if (sealed === undefined) throw new BlobNotFoundError(key);
    return plaintextLength(header, sealed.sizeBytes, key);
  }
}

/** The sealed bytes of the chunks covering a plaintext range, if the blob uses `chunkSizeBytes` (inner stores clamp the end). */
function guessSealedRange(chunkSizeBytes: number, startByte: number, endByteExclusive: number): ByteRange {
  const fullChunkBytes = chunkSizeBytes + SEALED_TAG_BYTES;
  const firstChunk = Math.floor(startByte / chunkSizeBytes);
  const lastChunk = Math.max(firstChunk, Math.floor((endByteExclusive - 1) / chunkSizeBytes));
  return {
    startByte: Math.min(SEALED_HEADER_BYTES + firstChunk * fullChunkBytes, Number.MAX_SAFE_INTEGER),
    endByteExclusive: Math.min(SEALED_HEADER_BYTES + (lastChunk + 1) * fullChunkBytes, Number.MAX_SAFE_INTEGER),
  };
}
