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
  /** Keys of stores found not deleted, valid while the repository's change generation is `generation`. */
  private readonly cache = new Map<string, DatastoreKeyInfo>();
  private generation = -1;

  constructor(
    private readonly datastores: Pick<DatastoreService, 'find' | 'changeGeneration'>,
    private readonly unwrapper: DataKeyUnwrapper,
  ) {}

  /**
   * The key of a data store that is not deleted, or undefined. A deleted store's key must stop working at once, so what
   * was read is trusted only until the next change of any data store record (rare next to frame reads, which made the
   * status read per request ~6% of GetImageFrame's server CPU); then every store is read again.
   */
  async keyFor(datastoreId: DatastoreId): Promise<DatastoreKeyInfo | undefined> {
    const generation = this.datastores.changeGeneration();
    if (generation !== this.generation) {
      this.cache.clear();
      this.generation = generation;
    }
    const cached = this.cache.get(datastoreId);
    if (cached !== undefined) return cached;
    const record = await this.datastores.find(datastoreId);
    if (record === undefined || record.status === 'DELETED' || record.wrappedDataKey === undefined) return undefined;
    const info = { dataKey: this.unwrapper.unwrapDataKey(record.wrappedDataKey), losslessStorageFormat: record.losslessStorageFormat };
    // A change committed while find() was awaited makes this reading stale: use it for this call only.
    if (this.datastores.changeGeneration() === generation) this.cache.set(datastoreId, info);
    return info;
  }
}
