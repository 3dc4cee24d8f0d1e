// The TSB1 sealed blob format: chunked AES-256-GCM whose header, chunk order and end are authenticated.
import { BlobIntegrityError } from './blob-integrity-error.js';
import { ChunkCipher } from './chunk-cipher.js';
import { ChunkReader } from './chunk-reader.js';
import type { DataKey } from './data-key.js';
import {
  DEFAULT_CHUNK_SIZE_BYTES,
  MAX_CHUNK_COUNT,
  SEALED_HEADER_BYTES,
  SEALED_TAG_BYTES,
  assertValidChunkSize,
  chunkCountFor,
  parseHeader,
  plaintextLength,
  sealedRangeFor,
  sealedSize,
  writeHeader,
  type SealedHeader,
  type SealedRange,
} from './sealed-header.js';

export { BlobIntegrityError } from './blob-integrity-error.js';
export {
  DEFAULT_CHUNK_SIZE_BYTES,
  SEALED_HEADER_BYTES,
  SEALED_MAGIC,
  SEALED_TAG_BYTES,
  assertValidChunkSize,
  parseHeader,
  plaintextLength,
  sealedRangeFor,
  sealedSize,
  type SealedHeader,
  type SealedRange,
} from './sealed-header.js';

export interface SealOptions {
  /** Plaintext bytes per chunk (default 64 KiB); recorded in the header. */
  readonly chunkSizeBytes?: number;
}

/** Seals a whole buffer; the header records the plaintext length. `context` (the blob key) is bound as AAD. */
export function sealBuffer(dataKey: DataKey, plaintext: Uint8Array, context: string, options?: SealOptions): Buffer {
  const chunkSizeBytes = options?.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES;
  assertValidChunkSize(chunkSizeBytes);
  const lengthBytes = plaintext.byteLength;
  const chunkCount = chunkCountFor(lengthBytes, chunkSizeBytes);
  if (chunkCount > MAX_CHUNK_COUNT) throw new RangeError(`plaintext too large for chunk size ${chunkSizeBytes}`);
  const sealed = Buffer.allocUnsafe(sealedSize(lengthBytes, chunkSizeBytes));
  writeHeader(sealed, chunkSizeBytes, lengthBytes);
  const cipher = new ChunkCipher(dataKey, sealed, context);
  let offset = SEALED_HEADER_BYTES;
  for (let index = 0; index < chunkCount; index++) {
    const start = index * chunkSizeBytes;
    const chunk = plaintext.subarray(start, Math.min(lengthBytes, start + chunkSizeBytes));
    offset += cipher.seal(index, index === chunkCount - 1, chunk, sealed, offset);
  }
  return sealed;
}

/**
 * Seals a stream with bounded memory (one chunk): yields the header, then one buffer per chunk.
 * The header records no length (unknown up front); the final-chunk flag still authenticates the end.
 * The source must not reuse a buffer after yielding it (Node streams never do).
 */
export async function* sealStream(
  dataKey: DataKey,
  source: AsyncIterable<Uint8Array>,
  context: string,
  options?: SealOptions,
): AsyncIterable<Buffer> {
  const chunkSizeBytes = options?.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES;
  assertValidChunkSize(chunkSizeBytes);
  const header = Buffer.allocUnsafe(SEALED_HEADER_BYTES);
  writeHeader(header, chunkSizeBytes, undefined);
  const cipher = new ChunkCipher(dataKey, header, context);
  const reader = new ChunkReader(source);
  try {
    yield header;
    for (let index = 0; ; index++) {
      if (index >= MAX_CHUNK_COUNT) throw new RangeError(`stream too large for chunk size ${chunkSizeBytes}`);
      const chunk = await reader.read(chunkSizeBytes);
      // A full chunk is final only if nothing follows it (look ahead one piece).
      const isFinal = chunk.byteLength < chunkSizeBytes || (await reader.isAtEnd());
      const sealedChunk = Buffer.allocUnsafe(chunk.byteLength + SEALED_TAG_BYTES);
      cipher.seal(index, isFinal, chunk, sealedChunk, 0);
      yield sealedChunk;
      if (isFinal) return;
    }
  } finally {
    await reader.close();
  }
}

/** Opens a whole sealed blob, checking its size against its layout. */
export function openBuffer(dataKey: DataKey, sealed: Uint8Array, context: string): Buffer {
  const header = parseHeader(sealed, context);
  const lengthBytes = plaintextLength(header, sealed.byteLength, context);
  const range = sealedRangeFor(header, 0, lengthBytes, lengthBytes);
  return openChunks(dataKey, header, range, sealed.subarray(range.sealedStart, range.sealedEndExclusive), context);
}

/**
 * Opens the chunks of `range` (sealedBytes = sealed blob bytes [range.sealedStart, range.sealedEndExclusive))
 * and returns exactly the plaintext [range.plainStart, range.plainEndExclusive).
 */
export function openChunks(
  dataKey: DataKey,
  header: SealedHeader,
  range: SealedRange,
  sealedBytes: Uint8Array,
  context: string,
): Buffer {
  const expectedBytes = range.sealedEndExclusive - range.sealedStart;
  if (sealedBytes.byteLength !== expectedBytes) {
    throw new BlobIntegrityError(
      `expected ${expectedBytes} sealed bytes for chunks ${range.firstChunkIndex}..${lastChunkIndex(range)}, got ${sealedBytes.byteLength} (truncated)`,
      context,
    );
  }
  const cipher = new ChunkCipher(dataKey, header.bytes, context);
  const out = range.chunkCount === 1 ? undefined : Buffer.allocUnsafe(range.plainEndExclusive - range.plainStart);
  let offset = 0;
  let written = 0;
  for (let index = range.firstChunkIndex; index <= lastChunkIndex(range); index++) {
    const sealedChunkBytes = chunkPlainBytes(range, index) + SEALED_TAG_BYTES;
    const plaintext = cipher.open(index, index === range.totalChunkCount - 1, sealedBytes.subarray(offset, offset + sealedChunkBytes));
    offset += sealedChunkBytes;
    const from = sliceStart(range, index);
    const to = sliceEnd(range, index, from);
    if (out === undefined) return from === 0 && to === plaintext.length ? plaintext : plaintext.subarray(from, to);
    written += plaintext.copy(out, written, from, to);
  }
  return out!;
}

/** Opens a whole sealed blob from a stream: yields each chunk's plaintext once its tag verifies. */
export async function* openStream(
  dataKey: DataKey,
  source: AsyncIterable<Uint8Array>,
  context: string,
): AsyncIterable<Buffer> {
  const reader = new ChunkReader(source);
  try {
    const header = parseHeader(await reader.read(SEALED_HEADER_BYTES), context);
    const fullChunkBytes = header.chunkSizeBytes + SEALED_TAG_BYTES;
    const cipher = new ChunkCipher(dataKey, header.bytes, context);
    let plaintextBytes = 0;
    for (let index = 0; ; index++) {
      if (index >= MAX_CHUNK_COUNT) throw new BlobIntegrityError('too many chunks', context);
      const sealedChunk = await reader.read(fullChunkBytes);
      // A full chunk is final only if nothing follows it (look ahead one piece).
      const isFinal = sealedChunk.byteLength < fullChunkBytes || (await reader.isAtEnd());
      const plaintext = cipher.open(index, isFinal, sealedChunk);
      plaintextBytes += plaintext.length;
      if (isFinal) {
        const recorded = header.recordedPlaintextLengthBytes;
        if (recorded !== undefined && recorded !== plaintextBytes) {
          throw new BlobIntegrityError(`holds ${plaintextBytes} bytes, header records ${recorded}`, context);
        }
      }
      if (plaintext.length > 0) yield plaintext;
      if (isFinal) return;
    }
  } finally {
    await reader.close();
  }
}

/** Opens the chunks of `range` from a stream of exactly those sealed bytes, yielding the requested plaintext. */
export async function* openChunkStream(
  dataKey: DataKey,
  header: SealedHeader,
  range: SealedRange,
  source: AsyncIterable<Uint8Array>,
  context: string,
): AsyncIterable<Buffer> {
  const cipher = new ChunkCipher(dataKey, header.bytes, context);
  const reader = new ChunkReader(source);
  try {
    for (let index = range.firstChunkIndex; index <= lastChunkIndex(range); index++) {
      const sealedChunkBytes = chunkPlainBytes(range, index) + SEALED_TAG_BYTES;
      const sealedChunk = await reader.read(sealedChunkBytes);
      if (sealedChunk.byteLength !== sealedChunkBytes) {
        throw new BlobIntegrityError(`chunk ${index} is truncated`, context);
      }
      const plaintext = cipher.open(index, index === range.totalChunkCount - 1, sealedChunk);
      const from = sliceStart(range, index);
      const to = sliceEnd(range, index, from);
      if (to > from) yield from === 0 && to === plaintext.length ? plaintext : plaintext.subarray(from, to);
    }
    if (!(await reader.isAtEnd())) throw new BlobIntegrityError('unexpected bytes after the last chunk', context);
  } finally {
    await reader.close();
  }
}

function lastChunkIndex(range: SealedRange): number {
  return range.firstChunkIndex + range.chunkCount - 1;
}

function chunkPlainBytes(range: SealedRange, index: number): number {
  return Math.min(range.chunkSizeBytes, range.plaintextLengthBytes - index * range.chunkSizeBytes);
}

/** Where the range starts inside chunk `index`'s plaintext. */
function sliceStart(range: SealedRange, index: number): number {
  return Math.max(range.plainStart - index * range.chunkSizeBytes, 0);
}

/** Where the range ends inside chunk `index`'s plaintext (never before `from`). */
function sliceEnd(range: SealedRange, index: number, from: number): number {
  const end = Math.min(range.plainEndExclusive - index * range.chunkSizeBytes, chunkPlainBytes(range, index));
  return Math.max(from, end);
}
