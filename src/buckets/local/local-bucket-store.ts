// LocalBucketStore: each bucket is a folder <root>/<bucket>/ and keys are paths below it; nothing outside is reachable.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, opendir, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { BucketAccessError, type BucketObject, type BucketStore, type ObjectReader } from '../bucket-store.js';

const BUCKET_NAME = /^[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9]$/;

export class LocalBucketStore implements BucketStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async checkBucket(bucket: string): Promise<void> {
    const dir = this.bucketDir(bucket);
    const stats = await lstat(dir).catch(() => undefined);
    if (stats === undefined || !stats.isDirectory()) throw new BucketAccessError(`Bucket ${bucket} does not exist`);
  }

  async *listObjects(bucket: string, prefix: string): AsyncIterable<BucketObject> {
    await this.checkBucket(bucket);
    const dir = this.bucketDir(bucket);
    // Only descend into folders that can hold keys with this prefix.
    const slash = prefix.lastIndexOf('/');
    const start = slash < 0 ? '' : prefix.slice(0, slash);
    const startDir = start === '' ? dir : this.pathOf(bucket, start);
    const found: BucketObject[] = [];
    await walk(startDir, start, found, prefix);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async openObject(bucket: string, key: string): Promise<ObjectReader> {
    const path = this.pathOf(bucket, key);
    // A symlink could point anywhere: refuse any object whose real path leaves the bucket.
    const real = await realpath(path).catch(() => {
      throw new BucketAccessError(`Object ${key} does not exist in bucket ${bucket}`);
    });
    const realBucket = await realpath(this.bucketDir(bucket));
    if (!real.startsWith(realBucket + sep)) throw new BucketAccessError(`Object ${key} is outside bucket ${bucket}`);
    const file = await open(real, 'r');
    const { size } = await file.stat();
    return {
      sizeBytes: size,
      async read(offset: number, length: number) {
        const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
        let done = 0;
        while (done < buffer.length) {
          const { bytesRead } = await file.read(buffer, done, buffer.length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === buffer.length ? buffer : buffer.subarray(0, done);
      },
      close: () => file.close(),
    };
  }

  async putObject(bucket: string, key: string, body: Buffer, _contentType?: string): Promise<void> {
    const path = this.pathOf(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tessera-tmp`;
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  private bucketDir(bucket: string): string {
    if (!BUCKET_NAME.test(bucket)) throw new BucketAccessError(`Invalid bucket name ${bucket}`);
    return join(this.root, bucket);
  }

  /** The file of a key: '/'-separated, no empty, '.' or '..' segments, never absolute. */
  private pathOf(bucket: string, key: string): string {
    const segments = key.split('/');
    if (key.startsWith('/') || key.includes('\\') || key.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new BucketAccessError(`Object key ${JSON.stringify(key)} cannot be used in a local bucket`);
    }
    const dir = this.bucketDir(bucket);
    const path = resolve(dir, ...segments);
    if (!path.startsWith(dir + sep)) throw new BucketAccessError(`Object key ${JSON.stringify(key)} is outside bucket ${bucket}`);
    return path;
  }
}

async function walk(dir: string, keyPrefix: string, found: BucketObject[], wantedPrefix: string): Promise<void> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return; // a prefix that names no folder simply has no objects
  }
  for await (const entry of handle) {
    const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
    if (entry.name.endsWith('.tessera-tmp')) continue; // an unfinished write
    if (entry.isDirectory()) {
      if (wantedPrefix.startsWith(`${key}/`) || `${key}/`.startsWith(wantedPrefix)) await walk(join(dir, entry.name), key, found, wantedPrefix);
    } else if (entry.isFile() && key.startsWith(wantedPrefix)) {
      const { size } = await lstat(join(dir, entry.name));
      found.push({ key, sizeBytes: size });
    }
    // Symlinks and other special files are not objects.
  }
}
