// A data store as the index stores it.
import type { DatastoreId, DatastoreStatus, LosslessStorageFormat } from '../api/index.js';

export interface DatastoreRecord {
  readonly id: DatastoreId;
  readonly name: string;
  readonly status: DatastoreStatus;
  readonly kmsKeyArn: string | undefined;
  readonly lambdaAuthorizerArn: string | undefined;
  readonly losslessStorageFormat: LosslessStorageFormat;
  /** The data key sealed by the master key or KMS; dropped when the data store is deleted (crypto-shredding). */
  readonly wrappedDataKey: Buffer | undefined;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}
