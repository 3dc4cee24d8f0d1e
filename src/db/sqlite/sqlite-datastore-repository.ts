// DatastoreRepository on SQLite: quota, idempotency, state change and outbox event in one transaction.
import type Database from 'better-sqlite3';
import type { DatastoreId, DatastoreStatus, LosslessStorageFormat, Tags } from '../../api/index.js';
import type {
  BeginDeleteResult,
  CreateDatastoreResult,
  DatastorePosition,
  DatastoreRecord,
  DatastoreRepository,
  IdempotencyKey,
} from '../../datastores/index.js';
import type { EventEnvelope } from '../../events/index.js';
import { insertOutboxEvent } from './sqlite-outbox.js';
import { deleteResourceTags } from './sqlite-tag-repository.js';

type Db = Database.Database;

interface DatastoreRow {
  id: string;
  name: string;
  status: string;
  kms_key_arn: string | null;
  lambda_authorizer_arn: string | null;
  lossless_storage_format: string;
  wrapped_data_key: Buffer | null;
  created_at_ms: number;
  updated_at_ms: number;
}

/** Statuses that count against the active data store quota. */
const COUNTED_STATUSES = "('CREATING', 'ACTIVE', 'DELETING')";

export class SqliteDatastoreRepository implements DatastoreRepository {
  private readonly statements;
  private readonly createTransaction;
  private readonly beginDeleteTransaction;
  private readonly transitionTransaction;
  /** Bumped inside every transaction that writes the datastores table (this class is its only writer). */
  private generation = 0;

  constructor(private readonly db: Db) {
    this.statements = {
      get: db.prepare<[string, number], DatastoreRow>(
        "SELECT * FROM datastores WHERE id = ? AND NOT (status = 'DELETED' AND updated_at_ms < ?)",
      ),
      insert: db.prepare(
        `INSERT INTO datastores (id, name, status, kms_key_arn, lambda_authorizer_arn, lossless_storage_format, wrapped_data_key, created_at_ms, updated_at_ms)
         VALUES (@id, @name, @status, @kmsKeyArn, @lambdaAuthorizerArn, @losslessStorageFormat, @wrappedDataKey, @createdAtMs, @updatedAtMs)`,
      ),
      countActive: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM datastores WHERE status IN ${COUNTED_STATUSES}`),
      findToken: db.prepare<[string, string], { request_hash: string; resource_id: string; created_at_ms: number }>(
        'SELECT request_hash, resource_id, created_at_ms FROM idempotency_records WHERE operation = ? AND client_token = ?',
      ),
      putToken: db.prepare(
        `INSERT OR REPLACE INTO idempotency_records (operation, client_token, request_hash, resource_id, created_at_ms)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      insertTag: db.prepare('INSERT INTO tags (resource_key, tag_key, tag_value) VALUES (?, ?, ?)'),
      setStatus: db.prepare<[string, number, string, string]>(
        'UPDATE datastores SET status = ?, updated_at_ms = ? WHERE id = ? AND status = ?',
      ),
      dropDataKey: db.prepare<[string]>('UPDATE datastores SET wrapped_data_key = NULL WHERE id = ?'),
      hasImageSets: db.prepare<[string], { one: number }>(
        "SELECT 1 AS one FROM image_sets WHERE datastore_id = ? AND state <> 'DELETED' LIMIT 1",
      ),
      hasRunningJobs: db.prepare<[string], { one: number }>(
        "SELECT 1 AS one FROM import_jobs WHERE datastore_id = ? AND status IN ('SUBMITTED', 'IN_PROGRESS') LIMIT 1",
      ),
      inTransition: db.prepare<[], DatastoreRow>("SELECT * FROM datastores WHERE status IN ('CREATING', 'DELETING')"),
    };

    this.createTransaction = db.transaction(
      (input: { datastore: DatastoreRecord; tags: Tags; event: EventEnvelope; idempotency: IdempotencyKey; maxActiveDatastores: number }): CreateDatastoreResult => {
        const { idempotency } = input;
        const previous = this.statements.findToken.get(idempotency.operation, idempotency.clientToken);
        if (previous !== undefined && previous.created_at_ms >= idempotency.notBeforeMs) {
          if (previous.request_hash !== idempotency.requestHash) return { kind: 'token-reused-with-other-parameters' };
          const existing = this.statements.get.get(previous.resource_id, 0);
          if (existing !== undefined) return { kind: 'replayed', datastore: toRecord(existing) };
        }
        const activeCount = this.statements.countActive.get()!.n;
        if (activeCount >= input.maxActiveDatastores) return { kind: 'quota-exceeded', activeCount };
        const d = input.datastore;
        this.generation++;
        this.statements.insert.run({
          id: d.id,
          name: d.name,
          status: d.status,
          kmsKeyArn: d.kmsKeyArn ?? null,
          lambdaAuthorizerArn: d.lambdaAuthorizerArn ?? null,
          losslessStorageFormat: d.losslessStorageFormat,
          wrappedDataKey: d.wrappedDataKey ?? null,
          createdAtMs: d.createdAtMs,
          updatedAtMs: d.updatedAtMs,
        });
        for (const [key, value] of Object.entries(input.tags)) this.statements.insertTag.run(d.id, key, value);
        this.statements.putToken.run(idempotency.operation, idempotency.clientToken, idempotency.requestHash, d.id, d.createdAtMs);
        insertOutboxEvent(db, input.event, d.createdAtMs);
        return { kind: 'created', datastore: d };
      },
    );

    this.beginDeleteTransaction = db.transaction(
      (id: string, event: (datastore: DatastoreRecord) => EventEnvelope, atMs: number): BeginDeleteResult => {
        const row = this.statements.get.get(id, 0);
        if (row === undefined || row.status === 'DELETED') return { kind: 'not-found' };
        if (row.status !== 'ACTIVE' && row.status !== 'CREATE_FAILED') return { kind: 'wrong-status', status: row.status as DatastoreStatus };
        if (this.statements.hasImageSets.get(id) !== undefined) return { kind: 'has-image-sets' };
        if (this.statements.hasRunningJobs.get(id) !== undefined) return { kind: 'has-running-jobs' };
        this.generation++;
        this.statements.setStatus.run('DELETING', atMs, id, row.status);
        const datastore = { ...toRecord(row), status: 'DELETING' as const, updatedAtMs: atMs };
        insertOutboxEvent(db, event(datastore), atMs);
        return { kind: 'deleting', datastore };
      },
    );

    this.transitionTransaction = db.transaction(
      (id: string, from: DatastoreStatus, to: DatastoreStatus, event: (datastore: DatastoreRecord) => EventEnvelope, atMs: number) => {
        if (this.statements.setStatus.run(to, atMs, id, from).changes === 0) return undefined;
        this.generation++;
        if (to === 'DELETED') {
          deleteResourceTags(db, id, true);
          this.statements.dropDataKey.run(id); // crypto-shredding: nothing of the store can be decrypted any more
        }
        const datastore = toRecord(this.statements.get.get(id, 0)!);
        insertOutboxEvent(db, event(datastore), atMs);
        return datastore;
      },
    );
  }

  async create(input: Parameters<DatastoreRepository['create']>[0]): Promise<CreateDatastoreResult> {
    return this.createTransaction.immediate(input);
  }

  changeGeneration(): number {
    return this.generation;
  }

  async get(id: DatastoreId, hideDeletedBeforeMs: number): Promise<DatastoreRecord | undefined> {
    const row = this.statements.get.get(id, hideDeletedBeforeMs);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(query: {
    status: DatastoreStatus | undefined;
    after: DatastorePosition | undefined;
    limit: number;
    hideDeletedBeforeMs: number;
  }): Promise<DatastoreRecord[]> {
    // Keyset pagination on (created_at_ms, id): served by datastores_by_created / datastores_by_status.
    const where: string[] = ["NOT (status = 'DELETED' AND updated_at_ms < @hideBefore)"];
    if (query.status !== undefined) where.push('status = @status');
    if (query.after !== undefined) where.push('(created_at_ms, id) > (@afterCreated, @afterId)');
    const sql = `SELECT * FROM datastores WHERE ${where.join(' AND ')} ORDER BY created_at_ms, id LIMIT @limit`;
    const rows = this.db.prepare<Record<string, unknown>, DatastoreRow>(sql).all({
      hideBefore: query.hideDeletedBeforeMs,
      status: query.status,
      afterCreated: query.after?.createdAtMs,
      afterId: query.after?.id,
      limit: query.limit,
    });
    return rows.map(toRecord);
  }

  async beginDelete(id: DatastoreId, event: (datastore: DatastoreRecord) => EventEnvelope, atMs: number): Promise<BeginDeleteResult> {
    return this.beginDeleteTransaction.immediate(id, event, atMs);
  }

  async transition(
    id: DatastoreId,
    from: DatastoreStatus,
    to: DatastoreStatus,
    event: (datastore: DatastoreRecord) => EventEnvelope,
    atMs: number,
  ): Promise<DatastoreRecord | undefined> {
    return this.transitionTransaction.immediate(id, from, to, event, atMs);
  }

  async listInTransition(): Promise<DatastoreRecord[]> {
    return this.statements.inTransition.all().map(toRecord);
  }
}

function toRecord(row: DatastoreRow): DatastoreRecord {
  return {
    id: row.id as DatastoreId,
    name: row.name,
    status: row.status as DatastoreStatus,
    kmsKeyArn: row.kms_key_arn ?? undefined,
    lambdaAuthorizerArn: row.lambda_authorizer_arn ?? undefined,
    losslessStorageFormat: row.lossless_storage_format as LosslessStorageFormat,
    wrappedDataKey: row.wrapped_data_key ?? undefined,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}
