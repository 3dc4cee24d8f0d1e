// Public API of blobs/: the BlobStore port, the key scheme and sealed (encrypted) storage.
// Adapters (filesystem/, s3/) are not exported here: only the composition root imports them.
export { BlobNotFoundError, assertValidByteRange, type BlobStore, type ByteRange } from './blob-store.js';
export {
  BLOB_KEY_MAX_LENGTH,
  InvalidBlobKeyError,
  assertValidBlobKey,
  assertValidBlobKeyPrefix,
  datastoreBlobPrefix,
  frameBlobKey,
  jobReportBlobKey,
  metadataBlobKey,
  pixelDataBlobKey,
} from './blob-keys.js';
export { SealedBlobStore, type SealedBlobStoreOptions } from './sealed-blob-store.js';
export { BlobIntegrityError } from '../keys/index.js';
