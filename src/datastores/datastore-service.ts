// Data store lifecycle and its four operations (behavior.md §3): CREATING → ACTIVE, DELETING → DELETED.
import { createHash } from 'node:crypto';
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  datastoreArn,
  newId,
  type CreateDatastoreInput,
  type CreateDatastoreOutput,
  type DatastoreId,
  type DatastoreProperties,
  type DatastoreStatus,
  type DatastoreSummary,
  type DeleteDatastoreOutput,
  type ListDatastoresInput,
  type ListDatastoresOutput,
  type PageTokens,
  type ResourceScope,
} from '../api/index.js';
import { buildEvent, type DetailType } from '../events/index.js';
import type { DatastoreRecord } from './datastore-record.js';
import type { DatastorePosition, DatastoreRepository } from './datastore-repository.js';

/** Issues a new data key for a data store, wrapped by the master key or by the given KMS key. */
export interface DataKeyIssuer {
  issueWrappedDataKey(kmsKeyArn: string | undefined): Promise<Buffer>;
}

export interface DatastoreServiceOptions {
  readonly repository: DatastoreRepository;
  readonly dataKeys: DataKeyIssuer;
  readonly pageTokens: PageTokens;
  readonly scope: ResourceScope;
  readonly transitionDelayMs: number;
  readonly deletedRetentionMs: number;
  readonly maxActiveDatastores: number;
  readonly idempotencyWindowMs: number;
  readonly now?: () => number;
  /** Told about transitions that failed in the background (logged by the caller). */
  readonly onBackgroundError?: (error: unknown) => void;
}

const DEFAULT_PAGE_SIZE = 50;

export class DatastoreService {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private isClosed = false;

  constructor(private readonly options: DatastoreServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async create(input: CreateDatastoreInput): Promise<CreateDatastoreOutput> {
    const { repository, scope } = this.options;
    const nowMs = this.now();
    const id = newId<DatastoreId>();
    const losslessStorageFormat = input.losslessStorageFormat ?? 'HTJ2K';
    const record: DatastoreRecord = {
      id,
      name: input.datastoreName ?? id, // AWS requires a name in responses; the id is the recommended default
      status: 'CREATING',
      kmsKeyArn: input.kmsKeyArn,
      lambdaAuthorizerArn: input.lambdaAuthorizerArn,
      losslessStorageFormat,
      wrappedDataKey: await this.options.dataKeys.issueWrappedDataKey(input.kmsKeyArn),
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    const requestHash = hashParameters([input.datastoreName, input.tags, input.kmsKeyArn, input.lambdaAuthorizerArn, losslessStorageFormat]);
    const result = await repository.create({
      datastore: record,
      tags: input.tags ?? {},
      event: this.event('Data Store Creating', record, nowMs),
      idempotency: {
        operation: 'CreateDatastore',
        clientToken: input.clientToken,
        requestHash,
        notBeforeMs: nowMs - this.options.idempotencyWindowMs,
      },
      maxActiveDatastores: this.options.maxActiveDatastores,
    });
    switch (result.kind) {
      case 'created':
        this.schedule(result.datastore.id, 'CREATING', 'ACTIVE', 'Data Store Created');
        return { datastoreId: result.datastore.id, datastoreStatus: result.datastore.status };
      case 'replayed':
        return { datastoreId: result.datastore.id, datastoreStatus: result.datastore.status };
      case 'token-reused-with-other-parameters':
        throw new ConflictException(`clientToken ${input.clientToken} was already used with different parameters`);
      case 'quota-exceeded':
        throw new ServiceQuotaExceededException(
          `The maximum number of data stores for this account has been reached (${this.options.maxActiveDatastores})`,
        );
    }
  }

  async get(datastoreId: DatastoreId): Promise<DatastoreProperties> {
    const record = await this.options.repository.get(datastoreId, this.hideDeletedBeforeMs());
    if (record === undefined) throw notFound(datastoreId);
    return this.properties(record);
  }

  /** For other features: the data store, which must exist (any status). */
  /** See DatastoreRepository.changeGeneration. */
  changeGeneration(): number {
    return this.options.repository.changeGeneration();
  }

  async find(datastoreId: DatastoreId): Promise<DatastoreRecord | undefined> {
    return this.options.repository.get(datastoreId, this.hideDeletedBeforeMs());
  }

  async list(input: ListDatastoresInput): Promise<ListDatastoresOutput> {
    const scopeKey = `ListDatastores|${input.datastoreStatus ?? ''}`;
    const after = input.nextToken === undefined ? undefined : this.options.pageTokens.decode<DatastorePosition>(scopeKey, input.nextToken);
    const limit = input.maxResults ?? DEFAULT_PAGE_SIZE;
    // One extra row tells whether another page exists, so the last page carries no token.
    const rows = await this.options.repository.list({
      status: input.datastoreStatus,
      after,
      limit: limit + 1,
      hideDeletedBeforeMs: this.hideDeletedBeforeMs(),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      datastoreSummaries: page.map((record) => this.summary(record)),
      ...(rows.length > limit && last !== undefined
        ? { nextToken: this.options.pageTokens.encode(scopeKey, { createdAtMs: last.createdAtMs, id: last.id } satisfies DatastorePosition) }
        : {}),
    };
  }

  async delete(datastoreId: DatastoreId): Promise<DeleteDatastoreOutput> {
    const nowMs = this.now();
    const result = await this.options.repository.beginDelete(datastoreId, (record) => this.event('Data Store Deleting', record, nowMs), nowMs);
    switch (result.kind) {
      case 'deleting':
        this.schedule(datastoreId, 'DELETING', 'DELETED', 'Data Store Deleted');
        return { datastoreId, datastoreStatus: 'DELETING' };
      case 'not-found':
        throw notFound(datastoreId);
      case 'wrong-status':
        throw new ConflictException(`Datastore ${datastoreId} is ${result.status} and cannot be deleted`);
      case 'has-image-sets':
        throw new ConflictException(`Datastore ${datastoreId} still contains image sets`);
      case 'has-running-jobs':
        throw new ConflictException(`Datastore ${datastoreId} has import jobs that are still running`);
    }
  }

  /** Finishes transitions interrupted by a restart. */
  async resumeTransitions(): Promise<void> {
    for (const record of await this.options.repository.listInTransition()) {
      if (record.status === 'CREATING') this.schedule(record.id, 'CREATING', 'ACTIVE', 'Data Store Created');
      if (record.status === 'DELETING') this.schedule(record.id, 'DELETING', 'DELETED', 'Data Store Deleted');
    }
  }

  close(): void {
    this.isClosed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  properties(record: DatastoreRecord): DatastoreProperties {
    return {
      ...this.summary(record),
      ...(record.kmsKeyArn !== undefined ? { kmsKeyArn: record.kmsKeyArn } : {}),
      ...(record.lambdaAuthorizerArn !== undefined ? { lambdaAuthorizerArn: record.lambdaAuthorizerArn } : {}),
      losslessStorageFormat: record.losslessStorageFormat,
    };
  }

  private summary(record: DatastoreRecord): DatastoreSummary {
    return {
      datastoreId: record.id,
      datastoreName: record.name,
      datastoreStatus: record.status,
      datastoreArn: datastoreArn(this.options.scope, record.id),
      createdAt: new Date(record.createdAtMs),
      updatedAt: new Date(record.updatedAtMs),
    };
  }

  private schedule(id: DatastoreId, from: DatastoreStatus, to: DatastoreStatus, detailType: DetailType): void {
    if (this.isClosed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const atMs = this.now();
      this.options.repository
        .transition(id, from, to, (record) => this.event(detailType, record, atMs), atMs)
        .catch((error: unknown) => this.options.onBackgroundError?.(error));
    }, this.options.transitionDelayMs);
    this.timers.add(timer);
  }

  private event(detailType: DetailType, record: DatastoreRecord, atMs: number) {
    const arn = datastoreArn(this.options.scope, record.id);
    return buildEvent(
      { accountId: this.options.scope.accountId, region: this.options.scope.region },
      detailType,
      [arn],
      { datastoreId: record.id, datastoreName: record.name, datastoreStatus: record.status },
      new Date(atMs),
    );
  }

  private hideDeletedBeforeMs(): number {
    return this.now() - this.options.deletedRetentionMs;
  }
}

function notFound(datastoreId: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
}

function hashParameters(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values, sortedKeys)).digest('hex');
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
