// An import job as the index stores it.
import type { DatastoreId, JobId, JobStatus } from '../api/index.js';

export interface ImportJobRecord {
  readonly datastoreId: DatastoreId;
  readonly id: JobId;
  readonly name: string;
  readonly status: JobStatus;
  readonly dataAccessRoleArn: string;
  readonly inputS3Uri: string;
  /** Already suffixed with `<datastoreId>-DicomImport-<jobId>/`, as GetDICOMImportJob returns it. */
  readonly outputS3Uri: string;
  readonly inputOwnerAccountId: string | undefined;
  readonly importConfigurationJson: string | undefined;
  readonly submittedAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly message: string | undefined;
  /** The committed result (manifest + report lines), once the job's image sets are visible. */
  readonly reportJson: string | undefined;
}
