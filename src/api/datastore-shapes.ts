// Request and response shapes of the data store and tagging operations (wire contract §4.1–4.4, §4.16–4.18).
import type { DatastoreId } from './ids.js';
import type { DatastoreStatus, LosslessStorageFormat, Tags } from './shapes.js';

export interface CreateDatastoreInput {
  readonly datastoreName: string | undefined;
  readonly clientToken: string;
  readonly tags: Tags | undefined;
  readonly kmsKeyArn: string | undefined;
  readonly lambdaAuthorizerArn: string | undefined;
  readonly losslessStorageFormat: LosslessStorageFormat | undefined;
}

export interface CreateDatastoreOutput {
  readonly datastoreId: DatastoreId;
  readonly datastoreStatus: DatastoreStatus;
}

export interface DatastoreProperties {
  readonly datastoreId: DatastoreId;
  readonly datastoreName: string;
  readonly datastoreStatus: DatastoreStatus;
  readonly kmsKeyArn?: string;
  readonly lambdaAuthorizerArn?: string;
  readonly losslessStorageFormat: LosslessStorageFormat;
  readonly datastoreArn: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DatastoreSummary {
  readonly datastoreId: DatastoreId;
  readonly datastoreName: string;
  readonly datastoreStatus: DatastoreStatus;
  readonly datastoreArn: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ListDatastoresInput {
  readonly datastoreStatus: DatastoreStatus | undefined;
  readonly nextToken: string | undefined;
  readonly maxResults: number | undefined;
}

export interface ListDatastoresOutput {
  readonly datastoreSummaries: DatastoreSummary[];
  readonly nextToken?: string;
}

export interface DeleteDatastoreOutput {
  readonly datastoreId: DatastoreId;
  readonly datastoreStatus: DatastoreStatus;
}
