// S3BucketStore: buckets of a real S3-compatible service, through @aws-sdk/client-s3.
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BucketAccessError, type BucketObject, type BucketStore, type ObjectReader } from '../bucket-store.js';

export interface S3BucketStoreOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
}

export class S3BucketStore implements BucketStore {
  private readonly s3: S3Client;

  constructor(options: S3BucketStoreOptions) {
    this.s3 = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    });
  }

  async checkBucket(bucket: string, expectedOwnerAccountId?: string): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: bucket, ...(expectedOwnerAccountId ? { ExpectedBucketOwner: expectedOwnerAccountId } : {}) }));
    } catch (error) {
      throw new BucketAccessError(`Bucket ${bucket} cannot be accessed`, { cause: error });
    }
  }

  async *listObjects(bucket: string, prefix: string): AsyncIterable<BucketObject> {
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }));
      } catch (error) {
        throw new BucketAccessError(`Bucket ${bucket} cannot be listed`, { cause: error });
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/')) continue;
        yield { key: object.Key, sizeBytes: object.Size ?? 0 };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async openObject(bucket: string, key: string): Promise<ObjectReader> {
    let sizeBytes: number;
    try {
      sizeBytes = (await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? 0;
    } catch (error) {
      throw new BucketAccessError(`Object ${key} cannot be read from bucket ${bucket}`, { cause: error });
    }
    const s3 = this.s3;
    return {
      sizeBytes,
      async read(offset: number, length: number) {
        const end = Math.min(sizeBytes, offset + length) - 1;
        if (end < offset) return Buffer.alloc(0);
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-${end}` }));
        return Buffer.from(await response.Body!.transformToByteArray());
      },
      close: async () => {},
    };
  }

  async putObject(bucket: string, key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw new BucketAccessError(`Object ${key} cannot be written to bucket ${bucket}`, { cause: error });
    }
  }
}
