// CredentialStore on the SQLite index: the access_keys table (session keys carry a token digest and an expiry).
import type Database from 'better-sqlite3';
import type { AccessKeyRecord, CredentialStore } from '../../auth/credential-store.js';

interface AccessKeyRow {
  access_key_id: string;
  user_name: string;
  principal_arn: string;
  sealed_secret: Buffer;
  status: string;
  created_at_ms: number;
  session_token_sha256: Buffer | null;
  expires_at_ms: number | null;
}

export class SqliteCredentialStore implements CredentialStore {
  private readonly findStatement;
  private readonly putStatement;
  private readonly countStatement;
  private readonly listStatement;
  private readonly deleteStatement;

  constructor(db: Database.Database) {
    this.findStatement = db.prepare<[string], AccessKeyRow>('SELECT * FROM access_keys WHERE access_key_id = ?');
    this.putStatement = db.prepare(
      `INSERT OR REPLACE INTO access_keys (access_key_id, user_name, principal_arn, sealed_secret, status, created_at_ms, session_token_sha256, expires_at_ms)
       VALUES (@accessKeyId, @userName, @principalArn, @sealedSecret, @status, @createdAtMs, @sessionTokenSha256, @expiresAtMs)`,
    );
    this.countStatement = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM access_keys WHERE user_name = ?');
    this.listStatement = db.prepare<[string], AccessKeyRow>('SELECT * FROM access_keys WHERE user_name = ? ORDER BY created_at_ms, access_key_id');
    this.deleteStatement = db.prepare<[string]>('DELETE FROM access_keys WHERE access_key_id = ?');
  }

  async findAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const row = this.findStatement.get(accessKeyId);
    return row === undefined ? undefined : toRecord(row);
  }

  async putAccessKey(record: AccessKeyRecord): Promise<void> {
    this.putStatement.run({ ...record, sessionTokenSha256: record.sessionTokenSha256 ?? null, expiresAtMs: record.expiresAtMs ?? null });
  }

  async countAccessKeys(userName: string): Promise<number> {
    return this.countStatement.get(userName)!.n;
  }

  async listAccessKeys(userName: string): Promise<readonly AccessKeyRecord[]> {
    return this.listStatement.all(userName).map(toRecord);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.deleteStatement.run(accessKeyId).changes > 0;
  }
}

function toRecord(row: AccessKeyRow): AccessKeyRecord {
  return {
    accessKeyId: row.access_key_id,
    userName: row.user_name,
    principalArn: row.principal_arn,
    sealedSecret: row.sealed_secret,
    status: row.status === 'Inactive' ? 'Inactive' : 'Active',
    createdAtMs: row.created_at_ms,
    ...(row.session_token_sha256 !== null ? { sessionTokenSha256: row.session_token_sha256 } : {}),
    ...(row.expires_at_ms !== null ? { expiresAtMs: row.expires_at_ms } : {}),
  };
}
