// ImportJobRepository on SQLite: job rows, idempotency, and the all-or-nothing commit of a job's image sets.
import type Database from 'better-sqlite3';
import type { DatastoreId, JobId, JobStatus } from '../../api/index.js';
import type { EventEnvelope } from '../../events/index.js';
import {
  StaleImageSetError,
  type CreateImportJobResult,
  type ImportJobRecord,
  type ImportJobRepository,
  type JobCommit,
  type JobPosition,
} from '../../import-jobs/index.js';
import { insertOutboxEvent } from './sqlite-outbox.js';
import type { LatestFrameCache } from './latest-frame-cache.js';
import { SET_STORED_BYTES_SQL } from './sqlite-image-set-rows.js';

type Db = Database.Database;

interface JobRow {
  datastore_id: string;
  id: string;
  name: string;
  status: string;
  data_access_role_arn: string;
  input_s3_uri: string;
  output_s3_uri: string;
  input_owner_account_id: string | null;
  import_configuration_json: string | null;
  submitted_at_ms: number;
  ended_at_ms: number | null;
  message: string | null;
  report_json: string | null;
}

export class SqliteImportJobRepository implements ImportJobRepository {
  private readonly statements;
  private readonly createTransaction;
  private readonly transitionTransaction;
  private readonly commitTransaction;

  constructor(
    private readonly db: Db,
    private readonly latestFrames: LatestFrameCache,
  ) {
    this.statements = {
      get: db.prepare<[string, string, number], JobRow>('SELECT * FROM import_jobs WHERE datastore_id = ? AND id = ? AND submitted_at_ms >= ?'),
      insert: db.prepare(
        `INSERT INTO import_jobs (datastore_id, id, name, status, data_access_role_arn, input_s3_uri, output_s3_uri, input_owner_account_id,
           import_configuration_json, submitted_at_ms) VALUES (@datastoreId, @id, @name, @status, @dataAccessRoleArn, @inputS3Uri, @outputS3Uri,
           @inputOwnerAccountId, @importConfigurationJson, @submittedAtMs)`,
      ),
      datastoreStatus: db.prepare<[string], { status: string }>('SELECT status FROM datastores WHERE id = ?'),
      running: db.prepare<[string], { n: number }>(
        "SELECT count(*) AS n FROM import_jobs WHERE datastore_id = ? AND status IN ('SUBMITTED', 'IN_PROGRESS')",
      ),
      findToken: db.prepare<[string, string], { request_hash: string; resource_id: string; created_at_ms: number }>(
        'SELECT request_hash, resource_id, created_at_ms FROM idempotency_records WHERE operation = ? AND client_token = ?',
      ),
      putToken: db.prepare(
        'INSERT OR REPLACE INTO idempotency_records (operation, client_token, request_hash, resource_id, created_at_ms) VALUES (?, ?, ?, ?, ?)',
      ),
      unfinished: db.prepare<[], JobRow>("SELECT * FROM import_jobs WHERE status IN ('SUBMITTED', 'IN_PROGRESS') ORDER BY submitted_at_ms"),
      setStatus: db.prepare(
        'UPDATE import_jobs SET status = @to, ended_at_ms = coalesce(@endedAtMs, ended_at_ms), message = coalesce(@message, message) WHERE datastore_id = @datastoreId AND id = @jobId AND status = @from',
      ),
      setReport: db.prepare('UPDATE import_jobs SET report_json = ? WHERE datastore_id = ? AND id = ?'),
      insertImageSet: db.prepare(
        `INSERT INTO image_sets (datastore_id, id, state, workflow_status, latest_version, is_primary, study_instance_uid, series_instance_uid,
           levels_json, dicom_tags_json, patient_id, accession_number, study_id, study_date_time, instance_count, created_at_ms, updated_at_ms,
           last_accessed_at_ms)
         VALUES (@datastoreId, @id, 'ACTIVE', @workflowStatus, @version, @isPrimary, @study, @series, @levelsJson, @dicomTagsJson,
           @patientId, @accessionNumber, @studyId, @studyDateTime, @instanceCount, @atMs, @atMs, @atMs)`,
      ),
      updateImageSet: db.prepare(
        `UPDATE image_sets SET workflow_status = @workflowStatus, latest_version = @version, levels_json = @levelsJson, dicom_tags_json = @dicomTagsJson,
           patient_id = @patientId, accession_number = @accessionNumber, study_id = @studyId, study_date_time = @studyDateTime,
           instance_count = @instanceCount, updated_at_ms = @atMs, last_accessed_at_ms = @atMs, storage_tier = 'FREQUENT_ACCESS' WHERE datastore_id = @datastoreId AND id = @id AND latest_version = @previousVersion AND state = 'ACTIVE'`,
      ),
      insertVersion: db.prepare(
        `INSERT INTO image_set_versions (datastore_id, image_set_id, version, workflow_status, is_primary, metadata_blob_key, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFrame: db.prepare(
        'INSERT INTO image_frames (datastore_id, id, blob_key, stored_transfer_syntax_uid, size_bytes, created_at_ms, owner_image_set_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      putPixelBlob: db.prepare(
        `INSERT OR REPLACE INTO instance_pixel_blobs (datastore_id, image_set_id, sop_instance_uid, blob_key, transfer_syntax_uid, size_bytes, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      setStoredBytes: db.prepare<{ datastoreId: string; imageSetId: string }>(SET_STORED_BYTES_SQL),
      clearSetFrames: db.prepare('DELETE FROM image_set_frames WHERE datastore_id = ? AND image_set_id = ?'),
      insertSetFrame: db.prepare('INSERT OR IGNORE INTO image_set_frames (datastore_id, image_set_id, frame_id) VALUES (?, ?, ?)'),
      insertFrameRef: db.prepare('INSERT OR IGNORE INTO image_set_frame_refs (datastore_id, frame_id, image_set_id) VALUES (?, ?, ?)'),
    };

    this.createTransaction = db.transaction((input: Parameters<ImportJobRepository['create']>[0]): CreateImportJobResult => {
      const { job } = input;
      const previous = this.statements.findToken.get('StartDICOMImportJob', input.clientToken);
      if (previous !== undefined && previous.created_at_ms >= input.idempotencyNotBeforeMs) {
        if (previous.request_hash !== input.requestHash) return { kind: 'token-reused-with-other-parameters' };
        const existing = this.statements.get.get(job.datastoreId, previous.resource_id, 0);
        if (existing !== undefined) return { kind: 'replayed', job: toRecord(existing) };
      }
      const status = this.statements.datastoreStatus.get(job.datastoreId)?.status;
      if (status !== 'ACTIVE') return { kind: 'datastore-not-active', status };
      if (this.statements.running.get(job.datastoreId)!.n >= input.maxConcurrentJobs) return { kind: 'quota-exceeded' };
      this.statements.insert.run({
        ...job,
        inputOwnerAccountId: job.inputOwnerAccountId ?? null,
        importConfigurationJson: job.importConfigurationJson ?? null,
      });
      this.statements.putToken.run('StartDICOMImportJob', input.clientToken, input.requestHash, job.id, job.submittedAtMs);
      insertOutboxEvent(db, input.event, job.submittedAtMs);
      return { kind: 'created', job };
    });

    this.transitionTransaction = db.transaction(
      (datastoreId: string, jobId: string, from: JobStatus, to: JobStatus, fields: { endedAtMs?: number; message?: string }, event: EventEnvelope) => {
        const changed = this.statements.setStatus.run({
          datastoreId,
          jobId,
          from,
          to,
          endedAtMs: fields.endedAtMs ?? null,
          message: fields.message ?? null,
        }).changes;
        if (changed === 0) return false;
        insertOutboxEvent(db, event, fields.endedAtMs ?? Date.now());
        return true;
      },
    );

    this.commitTransaction = db.transaction((commit: JobCommit) => {
      const s = this.statements;
      this.latestFrames.invalidate();
      for (const change of commit.changes) {
        const row = {
          datastoreId: commit.datastoreId,
          id: change.imageSetId,
          workflowStatus: change.workflowStatus,
          version: change.version,
          previousVersion: change.previousVersion,
          isPrimary: change.isPrimary ? 1 : 0,
          study: change.studyInstanceUID,
          series: change.seriesInstanceUID,
          levelsJson: change.levelsJson,
          dicomTagsJson: change.dicomTagsJson,
          patientId: change.search.patientId ?? null,
          accessionNumber: change.search.accessionNumber ?? null,
          studyId: change.search.studyId ?? null,
          studyDateTime: change.search.studyDateTime,
          instanceCount: change.search.instanceCount,
          atMs: commit.atMs,
        };
        if (change.isNew) s.insertImageSet.run(row);
        else if (s.updateImageSet.run(row).changes === 0) throw new StaleImageSetError(`Image set ${change.imageSetId} changed while the job ran`);
        s.insertVersion.run(commit.datastoreId, change.imageSetId, change.version, change.workflowStatus, row.isPrimary, change.metadataBlobKey, commit.atMs, commit.atMs);
        for (const frame of change.newFrames) {
          s.insertFrame.run(commit.datastoreId, frame.id, frame.blobKey, frame.storedTransferSyntaxUID, frame.sizeBytes, commit.atMs, change.imageSetId);
        }
        for (const blob of change.newPixelBlobs) {
          s.putPixelBlob.run(commit.datastoreId, change.imageSetId, blob.sopInstanceUID, blob.blobKey, blob.transferSyntaxUID, blob.sizeBytes, commit.atMs);
        }
        s.clearSetFrames.run(commit.datastoreId, change.imageSetId);
        for (const frameId of change.frameIds) {
          s.insertSetFrame.run(commit.datastoreId, change.imageSetId, frameId);
          s.insertFrameRef.run(commit.datastoreId, frameId, change.imageSetId);
        }
        s.setStoredBytes.run({ datastoreId: commit.datastoreId, imageSetId: change.imageSetId });
        insertOutboxEvent(db, change.event, commit.atMs);
      }
      s.setReport.run(commit.reportJson, commit.datastoreId, commit.jobId);
    });
  }

  async create(input: Parameters<ImportJobRepository['create']>[0]): Promise<CreateImportJobResult> {
    return this.createTransaction.immediate(input);
  }

  async get(datastoreId: DatastoreId, jobId: JobId, notBeforeMs: number): Promise<ImportJobRecord | undefined> {
    const row = this.statements.get.get(datastoreId, jobId, notBeforeMs);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(query: { datastoreId: DatastoreId; status: JobStatus | undefined; before: JobPosition | undefined; limit: number; notBeforeMs: number }) {
    const where = ['datastore_id = @datastoreId', 'submitted_at_ms >= @notBefore'];
    if (query.status !== undefined) where.push('status = @status');
    if (query.before !== undefined) where.push('(submitted_at_ms, id) < (@beforeSubmitted, @beforeId)');
    const rows = this.db
      .prepare<Record<string, unknown>, JobRow>(`SELECT * FROM import_jobs WHERE ${where.join(' AND ')} ORDER BY submitted_at_ms DESC, id DESC LIMIT @limit`)
      .all({
        datastoreId: query.datastoreId,
        notBefore: query.notBeforeMs,
        status: query.status,
        beforeSubmitted: query.before?.submittedAtMs,
        beforeId: query.before?.id,
        limit: query.limit,
      });
    return rows.map(toRecord);
  }

  async listUnfinished(): Promise<ImportJobRecord[]> {
    return this.statements.unfinished.all().map(toRecord);
  }

  async transition(
    datastoreId: DatastoreId,
    jobId: JobId,
    from: JobStatus,
    to: JobStatus,
    fields: { endedAtMs?: number; message?: string },
    event: EventEnvelope,
  ): Promise<boolean> {
    return this.transitionTransaction.immediate(datastoreId, jobId, from, to, fields, event);
  }

  async commit(commit: JobCommit): Promise<void> {
    this.commitTransaction.immediate(commit);
  }
}

function toRecord(row: JobRow): ImportJobRecord {
  return {
    datastoreId: row.datastore_id as DatastoreId,
    id: row.id as JobId,
    name: row.name,
    status: row.status as JobStatus,
    dataAccessRoleArn: row.data_access_role_arn,
    inputS3Uri: row.input_s3_uri,
    outputS3Uri: row.output_s3_uri,
    inputOwnerAccountId: row.input_owner_account_id ?? undefined,
    importConfigurationJson: row.import_configuration_json ?? undefined,
    submittedAtMs: row.submitted_at_ms,
    endedAtMs: row.ended_at_ms ?? undefined,
    message: row.message ?? undefined,
    reportJson: row.report_json ?? undefined,
  };
}
