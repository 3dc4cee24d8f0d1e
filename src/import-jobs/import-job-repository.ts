// The ImportJobRepository port: job state changes and the job's atomic commit of image sets, events included.
import type { DatastoreId, ImageSetId, JobId, JobStatus } from '../api/index.js';
import type { EventEnvelope } from '../events/index.js';
import type { ImageSetWorkflowStatus } from '../image-sets/index.js';
import type { ImportJobRecord } from './import-job-record.js';

export type CreateImportJobResult =
  | { readonly kind: 'created'; readonly job: ImportJobRecord }
  | { readonly kind: 'replayed'; readonly job: ImportJobRecord }
  | { readonly kind: 'token-reused-with-other-parameters' }
  | { readonly kind: 'datastore-not-active'; readonly status: string | undefined }
  | { readonly kind: 'quota-exceeded' };

export interface StoredFrame {
  readonly id: string;
  readonly blobKey: string;
  readonly storedTransferSyntaxUID: string;
  readonly sizeBytes: number;
}

export interface StoredPixelBlob {
  readonly sopInstanceUID: string;
  readonly blobKey: string;
  readonly transferSyntaxUID: string;
  readonly sizeBytes: number;
}

/** One image set created or given a new version by the job. */
export interface ImageSetChange {
  readonly imageSetId: ImageSetId;
  readonly isNew: boolean;
  /** For an existing image set: the version the job read, checked again inside the commit. */
  readonly previousVersion: number;
  readonly version: number;
  readonly isPrimary: boolean;
  readonly workflowStatus: ImageSetWorkflowStatus;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly levelsJson: string;
  readonly dicomTagsJson: string;
  /** Search index fields of the new version. */
  readonly search: {
    readonly patientId: string | undefined;
    readonly accessionNumber: string | undefined;
    readonly studyId: string | undefined;
    readonly studyDateTime: string;
    readonly instanceCount: number;
  };
  readonly metadataBlobKey: string;
  /** Every frame of the new version (the latest-version frame list is replaced). */
  readonly frameIds: readonly string[];
  /** Frames stored by this job. */
  readonly newFrames: readonly StoredFrame[];
  /** Whole Pixel Data values stored by this job for instances that could not be split into frames or transcoded. */
  readonly newPixelBlobs: readonly StoredPixelBlob[];
  readonly event: EventEnvelope;
}

export interface JobCommit {
  readonly datastoreId: DatastoreId;
  readonly jobId: JobId;
  readonly changes: readonly ImageSetChange[];
  readonly reportJson: string;
  readonly atMs: number;
}

export interface JobPosition {
  readonly submittedAtMs: number;
  readonly id: string;
}

export interface ImportJobRepository {
  create(input: {
    readonly job: ImportJobRecord;
    readonly event: EventEnvelope;
    readonly clientToken: string;
    readonly requestHash: string;
    readonly idempotencyNotBeforeMs: number;
    readonly maxConcurrentJobs: number;
  }): Promise<CreateImportJobResult>;
  get(datastoreId: DatastoreId, jobId: JobId, notBeforeMs: number): Promise<ImportJobRecord | undefined>;
  /** Newest first, before `before` (exclusive). */
  list(query: {
    readonly datastoreId: DatastoreId;
    readonly status: JobStatus | undefined;
    readonly before: JobPosition | undefined;
    readonly limit: number;
    readonly notBeforeMs: number;
  }): Promise<ImportJobRecord[]>;
  listUnfinished(): Promise<ImportJobRecord[]>;
  /** Moves a job from `from` to `to` if it is still in `from`. */
  transition(
    datastoreId: DatastoreId,
    jobId: JobId,
    from: JobStatus,
    to: JobStatus,
    fields: { readonly endedAtMs?: number; readonly message?: string },
    event: EventEnvelope,
  ): Promise<boolean>;
  /** Makes every image set change of the job visible at once and records the report. Throws StaleImageSetError when an image set moved on. */
  commit(commit: JobCommit): Promise<void>;
}

export class StaleImageSetError extends Error {}
