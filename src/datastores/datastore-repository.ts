// The DatastoreRepository port: every method is one atomic change, its outbox event included.
import type { DatastoreId, DatastoreStatus, Tags } from '../api/index.js';
import type { EventEnvelope } from '../events/index.js';
import type { DatastoreRecord } from './datastore-record.js';

export interface IdempotencyKey {
  readonly operation: string;
  readonly clientToken: string;
  /** Hash of the request parameters; a repeat with another hash is a conflict. */
  readonly requestHash: string;
  /** Records older than this are ignored (and replaced). */
  readonly notBeforeMs: number;
}

export type CreateDatastoreResult =
  | { readonly kind: 'created'; readonly datastore: DatastoreRecord }
  | { readonly kind: 'replayed'; readonly datastore: DatastoreRecord }
  | { readonly kind: 'token-reused-with-other-parameters' }
  | { readonly kind: 'quota-exceeded'; readonly activeCount: number };

export type BeginDeleteResult =
  | { readonly kind: 'deleting'; readonly datastore: DatastoreRecord }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'wrong-status'; readonly status: DatastoreStatus }
  | { readonly kind: 'has-image-sets' }
  | { readonly kind: 'has-running-jobs' };

export interface DatastorePosition {
  readonly createdAtMs: number;
  readonly id: string;
}

export interface DatastoreRepository {
  create(input: {
    readonly datastore: DatastoreRecord;
    readonly tags: Tags;
    readonly event: EventEnvelope;
    readonly idempotency: IdempotencyKey;
    readonly maxActiveDatastores: number;
  }): Promise<CreateDatastoreResult>;

  /**
   * A number that changes with every committed or attempted change of any data store record, so that a reader may keep
   * what it read while the number stays the same. Every writer of data store records is this repository, in this process.
   */
  changeGeneration(): number;

  /** A DELETED data store whose updatedAt is older than `hideDeletedBeforeMs` reads as absent. */
  get(id: DatastoreId, hideDeletedBeforeMs: number): Promise<DatastoreRecord | undefined>;

  /** Oldest first, after `after` (exclusive). */
  list(query: {
    readonly status: DatastoreStatus | undefined;
    readonly after: DatastorePosition | undefined;
    readonly limit: number;
    readonly hideDeletedBeforeMs: number;
  }): Promise<DatastoreRecord[]>;

  /** Refuses (see result) unless the store is ACTIVE or CREATE_FAILED holds no image sets and runs no import job. */
  beginDelete(id: DatastoreId, event: (datastore: DatastoreRecord) => EventEnvelope, atMs: number): Promise<BeginDeleteResult>;

  /**
   * Moves a data store from `from` to `to` if it is still in `from`; DELETED also drops its
   * tags and wrapped data key. Returns the new record, or undefined when the state had moved on.
   */
  transition(
    id: DatastoreId,
    from: DatastoreStatus,
    to: DatastoreStatus,
    event: (datastore: DatastoreRecord) => EventEnvelope,
    atMs: number,
  ): Promise<DatastoreRecord | undefined>;

  /** Data stores in CREATING or DELETING, to resume their transitions after a restart. */
  listInTransition(): Promise<DatastoreRecord[]>;
}
