// Public API of keys/: the master key, the key ring and the TSB1 sealed blob format.
export { loadOrCreateMasterKey, MasterKeyError, MASTER_KEY_BYTES, MASTER_KEY_FILE_NAME } from './master-key.js';
export { KeyRing, KeyRingIntegrityError, WRAPPED_DATA_KEY_BYTES } from './key-ring.js';
export { DataKey, DATA_KEY_BYTES } from './data-key.js';
export {
  BlobIntegrityError,
  DEFAULT_CHUNK_SIZE_BYTES,
  SEALED_HEADER_BYTES,
  SEALED_MAGIC,
  SEALED_TAG_BYTES,
  assertValidChunkSize,
  openBuffer,
  openChunks,
  openChunkStream,
  openStream,
  parseHeader,
  plaintextLength,
  sealBuffer,
  sealStream,
  sealedRangeFor,
  sealedSize,
  type SealOptions,
  type SealedHeader,
  type SealedRange,
} from './sealed-format.js';
