// The embedded-mode master key: 32 raw random bytes in <dataDir>/master.key (mode 0600).
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const MASTER_KEY_FILE_NAME = 'master.key';
export const MASTER_KEY_BYTES = 32;

/** The master key file exists but cannot be used. Never "fixed" automatically: data depends on it. */
export class MasterKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MasterKeyError';
  }
}

/**
 * Reads <dataDir>/master.key, or creates it if absent. Creation writes a temp file (0600),
 * fsyncs it, then publishes it with link() so that two processes racing on a fresh data dir
 * both end up with the same key (rename() would let the second silently replace the first).
 */
export async function loadOrCreateMasterKey(dataDir: string): Promise<Buffer> {
  const keyPath = join(dataDir, MASTER_KEY_FILE_NAME);
  const existing = await readMasterKey(keyPath);
  if (existing !== undefined) return existing;
  return createMasterKey(dataDir, keyPath);
}

async function readMasterKey(keyPath: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(keyPath, fsConstants.O_RDONLY); // symlinks allowed: secret mounts (e.g. Kubernetes) use them
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new MasterKeyError(`cannot open master key file ${keyPath}: ${String(error)}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new MasterKeyError(`master key path ${keyPath} is not a regular file; refusing to start`);
    }
    if (stats.size !== MASTER_KEY_BYTES) {
      throw new MasterKeyError(
        `master key file ${keyPath} is ${stats.size} bytes; it must be exactly ${MASTER_KEY_BYTES} raw bytes. ` +
          'Refusing to start: restore the original file (stored data cannot be decrypted without it).',
      );
    }
    const key = Buffer.alloc(MASTER_KEY_BYTES);
    const { bytesRead } = await handle.read(key, 0, MASTER_KEY_BYTES, 0);
    if (bytesRead !== MASTER_KEY_BYTES) {
      throw new MasterKeyError(`master key file ${keyPath} changed while being read; refusing to start`);
    }
    return key;
  } finally {
    await handle.close();
  }
}

async function createMasterKey(dataDir: string, keyPath: string): Promise<Buffer> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(MASTER_KEY_BYTES);
  const tempPath = join(dataDir, `.${MASTER_KEY_FILE_NAME}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(tempPath, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask can only remove bits; make the mode exact anyway
    await handle.writeFile(key);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  await handle.close();

  try {
    await publishWithoutReplacing(tempPath, keyPath);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    if (errorCode(error) !== 'EEXIST') throw error;
    // Another process created the key first: use theirs.
    const winner = await readMasterKey(keyPath);
    if (winner === undefined) throw new MasterKeyError(`master key file ${keyPath} vanished during creation`);
    return winner;
  }
  await unlink(tempPath).catch(() => undefined);
  await fsyncDirectory(dataDir);
  return key;
}

/** link() fails with EEXIST instead of replacing; fall back to rename() where hard links are unsupported. */
async function publishWithoutReplacing(tempPath: string, keyPath: string): Promise<void> {
  try {
    await link(tempPath, keyPath);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if ((await readMasterKey(keyPath)) !== undefined) {
      throw Object.assign(new Error(`${keyPath} already exists`), { code: 'EEXIST' });
    }
    await rename(tempPath, keyPath);
  }
}

async function fsyncDirectory(dirPath: string): Promise<void> {
  const handle = await open(dirPath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
