// The BlobStore port: byte-level, key-addressed storage that every blob adapter implements.

export interface ByteRange {
  readonly startByte: number;
  readonly endByteExclusive: number;
}

/**
 * Keys are validated with assertValidBlobKey (blob-keys.ts); invalid keys reject with InvalidBlobKeyError.
 * Ranges: integers with 0 <= startByte <= endByteExclusive (else RangeError); the end is clamped
 * to the blob size, so a range starting at or past the end yields no bytes.
 */
export interface BlobStore {
  /** Atomic: readers see the whole body or nothing; an overwrite replaces the old body atomically. */
  put(key: string, body: Buffer | AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }>;
  /** BlobNotFoundError if absent. */
  get(key: string): Promise<Buffer>;
  /** BlobNotFoundError if absent. */
  getRange(key: string, startByte: number, endByteExclusive: number): Promise<Buffer>;
  /** Rejects with BlobNotFoundError if absent (before any byte is yielded). */
  stream(key: string, range?: ByteRange): Promise<AsyncIterable<Buffer>>;
  head(key: string): Promise<{ sizeBytes: number } | undefined>;
  /** Every key starting with `prefix` (a plain string prefix, as in S3), at any depth, in ascending byte order. */
  list(prefix: string): AsyncIterable<string>;
  /** Idempotent: deleting an absent key succeeds. */
  delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`blob not found: ${key}`, options);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

export function assertValidByteRange(startByte: number, endByteExclusive: number): void {
  if (
    !Number.isSafeInteger(startByte) ||
    !Number.isSafeInteger(endByteExclusive) ||
    startByte < 0 ||
    endByteExclusive < startByte
  ) {
    throw new RangeError(`invalid byte range [${startByte}, ${endByteExclusive})`);
  }
}
