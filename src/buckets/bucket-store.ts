// The BucketStore port: the S3-style buckets import jobs read DICOM files from and write reports to.

export interface BucketObject {
  readonly key: string;
  readonly sizeBytes: number;
}

/** Random access to one object, so large files are read in pieces. */
export interface ObjectReader {
  readonly sizeBytes: number;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface BucketStore {
  /** Fails with BucketAccessError when the bucket does not exist or cannot be used (or belongs to another owner). */
  checkBucket(bucket: string, expectedOwnerAccountId?: string): Promise<void>;
  /** Every object under the prefix, at any depth, in key order; "folder" placeholders (keys ending in '/') are skipped. */
  listObjects(bucket: string, prefix: string): AsyncIterable<BucketObject>;
  openObject(bucket: string, key: string): Promise<ObjectReader>;
  /** Atomic: readers see the whole object or the previous one. */
  putObject(bucket: string, key: string, body: Buffer, contentType: string): Promise<void>;
}

/** The bucket or object cannot be reached: missing, forbidden, or outside what a key may address. */
export class BucketAccessError extends Error {}

/** Splits s3://bucket/prefix into its parts (the S3Uri pattern was checked at the edge). */
export function parseS3Uri(uri: string): { readonly bucket: string; readonly prefix: string } {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { bucket: rest, prefix: '' } : { bucket: rest.slice(0, slash), prefix: rest.slice(slash + 1) };
}
