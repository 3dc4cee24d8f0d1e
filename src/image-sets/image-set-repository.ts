// The ImageSetRepository port: image sets, their versions and frames as the index stores them.
import type { DatastoreId, ImageSetId, ImageSetState } from '../api/index.js';
import type { EventEnvelope } from '../events/index.js';
import type { ImageSetQuery, ImageSetSearchRow } from './image-set-query.js';

export type ImageSetWorkflowStatus =
  | 'CREATED' | 'COPIED' | 'COPYING' | 'COPYING_WITH_READ_ONLY_ACCESS' | 'COPY_FAILED'
  | 'UPDATING' | 'UPDATING_FOR_STUDY_CONSISTENCY' | 'UPDATED' | 'UPDATE_FAILED'
  | 'DELETING' | 'DELETED' | 'IMPORTING' | 'IMPORTED' | 'IMPORT_FAILED';

export interface ImageSetRecord {
  readonly datastoreId: DatastoreId;
  readonly id: ImageSetId;
  readonly state: ImageSetState;
  readonly workflowStatus: ImageSetWorkflowStatus;
  readonly latestVersion: number;
  readonly isPrimary: boolean;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  /** Normalised Patient/Study/Series attributes of the latest version (JSON), for primary placement. */
  readonly levelsJson: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly deletedAtMs: number | undefined;
  readonly message: string | undefined;
  readonly storageTier: 'FREQUENT_ACCESS' | 'ARCHIVE_INSTANT_ACCESS';
  readonly lastAccessedAtMs: number | undefined;
}

export interface StoredFrameRecord {
  readonly blobKey: string;
  readonly storedTransferSyntaxUID: string;
  readonly sizeBytes: number;
}

export interface ImageSetVersionRecord {
  readonly datastoreId: DatastoreId;
  readonly imageSetId: ImageSetId;
  readonly version: number;
  readonly workflowStatus: ImageSetWorkflowStatus;
  readonly isPrimary: boolean;
  readonly metadataBlobKey: string;
  /** The version was made with force=true (GetImageSet / ListImageSetVersions `overrides.forced`). */
  readonly isForced: boolean;
  readonly message: string | undefined;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export type BeginImageSetDeleteResult =
  | { readonly kind: 'deleting'; readonly imageSet: ImageSetRecord }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'locked'; readonly workflowStatus: ImageSetWorkflowStatus }
  | { readonly kind: 'quota-exceeded' };

/** The index fields of an image set, derived from its latest version's document. */
export interface ImageSetIndexFields {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly levelsJson: string;
  readonly dicomTagsJson: string;
  readonly patientId: string | undefined;
  readonly accessionNumber: string | undefined;
  readonly studyId: string | undefined;
  readonly studyDateTime: string;
  readonly instanceCount: number;
}

export type ImageSetOperationKind = 'update' | 'copy';

/** An image set an operation locks: it must still be at `expectedVersion` and ACTIVE. */
export interface ImageSetLockRequest {
  readonly imageSetId: ImageSetId;
  readonly expectedVersion: number;
  /** Its workflow status while locked (UPDATING, UPDATING_FOR_STUDY_CONSISTENCY, COPYING, COPYING_WITH_READ_ONLY_ACCESS). */
  readonly workflowStatus: ImageSetWorkflowStatus;
}

/** A lock as stored: what to restore when the operation ends without a new version of this image set. */
export interface HeldImageSetLock {
  readonly imageSetId: ImageSetId;
  readonly expectedVersion: number;
  readonly previousWorkflowStatus: ImageSetWorkflowStatus;
}

/** The image set row a copy into a new destination creates, LOCKED/COPYING, at version 1 until the copy ends. */
export interface NewImageSetRow {
  readonly imageSetId: ImageSetId;
  readonly isPrimary: boolean;
  readonly index: ImageSetIndexFields;
}

export interface StoredImageSetOperation {
  readonly datastoreId: DatastoreId;
  readonly id: string;
  readonly kind: ImageSetOperationKind;
  /** The validated request, replayed after a restart. */
  readonly requestJson: string;
  readonly locks: readonly HeldImageSetLock[];
  readonly createdImageSetId: ImageSetId | undefined;
  readonly startedAtMs: number;
}

export type BeginOperationResult =
  | { readonly kind: 'started'; readonly imageSets: readonly ImageSetRecord[] }
  | { readonly kind: 'not-found'; readonly imageSetId: ImageSetId }
  | { readonly kind: 'locked'; readonly imageSetId: ImageSetId; readonly workflowStatus: ImageSetWorkflowStatus }
  | { readonly kind: 'stale'; readonly imageSetId: ImageSetId }
  | { readonly kind: 'quota-exceeded' }
  /** The new destination would be a second primary image set of its series. */
  | { readonly kind: 'primary-exists' };

/** A version an operation adds to an image set. */
export interface ImageSetVersionWrite {
  readonly imageSetId: ImageSetId;
  readonly version: number;
  readonly workflowStatus: ImageSetWorkflowStatus;
  readonly message: string | undefined;
  readonly isPrimary: boolean;
  readonly isForced: boolean;
  readonly metadataBlobKey: string;
  /** The new version's index fields; undefined for a failed version (the previous content stays current). */
  readonly index: ImageSetIndexFields | undefined;
  /** Every frame of the new version; undefined keeps the current list (failed versions). */
  readonly frameIds: readonly string[] | undefined;
  /** Whole pixel blobs the new version shares with another image set's instances (copies, re-keyed SOP instances). */
  readonly pixelBlobCopies: readonly { readonly fromImageSetId: ImageSetId; readonly fromSopInstanceUID: string; readonly toSopInstanceUID: string }[];
}

export interface ImageSetRepository {
  /**
   * Starts an UpdateImageSetMetadata / CopyImageSet: in one transaction, checks and locks every image set named (ACTIVE,
   * at the expected version), creates the new destination row if any, stores the operation and its events.
   */
  beginOperation(input: {
    readonly datastoreId: DatastoreId;
    readonly operationId: string;
    readonly kind: ImageSetOperationKind;
    readonly requestJson: string;
    readonly locks: readonly ImageSetLockRequest[];
    readonly create: NewImageSetRow | undefined;
    readonly events: (imageSets: readonly ImageSetRecord[]) => EventEnvelope[];
    readonly maxConcurrent: number;
    readonly atMs: number;
  }): Promise<BeginOperationResult>;
  /**
   * Ends an operation in one transaction: writes its new versions (ACTIVE again), returns the other locked image sets to
   * ACTIVE with their previous workflow status, deletes the operation, stores its events. False when it was not pending.
   */
  finishOperation(input: {
    readonly datastoreId: DatastoreId;
    readonly operationId: string;
    readonly versions: readonly ImageSetVersionWrite[];
    readonly events: readonly EventEnvelope[];
    readonly atMs: number;
  }): Promise<boolean>;
  /** Operations a restart interrupted. */
  listOperations(): Promise<StoredImageSetOperation[]>;

  /** Like findImageSet, but also DELETED image sets (GetImageSet shows them). */
  findImageSetAnyState(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined>;
  /** ACTIVE → LOCKED/DELETING with its event, unless locked, absent, or too many deletions run in the data store. */
  beginDelete(
    datastoreId: DatastoreId,
    imageSetId: ImageSetId,
    event: (imageSet: ImageSetRecord) => EventEnvelope,
    atMs: number,
    maxConcurrentDeletes: number,
  ): Promise<BeginImageSetDeleteResult>;
  /**
   * LOCKED/DELETING → DELETED: versions, latest-frame list and tags go in one transaction with the event. Returns the
   * blob keys nothing references any more (its metadata documents, and frames it stored that no other image set uses).
   */
  finishDelete(datastoreId: DatastoreId, imageSetId: ImageSetId, event: EventEnvelope, atMs: number): Promise<{ readonly blobKeys: string[] } | undefined>;
  /** Image sets a restart interrupted while deleting. */
  listDeleting(): Promise<ImageSetRecord[]>;
  /** The image set unless it does not exist or was deleted. */
  findImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined>;
  /** The primary image set of a series, if any. */
  findPrimary(datastoreId: DatastoreId, studyInstanceUID: string, seriesInstanceUID: string): Promise<ImageSetRecord | undefined>;
  /** The primary image sets of a study (its series), for study-level consistency. */
  listStudyPrimaries(datastoreId: DatastoreId, studyInstanceUID: string): Promise<ImageSetRecord[]>;
  findVersion(datastoreId: DatastoreId, imageSetId: ImageSetId, version: number): Promise<ImageSetVersionRecord | undefined>;
  /** Versions newest first, below `beforeVersion` when given. */
  listVersions(datastoreId: DatastoreId, imageSetId: ImageSetId, beforeVersion: number | undefined, limit: number): Promise<ImageSetVersionRecord[]>;
  searchImageSets(query: ImageSetQuery): Promise<ImageSetSearchRow[]>;
  /** Series and instance counts over the primary image sets of each study. */
  studyCounts(datastoreId: DatastoreId, studyInstanceUIDs: readonly string[]): Promise<Map<string, { series: number; instances: number }>>;
  /** Records accesses (latest time per image set wins) and brings those image sets back to FREQUENT_ACCESS. */
  recordAccesses(accesses: readonly { readonly datastoreId: string; readonly imageSetId: string; readonly atMs: number }[]): Promise<void>;
  /** Moves image sets not accessed since `notAccessedSinceMs` to ARCHIVE_INSTANT_ACCESS; returns how many moved. */
  archiveIdle(notAccessedSinceMs: number): Promise<number>;
  /** Bytes of the latest versions of live image sets, per data store and storage tier. */
  storageBytes(): Promise<{ readonly datastoreId: string; readonly storageTier: string; readonly bytes: number }[]>;
  /** A frame of the image set's latest version. */
  findLatestFrame(datastoreId: DatastoreId, imageSetId: ImageSetId, frameId: string): Promise<StoredFrameRecord | undefined>;
}
