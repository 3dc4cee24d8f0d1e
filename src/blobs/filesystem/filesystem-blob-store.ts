// FilesystemBlobStore: blobs as files under one root directory (embedded mode).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { assertValidBlobKey, assertValidBlobKeyPrefix } from '../blob-keys.js';
import { BlobNotFoundError, assertValidByteRange, type BlobStore, type ByteRange } from '../blob-store.js';

// "~" cannot appear in a key, so temp files can never collide with or be listed as blobs.
const TEMP_PREFIX = '~tmp-';
const STREAM_READ_BYTES = 256 * 1024;
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const VALID_NAME = /^[A-Za-z0-9._=-]+$/;
const PUT_ATTEMPTS = 5;

export class FilesystemBlobStore implements BlobStore {
  readonly #root: string;

  /** @param rootDir the directory holding the blobs (created on first put). */
  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
  }

  async put(key: string, body: Buffer | AsyncIterable<Uint8Array>): Promise<{ sizeBytes: number }> {
    const path = this.#pathOf(key);
    const dir = dirname(path);
    const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const handle = await this.#createTempFile(dir, tempPath);
    let sizeBytes = 0;
    try {
      if (body instanceof Uint8Array) {
        sizeBytes = await writeAll(handle, body);
      } else {
        for await (const piece of body) sizeBytes += await writeAll(handle, piece);
      }
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    try {
      await rename(tempPath, path);
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    await fsyncDirectory(dir);
    return { sizeBytes };
  }

  async get(key: string): Promise<Buffer> {
    const path = this.#pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      throw translate(error, key);
    }
  }

  async getRange(key: string, startByte: number, endByteExclusive: number): Promise<Buffer> {
    const path = this.#pathOf(key);
    assertValidByteRange(startByte, endByteExclusive);
    const handle = await openForRead(path, key);
    try {
      const { size } = await handle.stat();
      const end = Math.min(endByteExclusive, size);
      if (startByte >= end) return Buffer.alloc(0);
      const target = Buffer.allocUnsafe(end - startByte);
      const bytesRead = await readFully(handle, target, startByte);
      return bytesRead === target.length ? target : target.subarray(0, bytesRead); // file shrank: impossible for atomic puts
    } finally {
      await handle.close();
    }
  }

  async stream(key: string, range?: ByteRange): Promise<AsyncIterable<Buffer>> {
    const path = this.#pathOf(key);
    if (range !== undefined) assertValidByteRange(range.startByte, range.endByteExclusive);
    // Fail fast if absent; the file is opened lazily so an unconsumed stream holds no descriptor.
    await this.#statBlob(path, key);
    return readFileRange(path, key, range);
  }

  async head(key: string): Promise<{ sizeBytes: number } | undefined> {
    const path = this.#pathOf(key);
    try {
      return { sizeBytes: (await this.#statBlob(path, key)).size };
    } catch (error) {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidBlobKeyPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1); // whole segments, "" or ending with "/"
    yield* this.#walk(dirKey, prefix.slice(slash + 1));
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      if (code === 'EISDIR' || code === 'EPERM') return; // a directory is not a blob
      throw error;
    }
    await this.#pruneEmptyDirectories(dirname(path));
  }

  /** Keys under dirKey whose next segment starts with namePrefix, in byte order of the full key. */
  async *#walk(dirKey: string, namePrefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(join(this.#root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (NOT_FOUND_CODES.has(errorCode(error) ?? '')) return;
      throw error;
    }
    // Sorting directories as "name/" puts their keys exactly where they belong among siblings.
    const names = entries
      .filter((entry) => entry.name.startsWith(namePrefix) && VALID_NAME.test(entry.name))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (name.endsWith('/')) yield* this.#walk(dirKey + name, '');
      else yield dirKey + name;
    }
  }

  #pathOf(key: string): string {
    assertValidBlobKey(key);
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep)) throw new Error(`blob key ${key} escapes the store root`); // defence in depth
    return path;
  }

  async #statBlob(path: string, key: string) {
    let stats;
    try {
      stats = await stat(path);
    } catch (error) {
      throw translate(error, key);
    }
    if (!stats.isFile()) throw new BlobNotFoundError(key);
    return stats;
  }

  async #createTempFile(dir: string, tempPath: string): Promise<FileHandle> {
    // A concurrent delete may prune the directory between mkdir and open: retry.
    for (let attempt = 1; ; attempt++) {
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined) await this.#fsyncNewDirectories(created, dir);
      try {
        return await open(tempPath, 'wx', 0o600);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt >= PUT_ATTEMPTS) throw error;
      }
    }
  }

  /** Makes new directory entries durable: fsync every directory from the parent of `firstCreated` down to `dir`'s parent. */
  async #fsyncNewDirectories(firstCreated: string, dir: string): Promise<void> {
    const stop = dirname(firstCreated);
    for (let parent = dirname(dir); ; parent = dirname(parent)) {
      await fsyncDirectory(parent);
      if (parent === stop || parent === dirname(parent)) break;
    }
  }

  async #pruneEmptyDirectories(dir: string): Promise<void> {
    while (dir.startsWith(this.#root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop
      }
      dir = dirname(dir);
    }
  }
}

async function* readFileRange(path: string, key: string, range: ByteRange | undefined): AsyncIterable<Buffer> {
  const handle = await openForRead(path, key);
  try {
    const { size } = await handle.stat();
    let position = Math.min(range?.startByte ?? 0, size);
    const end = Math.min(range?.endByteExclusive ?? size, size);
    while (position < end) {
      const target = Buffer.allocUnsafe(Math.min(STREAM_READ_BYTES, end - position));
      const bytesRead = await readFully(handle, target, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === target.length ? target : target.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function openForRead(path: string, key: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw translate(error, key);
  }
}

/** Positioned reads until target is full or the file ends. */
async function readFully(handle: FileHandle, target: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await handle.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<number> {
  let written = 0;
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written);
    written += bytesWritten;
  }
  return written;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function translate(error: unknown, key: string): unknown {
  return NOT_FOUND_CODES.has(errorCode(error) ?? '') ? new BlobNotFoundError(key, { cause: error }) : error;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
