// The transactions of UpdateImageSetMetadata / CopyImageSet on SQLite: lock (and create) image sets with the operation
// record and events, then write the new versions and release the locks — each all-or-nothing.
import type Database from 'better-sqlite3';
import type { DatastoreId, ImageSetId } from '../../api/index.js';
import type {
  BeginOperationResult,
  HeldImageSetLock,
  ImageSetIndexFields,
  ImageSetOperationKind,
  ImageSetRecord,
  ImageSetRepository,
  ImageSetWorkflowStatus,
  StoredImageSetOperation,
} from '../../image-sets/index.js';
import { insertOutboxEvent } from './sqlite-outbox.js';
import type { LatestFrameCache } from './latest-frame-cache.js';
import { SET_STORED_BYTES_SQL, toImageSet, type ImageSetRow } from './sqlite-image-set-rows.js';

type Db = Database.Database;
type BeginInput = Parameters<ImageSetRepository['beginOperation']>[0];
type FinishInput = Parameters<ImageSetRepository['finishOperation']>[0];

interface OperationRow {
  datastore_id: string;
  id: string;
  kind: string;
  request_json: string;
  locks_json: string;
  created_image_set_id: string | null;
  started_at_ms: number;
}

function indexParams(index: ImageSetIndexFields) {
  return {
    study: index.studyInstanceUID,
    series: index.seriesInstanceUID,
    levelsJson: index.levelsJson,
    dicomTagsJson: index.dicomTagsJson,
    patientId: index.patientId ?? null,
    accessionNumber: index.accessionNumber ?? null,
    studyId: index.studyId ?? null,
    studyDateTime: index.studyDateTime,
    instanceCount: index.instanceCount,
  };
}

export class SqliteImageSetOperations {
  private readonly s;
  private readonly beginTransaction: Database.Transaction<(input: BeginInput) => BeginOperationResult>;
  private readonly finishTransaction: Database.Transaction<(input: FinishInput) => boolean>;

  constructor(
    db: Db,
    private readonly latestFrames: LatestFrameCache,
  ) {
    const s = (this.s = {
      anyState: db.prepare<[string, string], ImageSetRow>('SELECT * FROM image_sets WHERE datastore_id = ? AND id = ?'),
      running: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM image_set_operations WHERE datastore_id = ? AND kind = ?'),
      lock: db.prepare<{ workflowStatus: string; atMs: number; datastoreId: string; imageSetId: string }>(
        `UPDATE image_sets SET state = 'LOCKED', workflow_status = @workflowStatus, updated_at_ms = @atMs
          WHERE datastore_id = @datastoreId AND id = @imageSetId AND state = 'ACTIVE'`,
      ),
      create: db.prepare(
        `INSERT INTO image_sets (datastore_id, id, state, workflow_status, latest_version, is_primary, study_instance_uid, series_instance_uid,
           levels_json, dicom_tags_json, patient_id, accession_number, study_id, study_date_time, instance_count, created_at_ms, updated_at_ms,
           last_accessed_at_ms)
         VALUES (@datastoreId, @imageSetId, 'LOCKED', 'COPYING', 1, @isPrimary, @study, @series, @levelsJson, @dicomTagsJson,
           @patientId, @accessionNumber, @studyId, @studyDateTime, @instanceCount, @atMs, @atMs, @atMs)`,
      ),
      insertOperation: db.prepare(
        `INSERT INTO image_set_operations (datastore_id, id, kind, request_json, locks_json, created_image_set_id, started_at_ms)
         VALUES (@datastoreId, @id, @kind, @requestJson, @locksJson, @createdImageSetId, @atMs)`,
      ),
      operation: db.prepare<[string, string], OperationRow>('SELECT * FROM image_set_operations WHERE datastore_id = ? AND id = ?'),
      operations: db.prepare<[], OperationRow>('SELECT * FROM image_set_operations ORDER BY started_at_ms'),
      dropOperation: db.prepare<[string, string]>('DELETE FROM image_set_operations WHERE datastore_id = ? AND id = ?'),
      insertVersion: db.prepare(
        `INSERT INTO image_set_versions (datastore_id, image_set_id, version, workflow_status, is_primary, metadata_blob_key, message, is_forced,
           created_at_ms, updated_at_ms)
         VALUES (@datastoreId, @imageSetId, @version, @workflowStatus, @isPrimary, @metadataBlobKey, @message, @isForced, @atMs, @atMs)`,
      ),
      setIndexedVersion: db.prepare(
        `UPDATE image_sets SET state = 'ACTIVE', workflow_status = @workflowStatus, latest_version = @version, is_primary = @isPrimary,
           message = @message, study_instance_uid = @study, series_instance_uid = @series, levels_json = @levelsJson,
           dicom_tags_json = @dicomTagsJson, patient_id = @patientId, accession_number = @accessionNumber, study_id = @studyId,
           study_date_time = @studyDateTime, instance_count = @instanceCount, updated_at_ms = @atMs
         WHERE datastore_id = @datastoreId AND id = @imageSetId AND state = 'LOCKED'`,
      ),
      setFailedVersion: db.prepare(
        `UPDATE image_sets SET state = 'ACTIVE', workflow_status = @workflowStatus, latest_version = @version, is_primary = @isPrimary,
           message = @message, updated_at_ms = @atMs
         WHERE datastore_id = @datastoreId AND id = @imageSetId AND state = 'LOCKED'`,
      ),
      release: db.prepare<{ workflowStatus: string; datastoreId: string; imageSetId: string }>(
        `UPDATE image_sets SET state = 'ACTIVE', workflow_status = @workflowStatus
          WHERE datastore_id = @datastoreId AND id = @imageSetId AND state = 'LOCKED'`,
      ),
      clearSetFrames: db.prepare<[string, string]>('DELETE FROM image_set_frames WHERE datastore_id = ? AND image_set_id = ?'),
      insertSetFrame: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO image_set_frames (datastore_id, image_set_id, frame_id) VALUES (?, ?, ?)'),
      insertFrameRef: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO image_set_frame_refs (datastore_id, frame_id, image_set_id) VALUES (?, ?, ?)'),
      copyPixelBlob: db.prepare(
        `INSERT OR REPLACE INTO instance_pixel_blobs (datastore_id, image_set_id, sop_instance_uid, blob_key, transfer_syntax_uid, size_bytes, created_at_ms)
         SELECT datastore_id, @toImageSetId, @toSop, blob_key, transfer_syntax_uid, size_bytes, @atMs FROM instance_pixel_blobs
          WHERE datastore_id = @datastoreId AND image_set_id = @fromImageSetId AND sop_instance_uid = @fromSop`,
      ),
      setStoredBytes: db.prepare<{ datastoreId: string; imageSetId: string }>(SET_STORED_BYTES_SQL),
    });

    this.beginTransaction = db.transaction((input: BeginInput): BeginOperationResult => {
      if (s.running.get(input.datastoreId, input.kind)!.n >= input.maxConcurrent) return { kind: 'quota-exceeded' };
      const held: HeldImageSetLock[] = [];
      for (const lock of input.locks) {
        const row = s.anyState.get(input.datastoreId, lock.imageSetId);
        if (row === undefined || row.state === 'DELETED') return { kind: 'not-found', imageSetId: lock.imageSetId };
        if (row.state === 'LOCKED') return { kind: 'locked', imageSetId: lock.imageSetId, workflowStatus: row.workflow_status as ImageSetWorkflowStatus };
        if (row.latest_version !== lock.expectedVersion) return { kind: 'stale', imageSetId: lock.imageSetId };
        held.push({ imageSetId: lock.imageSetId, expectedVersion: lock.expectedVersion, previousWorkflowStatus: row.workflow_status as ImageSetWorkflowStatus });
      }
      if (input.create !== undefined) {
        try {
          s.create.run({
            datastoreId: input.datastoreId,
            imageSetId: input.create.imageSetId,
            isPrimary: input.create.isPrimary ? 1 : 0,
            ...indexParams(input.create.index),
            atMs: input.atMs,
          });
        } catch (error) {
          // The partial unique index allows one primary image set per series (§5.2 invariant 1).
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && input.create.isPrimary) return { kind: 'primary-exists' };
          throw error;
        }
      }
      for (const lock of input.locks) {
        s.lock.run({ workflowStatus: lock.workflowStatus, atMs: input.atMs, datastoreId: input.datastoreId, imageSetId: lock.imageSetId });
      }
      s.insertOperation.run({
        datastoreId: input.datastoreId,
        id: input.operationId,
        kind: input.kind,
        requestJson: input.requestJson,
        locksJson: JSON.stringify(held),
        createdImageSetId: input.create?.imageSetId ?? null,
        atMs: input.atMs,
      });
      const ids = [...input.locks.map((l) => l.imageSetId), ...(input.create !== undefined ? [input.create.imageSetId] : [])];
      const imageSets: ImageSetRecord[] = ids.map((id) => toImageSet(s.anyState.get(input.datastoreId, id))!);
      for (const event of input.events(imageSets)) insertOutboxEvent(db, event, input.atMs);
      return { kind: 'started', imageSets };
    });

    this.finishTransaction = db.transaction((input: FinishInput): boolean => {
      const operation = s.operation.get(input.datastoreId, input.operationId);
      if (operation === undefined) return false;
      this.latestFrames.invalidate();
      const written = new Set<string>();
      for (const v of input.versions) {
        const common = {
          datastoreId: input.datastoreId,
          imageSetId: v.imageSetId,
          version: v.version,
          workflowStatus: v.workflowStatus,
          isPrimary: v.isPrimary ? 1 : 0,
          message: v.message ?? null,
          atMs: input.atMs,
        };
        s.insertVersion.run({ ...common, metadataBlobKey: v.metadataBlobKey, isForced: v.isForced ? 1 : 0 });
        const changed = v.index !== undefined ? s.setIndexedVersion.run({ ...common, ...indexParams(v.index) }).changes : s.setFailedVersion.run(common).changes;
        if (changed === 0) throw new Error(`Image set ${v.imageSetId} is not locked by operation ${input.operationId}`);
        if (v.frameIds !== undefined) {
          s.clearSetFrames.run(input.datastoreId, v.imageSetId);
          for (const frameId of v.frameIds) {
            s.insertSetFrame.run(input.datastoreId, v.imageSetId, frameId);
            s.insertFrameRef.run(input.datastoreId, frameId, v.imageSetId);
          }
        }
        for (const copy of v.pixelBlobCopies) {
          s.copyPixelBlob.run({
            datastoreId: input.datastoreId,
            fromImageSetId: copy.fromImageSetId,
            fromSop: copy.fromSopInstanceUID,
            toImageSetId: v.imageSetId,
            toSop: copy.toSopInstanceUID,
            atMs: input.atMs,
          });
        }
        s.setStoredBytes.run({ datastoreId: input.datastoreId, imageSetId: v.imageSetId });
        written.add(v.imageSetId);
      }
      for (const lock of JSON.parse(operation.locks_json) as HeldImageSetLock[]) {
        if (!written.has(lock.imageSetId)) s.release.run({ workflowStatus: lock.previousWorkflowStatus, datastoreId: input.datastoreId, imageSetId: lock.imageSetId });
      }
      s.dropOperation.run(input.datastoreId, input.operationId);
      for (const event of input.events) insertOutboxEvent(db, event, input.atMs);
      return true;
    });
  }

  begin(input: BeginInput): BeginOperationResult {
    return this.beginTransaction.immediate(input);
  }

  finish(input: FinishInput): boolean {
    return this.finishTransaction.immediate(input);
  }

  list(): StoredImageSetOperation[] {
    return this.s.operations.all().map((row) => ({
      datastoreId: row.datastore_id as DatastoreId,
      id: row.id,
      kind: row.kind as ImageSetOperationKind,
      requestJson: row.request_json,
      locks: JSON.parse(row.locks_json) as HeldImageSetLock[],
      createdImageSetId: (row.created_image_set_id ?? undefined) as ImageSetId | undefined,
      startedAtMs: row.started_at_ms,
    }));
  }
}

