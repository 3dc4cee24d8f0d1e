// The data folder: where each embedded part lives, and atomic small-file writes (temp, fsync, rename, fsync dir).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface DataFolder {
  readonly root: string;
  readonly indexPath: string;
  readonly blobsPath: string;
  readonly bucketsPath: string;
  readonly credentialsPath: string;
  readonly accountIdPath: string;
}

export async function openDataFolder(dataDir: string): Promise<DataFolder> {
  const root = resolve(dataDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  return {
    root,
    indexPath: join(root, 'index.sqlite'),
    blobsPath: join(root, 'blobs'),
    bucketsPath: join(root, 'buckets'),
    credentialsPath: join(root, 'credentials'),
    accountIdPath: join(root, 'account-id'),
  };
}

export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(temp, 'wx', mode);
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The configured account id, else the one kept in the folder, else a new one (written once). */
export async function resolveAccountId(folder: DataFolder, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const stored = (await readFileIfExists(folder.accountIdPath))?.trim();
  if (stored !== undefined) {
    if (!/^\d{12}$/.test(stored)) throw new Error(`${folder.accountIdPath} does not hold a 12-digit account id`);
    return stored;
  }
  const generated = String(100_000_000_000 + (randomBytes(6).readUIntBE(0, 6) % 900_000_000_000));
  await writeFileAtomic(folder.accountIdPath, `${generated}\n`, 0o600);
  return generated;
}
