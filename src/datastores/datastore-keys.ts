// Unwrapped data keys per data store, cached: unwrapping sits on the path of every frame read and write.
import type { DatastoreId, LosslessStorageFormat } from '../api/index.js';
import type { DataKey } from '../keys/index.js';
import type { DatastoreService } from './datastore-service.js';

/** Unwraps a data key sealed by the master key (the KeyRing of keys/). */
export interface DataKeyUnwrapper {
  unwrapDataKey(wrappedKey: Uint8Array): DataKey;
}

export interface DatastoreKeyInfo {
  readonly dataKey: DataKey;
  readonly losslessStorageFormat: LosslessStorageFormat;
}

export class DatastoreKeys {
  private readonly cache = new Map<string, DatastoreKeyInfo>();

  constructor(
    private readonly datastores: DatastoreService,
    private readonly unwrapper: DataKeyUnwrapper,
  ) {}

  /** The key of a data store that is not deleted, or undefined. */
  async keyFor(datastoreId: DatastoreId): Promise<DatastoreKeyInfo | undefined> {
    // The status is read every time (an indexed lookup): a deleted store's key must stop working at once.
    const record = await this.datastores.find(datastoreId);
    if (record === undefined || record.status === 'DELETED' || record.wrappedDataKey === undefined) {
      this.cache.delete(datastoreId);
      return undefined;
    }
    const cached = this.cache.get(datastoreId);
    if (cached !== undefined) return cached;
    const info = { dataKey: this.unwrapper.unwrapDataKey(record.wrappedDataKey), losslessStorageFormat: record.losslessStorageFormat };
    this.cache.set(datastoreId, info);
    return info;
  }
}
