// IamStore on the SQLite index. PRAGMA data_version changes only when another connection commits, which is
// exactly "the CLI changed something" for the server's one connection.
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { IamPrincipalRecord, IamStore, PolicyAttachmentRecord, PrincipalKind } from '../../iam/iam-store.js';

interface PrincipalRow { kind: string; name: string; arn: string; created_at_ms: number }
interface AttachmentRow { principal_kind: string; principal_name: string; policy_name: string; is_managed: number; document_json: string | null; attached_at_ms: number }

export class SqliteIamStore implements IamStore {
  private readonly insertPrincipal;
  private readonly findStatement;
  private readonly listStatement;
  private readonly deleteAll;
  private readonly attachStatement;
  private readonly detachStatement;
  private readonly attachmentsStatement;
  private readonly dataVersion;
  private checkedAt: number | undefined;
  private lastChangeCount = 0;

  /** `changeCheckIntervalMs`: how long one reading of other processes' commits is trusted (0: read every time). */
  constructor(
    db: Database.Database,
    private readonly changeCheckIntervalMs = 0,
  ) {
    this.insertPrincipal = db.prepare('INSERT OR IGNORE INTO iam_principals (kind, name, arn, created_at_ms) VALUES (@kind, @name, @arn, @createdAtMs)');
    this.findStatement = db.prepare<[string, string], PrincipalRow>('SELECT * FROM iam_principals WHERE kind = ? AND name = ?');
    this.listStatement = db.prepare<[string], PrincipalRow>('SELECT * FROM iam_principals WHERE kind = ? ORDER BY name');
    const deletePrincipal = db.prepare<[string, string]>('DELETE FROM iam_principals WHERE kind = ? AND name = ?');
    const deleteAttachments = db.prepare<[string, string]>('DELETE FROM iam_policy_attachments WHERE principal_kind = ? AND principal_name = ?');
    const deleteKeys = db.prepare<[string]>('DELETE FROM access_keys WHERE user_name = ?');
    this.deleteAll = db.transaction((kind: string, name: string): boolean => {
      const deleted = deletePrincipal.run(kind, name).changes > 0;
      deleteAttachments.run(kind, name);
      if (kind === 'user') deleteKeys.run(name);
      return deleted;
    });
    this.attachStatement = db.prepare(
      `INSERT OR REPLACE INTO iam_policy_attachments (principal_kind, principal_name, policy_name, is_managed, document_json, attached_at_ms)
       VALUES (@principalKind, @principalName, @policyName, @isManaged, @documentJson, @attachedAtMs)`,
    );
    this.detachStatement = db.prepare<[string, string, string]>('DELETE FROM iam_policy_attachments WHERE principal_kind = ? AND principal_name = ? AND policy_name = ?');
    this.attachmentsStatement = db.prepare<[string, string], AttachmentRow>(
      'SELECT * FROM iam_policy_attachments WHERE principal_kind = ? AND principal_name = ? ORDER BY attached_at_ms, policy_name',
    );
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  async createPrincipal(record: IamPrincipalRecord): Promise<boolean> {
    return this.insertPrincipal.run({ ...record }).changes > 0;
  }

  async findPrincipal(kind: PrincipalKind, name: string): Promise<IamPrincipalRecord | undefined> {
    const row = this.findStatement.get(kind, name);
    return row === undefined ? undefined : toPrincipal(row);
  }

  async listPrincipals(kind: PrincipalKind): Promise<readonly IamPrincipalRecord[]> {
    return this.listStatement.all(kind).map(toPrincipal);
  }

  async deletePrincipal(kind: PrincipalKind, name: string): Promise<boolean> {
    return this.deleteAll.immediate(kind, name);
  }

  async attachPolicy(record: PolicyAttachmentRecord): Promise<void> {
    this.attachStatement.run({ ...record, isManaged: record.isManaged ? 1 : 0, documentJson: record.documentJson ?? null });
  }

  async detachPolicy(kind: PrincipalKind, name: string, policyName: string): Promise<boolean> {
    return this.detachStatement.run(kind, name, policyName).changes > 0;
  }

  async listAttachments(kind: PrincipalKind, name: string): Promise<readonly PolicyAttachmentRecord[]> {
    return this.attachmentsStatement.all(kind, name).map((row) => ({
      principalKind: row.principal_kind as PrincipalKind,
      principalName: row.principal_name,
      policyName: row.policy_name,
      isManaged: row.is_managed === 1,
      documentJson: row.document_json ?? undefined,
      attachedAtMs: row.attached_at_ms,
    }));
  }

  externalChangeCount(): number {
    if (this.changeCheckIntervalMs <= 0) return this.dataVersion.get() as number;
    const now = performance.now();
    if (this.checkedAt === undefined || now - this.checkedAt >= this.changeCheckIntervalMs) {
      this.lastChangeCount = this.dataVersion.get() as number;
      this.checkedAt = now;
    }
    return this.lastChangeCount;
  }
}

function toPrincipal(row: PrincipalRow): IamPrincipalRecord {
  return { kind: row.kind as PrincipalKind, name: row.name, arn: row.arn, createdAtMs: row.created_at_ms };
}
