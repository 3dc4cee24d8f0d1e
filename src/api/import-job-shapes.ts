// Request and response shapes of the import job operations (wire contract §4.5–4.7).
import type { DatastoreId, JobId } from './ids.js';
import type { JobStatus } from './shapes.js';

/** The ImportConfiguration union (model 2026-05): DICOM JSON files that override metadata of a study or series. */
export interface ImportConfiguration {
  readonly dicomJsonMetadataImportConfiguration: {
    readonly dicomMetadataMappings: readonly {
      readonly studyInstanceUID: string;
      readonly seriesInstanceUID?: string;
      readonly metadataFilePath: string;
    }[];
  };
}

export interface StartDICOMImportJobInput {
  readonly datastoreId: DatastoreId;
  readonly jobName: string | undefined;
  readonly dataAccessRoleArn: string;
  readonly clientToken: string;
  readonly inputS3Uri: string;
  readonly outputS3Uri: string;
  readonly inputOwnerAccountId: string | undefined;
  readonly importConfiguration: ImportConfiguration | undefined;
}

export interface StartDICOMImportJobOutput {
  readonly datastoreId: DatastoreId;
  readonly jobId: JobId;
  readonly jobStatus: JobStatus;
  readonly submittedAt: Date;
}

export interface DICOMImportJobProperties {
  readonly jobId: JobId;
  readonly jobName: string;
  readonly jobStatus: JobStatus;
  readonly datastoreId: DatastoreId;
  readonly dataAccessRoleArn: string;
  readonly endedAt?: Date;
  readonly submittedAt: Date;
  readonly inputS3Uri: string;
  readonly outputS3Uri: string;
  readonly message?: string;
  readonly importConfiguration?: ImportConfiguration;
}

export interface DICOMImportJobSummary {
  readonly jobId: JobId;
  readonly jobName: string;
  readonly jobStatus: JobStatus;
  readonly datastoreId: DatastoreId;
  readonly dataAccessRoleArn: string;
  readonly endedAt?: Date;
  readonly submittedAt: Date;
  readonly message?: string;
}

export interface ListDICOMImportJobsInput {
  readonly datastoreId: DatastoreId;
  readonly jobStatus: JobStatus | undefined;
  readonly nextToken: string | undefined;
  readonly maxResults: number | undefined;
}

export interface ListDICOMImportJobsOutput {
  readonly jobSummaries: DICOMImportJobSummary[];
  readonly nextToken?: string;
}
