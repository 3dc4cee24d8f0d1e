import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runIamStoreContract } from '../../iam/iam-store.contract.js';
import { SqliteDb } from './sqlite-db.js';

runIamStoreContract('SqliteDb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-iam-'));
  const path = join(dir, 'index.sqlite');
  const db = SqliteDb.open(path);
  const other = new Database(path);
  return {
    store: db.iam,
    addAccessKey: (userName) =>
      db.credentials.putAccessKey({ accessKeyId: `AKIA${userName}`, userName, principalArn: `arn:aws:iam::123456789012:user/${userName}`, sealedSecret: Buffer.from('s'), status: 'Active', createdAtMs: 1 }),
    countAccessKeys: (userName) => db.credentials.countAccessKeys(userName),
    writeFromAnotherProcess: () => other.prepare("INSERT INTO iam_principals VALUES ('user', 'other', 'arn', 1)").run(),
    cleanup: async () => {
      other.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
