// The TSB1 header and the chunk layout arithmetic of the sealed blob format (see docs/storage-layout.md).
import { randomFillSync } from 'node:crypto';
import { BlobIntegrityError } from './blob-integrity-error.js';

export const SEALED_MAGIC = 'TSB1';
export const SEALED_FORMAT_VERSION = 1;
export const SEALED_HEADER_BYTES = 44;
export const SEALED_TAG_BYTES = 16;
export const DEFAULT_CHUNK_SIZE_BYTES = 64 * 1024;
export const MAX_CHUNK_SIZE_BYTES = 16 * 1024 * 1024;
/** The chunk index is a 32-bit counter in the nonce. */
export const MAX_CHUNK_COUNT = 2 ** 32;

// Byte offsets inside the header.
const MAGIC_AT = 0;
const VERSION_AT = 4;
const RESERVED_AT = 5; // 3 bytes, zero
const CHUNK_SIZE_AT = 8; // uint32 BE
const LENGTH_AT = 12; // uint64 BE
export const KEY_SALT_AT = 20; // 16 bytes
export const KEY_SALT_BYTES = 16;
export const NONCE_PREFIX_AT = 36; // 8 bytes
export const NONCE_PREFIX_BYTES = 8;
/** Written by the streaming sealer, which cannot know the length up front. */
const UNRECORDED_LENGTH = 0xffff_ffff_ffff_ffffn;
const MAGIC_BYTES = Buffer.from(SEALED_MAGIC, 'latin1');

export interface SealedHeader {
  readonly version: number;
  readonly chunkSizeBytes: number;
  /** undefined when sealed from a stream: derive it from the sealed size with plaintextLength(). */
  readonly recordedPlaintextLengthBytes: number | undefined;
  /** The raw header (a copy): authenticated as part of every chunk's AAD. */
  readonly bytes: Buffer;
}

/** Which sealed bytes [sealedStart, sealedEndExclusive) hold plaintext [plainStart, plainEndExclusive). */
export interface SealedRange {
  readonly plainStart: number;
  readonly plainEndExclusive: number;
  readonly firstChunkIndex: number;
  /** Always >= 1: an empty range still verifies the final chunk, which authenticates the length. */
  readonly chunkCount: number;
  readonly totalChunkCount: number;
  readonly chunkSizeBytes: number;
  readonly plaintextLengthBytes: number;
  readonly sealedStart: number;
  readonly sealedEndExclusive: number;
}

export function assertValidChunkSize(chunkSizeBytes: number): void {
  if (!Number.isInteger(chunkSizeBytes) || chunkSizeBytes < 1 || chunkSizeBytes > MAX_CHUNK_SIZE_BYTES) {
    throw new RangeError(`chunk size must be an integer in [1, ${MAX_CHUNK_SIZE_BYTES}], got ${chunkSizeBytes}`);
  }
}

/** Writes a fresh header (random key salt and nonce prefix) into target[0..44). */
export function writeHeader(target: Buffer, chunkSizeBytes: number, plaintextLengthBytes: number | undefined): void {
  MAGIC_BYTES.copy(target, MAGIC_AT);
  target[VERSION_AT] = SEALED_FORMAT_VERSION;
  target.fill(0, RESERVED_AT, CHUNK_SIZE_AT);
  target.writeUInt32BE(chunkSizeBytes, CHUNK_SIZE_AT);
  target.writeBigUInt64BE(
    plaintextLengthBytes === undefined ? UNRECORDED_LENGTH : BigInt(plaintextLengthBytes),
    LENGTH_AT,
  );
  randomFillSync(target, KEY_SALT_AT, KEY_SALT_BYTES + NONCE_PREFIX_BYTES);
}

export function parseHeader(bytes: Uint8Array, context?: string): SealedHeader {
  if (bytes.byteLength < SEALED_HEADER_BYTES) {
    throw new BlobIntegrityError(`header is truncated (${bytes.byteLength} of ${SEALED_HEADER_BYTES} bytes)`, context);
  }
  const header = Buffer.from(bytes.subarray(0, SEALED_HEADER_BYTES)); // copy: do not pin the caller's buffer
  if (!header.subarray(MAGIC_AT, VERSION_AT).equals(MAGIC_BYTES)) {
    throw new BlobIntegrityError(`not a ${SEALED_MAGIC} sealed blob (bad magic)`, context);
  }
  const version = header[VERSION_AT]!;
  if (version !== SEALED_FORMAT_VERSION) {
    throw new BlobIntegrityError(`unsupported format version ${version}`, context);
  }
  if (header[RESERVED_AT] !== 0 || header[RESERVED_AT + 1] !== 0 || header[RESERVED_AT + 2] !== 0) {
    throw new BlobIntegrityError('reserved header bytes are not zero', context);
  }
  const chunkSizeBytes = header.readUInt32BE(CHUNK_SIZE_AT);
  if (chunkSizeBytes < 1 || chunkSizeBytes > MAX_CHUNK_SIZE_BYTES) {
    throw new BlobIntegrityError(`chunk size ${chunkSizeBytes} is out of range`, context);
  }
  const length = header.readBigUInt64BE(LENGTH_AT);
  let recordedPlaintextLengthBytes: number | undefined;
  if (length !== UNRECORDED_LENGTH) {
    if (length > BigInt(Number.MAX_SAFE_INTEGER) || chunkCountFor(Number(length), chunkSizeBytes) > MAX_CHUNK_COUNT) {
      throw new BlobIntegrityError(`plaintext length ${length} is out of range`, context);
    }
    recordedPlaintextLengthBytes = Number(length);
  }
  return { version, chunkSizeBytes, recordedPlaintextLengthBytes, bytes: header };
}

/** Chunks in a blob: ceil(length / chunkSize), but at least one (an empty blob has one empty final chunk). */
export function chunkCountFor(plaintextLengthBytes: number, chunkSizeBytes: number): number {
  return Math.max(1, Math.ceil(plaintextLengthBytes / chunkSizeBytes));
}

export function sealedSize(plaintextLengthBytes: number, chunkSizeBytes = DEFAULT_CHUNK_SIZE_BYTES): number {
  return SEALED_HEADER_BYTES + plaintextLengthBytes + SEALED_TAG_BYTES * chunkCountFor(plaintextLengthBytes, chunkSizeBytes);
}

/**
 * The plaintext length of a sealed blob. With the sealed size, it is derived from the layout and
 * checked against the recorded length (catches truncation and appended bytes); without it, the
 * recorded length is returned (a TypeError if the blob was sealed from a stream and has none).
 */
export function plaintextLength(header: SealedHeader, sealedSizeBytes?: number, context?: string): number {
  const recorded = header.recordedPlaintextLengthBytes;
  if (sealedSizeBytes === undefined) {
    if (recorded !== undefined) return recorded;
    throw new TypeError('this blob was sealed from a stream and records no plaintext length: pass its sealed size');
  }
  const derived = lengthFromSealedSize(sealedSizeBytes, header.chunkSizeBytes);
  if (derived === undefined) {
    throw new BlobIntegrityError(
      `sealed size ${sealedSizeBytes} is impossible for chunk size ${header.chunkSizeBytes} (truncated or extended)`,
      context,
    );
  }
  if (recorded !== undefined && recorded !== derived) {
    throw new BlobIntegrityError(
      `sealed size ${sealedSizeBytes} does not match the recorded plaintext length ${recorded} (truncated or extended)`,
      context,
    );
  }
  return derived;
}

function lengthFromSealedSize(sealedSizeBytes: number, chunkSizeBytes: number): number | undefined {
  const body = sealedSizeBytes - SEALED_HEADER_BYTES;
  if (!Number.isSafeInteger(sealedSizeBytes) || body < SEALED_TAG_BYTES) return undefined;
  const fullChunkBytes = chunkSizeBytes + SEALED_TAG_BYTES;
  const fullChunks = Math.floor(body / fullChunkBytes);
  const rest = body - fullChunks * fullChunkBytes;
  if (rest === 0) return fullChunks * chunkSizeBytes;
  // A partial last chunk holds at least one byte, unless it is the only chunk (empty blob).
  if (rest < SEALED_TAG_BYTES || (rest === SEALED_TAG_BYTES && fullChunks > 0)) return undefined;
  return fullChunks * chunkSizeBytes + rest - SEALED_TAG_BYTES;
}

/**
 * The sealed chunks covering plaintext [plainStart, plainEndExclusive), clamped to the length.
 * An empty (or out-of-bounds) request maps to the final chunk so that the length is still verified.
 */
export function sealedRangeFor(
  header: SealedHeader,
  plainStart: number,
  plainEndExclusive: number,
  plaintextLengthBytes: number = plaintextLength(header),
): SealedRange {
  if (!Number.isSafeInteger(plainStart) || !Number.isSafeInteger(plainEndExclusive) || plainStart < 0 || plainEndExclusive < plainStart) {
    throw new RangeError(`invalid byte range [${plainStart}, ${plainEndExclusive})`);
  }
  const chunkSizeBytes = header.chunkSizeBytes;
  const totalChunkCount = chunkCountFor(plaintextLengthBytes, chunkSizeBytes);
  let start = Math.min(plainStart, plaintextLengthBytes);
  const end = Math.min(plainEndExclusive, plaintextLengthBytes);
  if (start >= end) start = plaintextLengthBytes;
  const firstChunkIndex = start < end ? Math.floor(start / chunkSizeBytes) : totalChunkCount - 1;
  const lastChunkIndex = start < end ? Math.floor((end - 1) / chunkSizeBytes) : totalChunkCount - 1;
  const fullChunkBytes = chunkSizeBytes + SEALED_TAG_BYTES;
  const lastChunkPlainBytes = Math.min(chunkSizeBytes, plaintextLengthBytes - lastChunkIndex * chunkSizeBytes);
  return {
    plainStart: start,
    plainEndExclusive: start < end ? end : start,
    firstChunkIndex,
    chunkCount: lastChunkIndex - firstChunkIndex + 1,
    totalChunkCount,
    chunkSizeBytes,
    plaintextLengthBytes,
    sealedStart: SEALED_HEADER_BYTES + firstChunkIndex * fullChunkBytes,
    sealedEndExclusive: SEALED_HEADER_BYTES + lastChunkIndex * fullChunkBytes + lastChunkPlainBytes + SEALED_TAG_BYTES,
  };
}
