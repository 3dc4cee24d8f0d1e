// The blob key scheme: the only place blob keys are built and validated (contract: docs/storage-layout.md).
import { createHash } from 'node:crypto';

export const BLOB_KEY_MAX_LENGTH = 1024;
export const BLOB_KEY_SEGMENT_MAX_LENGTH = 255; // the usual file-name limit, so every adapter can hold every key

// A segment: 1..255 of [A-Za-z0-9._=-], but not "." or "..".
const SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9._=-]{1,255}`;
const KEY_PATTERN = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`);
const SEGMENT_PATTERN = new RegExp(`^${SEGMENT}$`);
// A list prefix: whole segments each followed by "/", then an optional partial segment.
const PREFIX_PATTERN = new RegExp(`^(?:${SEGMENT}/)*[A-Za-z0-9._=-]{0,255}$`);

export class InvalidBlobKeyError extends Error {
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`invalid blob key ${JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}...` : key)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
    this.key = key;
  }
}

/** Relative, "/"-separated segments of [A-Za-z0-9._=-]; no empty, "." or ".." segment; at most 1024 characters. */
export function assertValidBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(String(key), 'empty');
  if (key.length > BLOB_KEY_MAX_LENGTH) throw new InvalidBlobKeyError(key, `longer than ${BLOB_KEY_MAX_LENGTH}`);
  if (!KEY_PATTERN.test(key)) {
    throw new InvalidBlobKeyError(key, 'expected "/"-separated segments of [A-Za-z0-9._=-], none empty, "." or ".."');
  }
}

/** A list prefix: "" (everything), whole segments ending with "/", optionally followed by a partial segment. */
export function assertValidBlobKeyPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidBlobKeyError(String(prefix), 'prefix is not a string');
  if (prefix.length > BLOB_KEY_MAX_LENGTH) throw new InvalidBlobKeyError(prefix, `longer than ${BLOB_KEY_MAX_LENGTH}`);
  if (!PREFIX_PATTERN.test(prefix)) throw new InvalidBlobKeyError(prefix, 'not a valid key prefix');
}

/** All blobs of one data store live under this prefix. */
export function datastoreBlobPrefix(datastoreId: string): string {
  return `datastores/${segment(datastoreId, 'datastoreId')}/`;
}

/** One image frame (HTJ2K or the stored transfer syntax); shared by every version and copy that references it. */
export function frameBlobKey(datastoreId: string, imageFrameId: string): string {
  return `${datastoreBlobPrefix(datastoreId)}frames/${shardOf(segment(imageFrameId, 'imageFrameId'))}/${imageFrameId}`;
}

/** The whole Pixel Data value of an instance that could not be stored as frames (behavior.md §7.1 warnings). */
export function pixelDataBlobKey(datastoreId: string, blobId: string): string {
  return `${datastoreBlobPrefix(datastoreId)}pixel-data/${shardOf(segment(blobId, 'blobId'))}/${blobId}`;
}

/** The metadata document (gzip JSON) of one image set version. */
export function metadataBlobKey(datastoreId: string, imageSetId: string, versionId: string): string {
  const id = segment(imageSetId, 'imageSetId');
  return `${datastoreBlobPrefix(datastoreId)}image-sets/${shardOf(id)}/${id}/versions/${segment(versionId, 'versionId')}/metadata.json.gz`;
}

/** A report of one import job; `name` may have several segments (e.g. "SUCCESS/success.ndjson"). */
export function jobReportBlobKey(datastoreId: string, jobId: string, name: string): string {
  const key = `${datastoreBlobPrefix(datastoreId)}import-jobs/${segment(jobId, 'jobId')}/${name}`;
  assertValidBlobKey(key);
  return key;
}

function segment(value: string, what: string): string {
  if (typeof value !== 'string' || !SEGMENT_PATTERN.test(value)) {
    throw new InvalidBlobKeyError(String(value), `${what} must be one segment of [A-Za-z0-9._=-]`);
  }
  return value;
}

/** Two directory levels of 256 from SHA-256 of the id: spreads ids evenly whatever their shape. */
function shardOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 2)}/${hex.slice(2, 4)}`;
}
