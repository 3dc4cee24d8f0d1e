// ImageSetRepository on SQLite.
import type Database from 'better-sqlite3';
import type { DatastoreId, ImageSetId } from '../../api/index.js';
import type { EventEnvelope } from '../../events/index.js';
import { insertOutboxEvent } from './sqlite-outbox.js';
import { SqliteImageSetOperations } from './sqlite-image-set-operations.js';
import type { LatestFrameCache } from './latest-frame-cache.js';
import { toImageSet, type ImageSetRow } from './sqlite-image-set-rows.js';
import type {
  BeginImageSetDeleteResult,
  ImageSetQuery,
  ImageSetRecord,
  ImageSetRepository,
  ImageSetSearchRow,
  ImageSetVersionRecord,
  ImageSetWorkflowStatus,
  StoredImageSetOperation,
} from '../../image-sets/index.js';

/** Search attribute → column; every one is the second column of an index on (datastore_id, …). */
const SEARCH_COLUMNS = {
  DICOMPatientId: 'patient_id',
  DICOMAccessionNumber: 'accession_number',
  DICOMStudyId: 'study_id',
  DICOMStudyInstanceUID: 'study_instance_uid',
  DICOMSeriesInstanceUID: 'series_instance_uid',
  isPrimary: 'is_primary',
  createdAt: 'created_at_ms',
  updatedAt: 'updated_at_ms',
  DICOMStudyDateAndTime: 'study_date_time',
} as const;

/** The index that serves each search attribute (migration 3). */
const SEARCH_INDEXES = {
  DICOMPatientId: 'image_sets_search_patient',
  DICOMAccessionNumber: 'image_sets_search_accession',
  DICOMStudyId: 'image_sets_search_study_id',
  DICOMStudyInstanceUID: 'image_sets_by_study',
  DICOMSeriesInstanceUID: 'image_sets_search_series',
  createdAt: 'image_sets_search_created',
  updatedAt: 'image_sets_search_updated',
  DICOMStudyDateAndTime: 'image_sets_search_study_date',
} as const;

type Db = Database.Database;


interface SearchRow {
  id: string;
  latest_version: number;
  created_at_ms: number;
  updated_at_ms: number;
  last_accessed_at_ms: number | null;
  storage_tier: string;
  is_primary: number;
  study_instance_uid: string;
  instance_count: number;
  dicom_tags_json: string;
  sort_value: string | number;
}

interface VersionRow {
  datastore_id: string;
  image_set_id: string;
  version: number;
  workflow_status: string;
  is_primary: number;
  metadata_blob_key: string;
  message: string | null;
  is_forced: number;
  created_at_ms: number;
  updated_at_ms: number;
}

export class SqliteImageSetRepository implements ImageSetRepository {
  private readonly statements;
  private readonly deletion;
  private readonly recordAccessesTransaction;
  private readonly beginDeleteTransaction;
  private readonly finishDeleteTransaction;
  private readonly searchStatements = new Map<string, Database.Statement<Record<string, unknown>, SearchRow>>();
  private readonly operations: SqliteImageSetOperations;

  constructor(
    private readonly db: Db,
    private readonly latestFrames: LatestFrameCache,
  ) {
    this.statements = prepareReads(db);
    this.operations = new SqliteImageSetOperations(db, latestFrames);
    const del = (this.deletion = prepareDeletion(db));
    this.recordAccessesTransaction = db.transaction((accesses: readonly { datastoreId: string; imageSetId: string; atMs: number }[]) => {
      for (const a of accesses) this.statements.recordAccess.run({ atMs: a.atMs, datastoreId: a.datastoreId, imageSetId: a.imageSetId });
    });
    this.beginDeleteTransaction = db.transaction(
      (datastoreId: string, imageSetId: string, event: (imageSet: ImageSetRecord) => EventEnvelope, atMs: number, maxConcurrent: number): BeginImageSetDeleteResult => {
        const row = del.anyState.get(datastoreId, imageSetId);
        if (row === undefined || row.state === 'DELETED') return { kind: 'not-found' };
        if (row.state === 'LOCKED') return { kind: 'locked', workflowStatus: row.workflow_status as ImageSetWorkflowStatus };
        if (del.runningDeletes.get(datastoreId)!.n >= maxConcurrent) return { kind: 'quota-exceeded' };
        del.lock.run(atMs, datastoreId, imageSetId);
        const imageSet = toImageSet(del.anyState.get(datastoreId, imageSetId))!;
        insertOutboxEvent(db, event(imageSet), atMs);
        return { kind: 'deleting', imageSet };
      },
    );
    this.finishDeleteTransaction = db.transaction((datastoreId: string, imageSetId: string, event: EventEnvelope, atMs: number) => {
      const row = del.anyState.get(datastoreId, imageSetId);
      if (row === undefined || row.workflow_status !== 'DELETING') return undefined;
      this.latestFrames.invalidate();
      const blobKeys = del.versionKeys.all(datastoreId, imageSetId).map((v) => v.metadata_blob_key);
      for (const frame of del.orphanFrames.all({ datastoreId, imageSetId })) {
        blobKeys.push(frame.blob_key);
        del.dropFrame.run(datastoreId, frame.id);
      }
      del.dropFrameRefs.run(datastoreId, imageSetId);
      for (const blob of del.pixelBlobs.all({ datastoreId, imageSetId })) blobKeys.push(blob.blob_key);
      del.dropPixelBlobs.run(datastoreId, imageSetId);
      del.dropVersions.run(datastoreId, imageSetId);
      del.dropSetFrames.run(datastoreId, imageSetId);
      del.dropTags.run(`${datastoreId}/${imageSetId}`);
      del.markDeleted.run(atMs, atMs, datastoreId, imageSetId);
      insertOutboxEvent(db, event, atMs);
      return { blobKeys };
    });
  }

  async findImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined> {
    return toImageSet(this.statements.find.get(datastoreId, imageSetId));
  }

  async findPrimary(datastoreId: DatastoreId, studyInstanceUID: string, seriesInstanceUID: string): Promise<ImageSetRecord | undefined> {
    return toImageSet(this.statements.primary.get(datastoreId, studyInstanceUID, seriesInstanceUID));
  }

  async listStudyPrimaries(datastoreId: DatastoreId, studyInstanceUID: string): Promise<ImageSetRecord[]> {
    return this.statements.studyPrimaries.all(datastoreId, studyInstanceUID).map((row) => toImageSet(row)!);
  }

  async findLatestFrame(datastoreId: DatastoreId, imageSetId: ImageSetId, frameId: string) {
    const cached = this.latestFrames.get(datastoreId, imageSetId, frameId);
    if (cached !== undefined) return cached;
    const row = this.statements.latestFrame.get(datastoreId, imageSetId, frameId);
    if (row === undefined) return undefined;
    const frame = { blobKey: row.blob_key, storedTransferSyntaxUID: row.stored_transfer_syntax_uid, sizeBytes: row.size_bytes };
    this.latestFrames.set(datastoreId, imageSetId, frameId, frame);
    return frame;
  }

  /** The query plan of a search (tests and operators use it to see that every search is index-served). */
  explainSearch(query: ImageSetQuery): string {
    const { sql, params } = this.searchSql(query);
    return this.db
      .prepare<Record<string, unknown>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((row) => row.detail)
      .join(' | ');
  }

  async searchImageSets(query: ImageSetQuery): Promise<ImageSetSearchRow[]> {
    const { sql, params } = this.searchSql(query);
    let statement = this.searchStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<Record<string, unknown>, SearchRow>(sql);
      this.searchStatements.set(sql, statement);
    }
    return statement.all(params).map((row) => ({
      id: row.id,
      latestVersion: row.latest_version,
      createdAtMs: row.created_at_ms,
      updatedAtMs: row.updated_at_ms,
      lastAccessedAtMs: row.last_accessed_at_ms ?? undefined,
      storageTier: row.storage_tier,
      isPrimary: row.is_primary === 1,
      studyInstanceUID: row.study_instance_uid,
      instanceCount: row.instance_count,
      dicomTagsJson: row.dicom_tags_json,
      sortValue: row.sort_value,
    }));
  }

  private searchSql(query: ImageSetQuery): { sql: string; params: Record<string, unknown> } {
    const where = ["datastore_id = @datastoreId", "state <> 'DELETED'"];
    // The index is chosen here, not left to SQLite's planner (which has no statistics and picks poorly): an identifier
    // equality is the most selective, then a date range, then isPrimary, else the index of the sort order.
    const identifier = query.equals.find((e) => e.field !== 'isPrimary');
    const hasIdentifier = identifier !== undefined;
    const index =
      identifier !== undefined
        ? SEARCH_INDEXES[identifier.field as keyof typeof SEARCH_INDEXES]
        : query.range !== undefined
          ? SEARCH_INDEXES[query.range.field]
          : query.equals.length > 0
            ? 'image_sets_search_primary'
            : SEARCH_INDEXES[query.sort.field];
    const params: Record<string, unknown> = { datastoreId: query.datastoreId, limit: query.limit };
    query.equals.forEach((e, i) => {
      where.push(`${SEARCH_COLUMNS[e.field]} = @eq${i}`);
      params[`eq${i}`] = typeof e.value === 'boolean' ? (e.value ? 1 : 0) : e.value;
    });
    if (query.range !== undefined) {
      where.push(`${hasIdentifier ? '+' : ''}${SEARCH_COLUMNS[query.range.field]} BETWEEN @low AND @high`);
      params.low = query.range.low;
      params.high = query.range.high;
    }
    const sortColumn = SEARCH_COLUMNS[query.sort.field];
    const direction = query.sort.order === 'ASC' ? 'ASC' : 'DESC';
    if (query.after !== undefined) {
      where.push(`(${sortColumn}, id) ${direction === 'ASC' ? '>' : '<'} (@afterValue, @afterId)`);
      params.afterValue = query.after.sortValue;
      params.afterId = query.after.id;
    }
    // Statements are cached by shape (the set of filters and the order), never by values.
    const sql = `SELECT id, latest_version, created_at_ms, updated_at_ms, last_accessed_at_ms, storage_tier, is_primary, study_instance_uid,
        instance_count, dicom_tags_json, ${sortColumn} AS sort_value
      FROM image_sets INDEXED BY ${index} WHERE ${where.join(' AND ')} ORDER BY ${hasIdentifier ? '+' : ''}${sortColumn} ${direction}, id ${direction} LIMIT @limit`;
    return { sql, params };
  }

  async studyCounts(datastoreId: DatastoreId, studyInstanceUIDs: readonly string[]): Promise<Map<string, { series: number; instances: number }>> {
    const counts = new Map<string, { series: number; instances: number }>();
    if (studyInstanceUIDs.length === 0) return counts;
    for (const row of this.statements.studyCounts.all(datastoreId, JSON.stringify(studyInstanceUIDs))) {
      counts.set(row.study, { series: row.series, instances: row.instances });
    }
    return counts;
  }

  async findImageSetAnyState(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined> {
    return toImageSet(this.deletion.anyState.get(datastoreId, imageSetId));
  }

  async beginDelete(
    datastoreId: DatastoreId,
    imageSetId: ImageSetId,
    event: (imageSet: ImageSetRecord) => EventEnvelope,
    atMs: number,
    maxConcurrentDeletes: number,
  ): Promise<BeginImageSetDeleteResult> {
    return this.beginDeleteTransaction.immediate(datastoreId, imageSetId, event, atMs, maxConcurrentDeletes);
  }

  async finishDelete(datastoreId: DatastoreId, imageSetId: ImageSetId, event: EventEnvelope, atMs: number) {
    return this.finishDeleteTransaction.immediate(datastoreId, imageSetId, event, atMs);
  }

  async beginOperation(input: Parameters<ImageSetRepository['beginOperation']>[0]) {
    return this.operations.begin(input);
  }

  async finishOperation(input: Parameters<ImageSetRepository['finishOperation']>[0]) {
    return this.operations.finish(input);
  }

  async listOperations(): Promise<StoredImageSetOperation[]> {
    return this.operations.list();
  }

  async listDeleting(): Promise<ImageSetRecord[]> {
    return this.deletion.deleting.all().map((row) => toImageSet(row)!);
  }

  async recordAccesses(accesses: readonly { datastoreId: string; imageSetId: string; atMs: number }[]): Promise<void> {
    // Access times are hints for storage tiers: this commit skips the WAL fsync (synchronous NORMAL keeps it atomic; a
    // power loss may forget the last second of accesses, and the next ordinary commit syncs it anyway). The fsync ran on
    // the event loop once a second under frame reads, holding every request in flight for it (~0.5 ms here, a disk's
    // latency elsewhere).
    const previous = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      this.recordAccessesTransaction(accesses);
    } finally {
      this.db.pragma(`synchronous = ${previous}`);
    }
  }

  async archiveIdle(notAccessedSinceMs: number): Promise<number> {
    return this.statements.archiveIdle.run(notAccessedSinceMs).changes;
  }

  async storageBytes(): Promise<{ datastoreId: string; storageTier: string; bytes: number }[]> {
    return this.statements.storageBytes.all().map((row) => ({ datastoreId: row.datastore_id, storageTier: row.storage_tier, bytes: row.bytes }));
  }

  async listVersions(datastoreId: DatastoreId, imageSetId: ImageSetId, beforeVersion: number | undefined, limit: number): Promise<ImageSetVersionRecord[]> {
    return this.statements.versions.all(datastoreId, imageSetId, beforeVersion ?? Number.MAX_SAFE_INTEGER, limit).map((row) => toVersion(row)!);
  }

  async findVersion(datastoreId: DatastoreId, imageSetId: ImageSetId, version: number): Promise<ImageSetVersionRecord | undefined> {
    return toVersion(this.statements.version.get(datastoreId, imageSetId, version));
  }
}

function toVersion(row: VersionRow | undefined): ImageSetVersionRecord | undefined {
    return row === undefined
      ? undefined
      : {
          datastoreId: row.datastore_id as DatastoreId,
          imageSetId: row.image_set_id as ImageSetId,
          version: row.version,
          workflowStatus: row.workflow_status as ImageSetWorkflowStatus,
          isPrimary: row.is_primary === 1,
          metadataBlobKey: row.metadata_blob_key,
          isForced: row.is_forced === 1,
          message: row.message ?? undefined,
          createdAtMs: row.created_at_ms,
          updatedAtMs: row.updated_at_ms,
        };
}


function prepareReads(db: Db) {
  return {
      find: db.prepare<[string, string], ImageSetRow>("SELECT * FROM image_sets WHERE datastore_id = ? AND id = ? AND state <> 'DELETED'"),
      primary: db.prepare<[string, string, string], ImageSetRow>(
        "SELECT * FROM image_sets WHERE datastore_id = ? AND study_instance_uid = ? AND series_instance_uid = ? AND is_primary = 1 AND state <> 'DELETED'",
      ),
      studyPrimaries: db.prepare<[string, string], ImageSetRow>(
        "SELECT * FROM image_sets WHERE datastore_id = ? AND study_instance_uid = ? AND is_primary = 1 AND state <> 'DELETED'",
      ),
      latestFrame: db.prepare<[string, string, string], { blob_key: string; stored_transfer_syntax_uid: string; size_bytes: number }>(
        `SELECT f.blob_key, f.stored_transfer_syntax_uid, f.size_bytes FROM image_set_frames s
           JOIN image_frames f ON f.datastore_id = s.datastore_id AND f.id = s.frame_id
         WHERE s.datastore_id = ? AND s.image_set_id = ? AND s.frame_id = ?`,
      ),
      // One query per page: the primary-series index holds exactly these rows (named, as SQLite has no statistics).
      studyCounts: db.prepare<[string, string], { study: string; series: number; instances: number }>(
        `SELECT study_instance_uid AS study, count(*) AS series, coalesce(sum(instance_count), 0) AS instances
           FROM image_sets INDEXED BY image_sets_primary_series
          WHERE datastore_id = ? AND study_instance_uid IN (SELECT value FROM json_each(?)) AND is_primary = 1 AND state <> 'DELETED'
          GROUP BY study_instance_uid`,
      ),
      storageBytes: db.prepare<[], { datastore_id: string; storage_tier: string; bytes: number }>(
        "SELECT datastore_id, storage_tier, sum(stored_bytes) AS bytes FROM image_sets WHERE state <> 'DELETED' GROUP BY datastore_id, storage_tier",
      ),
      recordAccess: db.prepare<{ atMs: number; datastoreId: string; imageSetId: string }>(
        `UPDATE image_sets SET last_accessed_at_ms = max(coalesce(last_accessed_at_ms, 0), @atMs), storage_tier = 'FREQUENT_ACCESS'
         WHERE datastore_id = @datastoreId AND id = @imageSetId`,
      ),
      archiveIdle: db.prepare<[number]>(
        `UPDATE image_sets SET storage_tier = 'ARCHIVE_INSTANT_ACCESS'
         WHERE storage_tier = 'FREQUENT_ACCESS' AND state <> 'DELETED' AND last_accessed_at_ms < ?`,
      ),
      versions: db.prepare<[string, string, number, number], VersionRow>(
        'SELECT * FROM image_set_versions WHERE datastore_id = ? AND image_set_id = ? AND version < ? ORDER BY version DESC LIMIT ?',
      ),
      version: db.prepare<[string, string, number], VersionRow>(
        'SELECT * FROM image_set_versions WHERE datastore_id = ? AND image_set_id = ? AND version = ?',
      ),
    };
}

function prepareDeletion(db: Db) {
  return {
      anyState: db.prepare<[string, string], ImageSetRow>('SELECT * FROM image_sets WHERE datastore_id = ? AND id = ?'),
      runningDeletes: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM image_sets WHERE datastore_id = ? AND workflow_status = 'DELETING'"),
      lock: db.prepare<[number, string, string]>(
        "UPDATE image_sets SET state = 'LOCKED', workflow_status = 'DELETING', updated_at_ms = ? WHERE datastore_id = ? AND id = ? AND state = 'ACTIVE'",
      ),
      versionKeys: db.prepare<[string, string], { metadata_blob_key: string }>(
        'SELECT DISTINCT metadata_blob_key FROM image_set_versions WHERE datastore_id = ? AND image_set_id = ?',
      ),
      // Frames this image set referred to in any version that no other image set refers to (copies share frames).
      orphanFrames: db.prepare<{ datastoreId: string; imageSetId: string }, { id: string; blob_key: string }>(
        `SELECT f.id, f.blob_key FROM image_set_frame_refs r JOIN image_frames f ON f.datastore_id = r.datastore_id AND f.id = r.frame_id
          WHERE r.datastore_id = @datastoreId AND r.image_set_id = @imageSetId
            AND NOT EXISTS (SELECT 1 FROM image_set_frame_refs o WHERE o.datastore_id = @datastoreId AND o.frame_id = r.frame_id AND o.image_set_id <> @imageSetId)`,
      ),
      dropFrameRefs: db.prepare<[string, string]>('DELETE FROM image_set_frame_refs WHERE datastore_id = ? AND image_set_id = ?'),
      dropFrame: db.prepare<[string, string]>('DELETE FROM image_frames WHERE datastore_id = ? AND id = ?'),
      // Whole pixel blobs of this image set that no other image set's row shares (copies share them).
      pixelBlobs: db.prepare<{ datastoreId: string; imageSetId: string }, { blob_key: string }>(
        `SELECT DISTINCT b.blob_key FROM instance_pixel_blobs b WHERE b.datastore_id = @datastoreId AND b.image_set_id = @imageSetId
           AND NOT EXISTS (SELECT 1 FROM instance_pixel_blobs o
                            WHERE o.blob_key = b.blob_key AND NOT (o.datastore_id = @datastoreId AND o.image_set_id = @imageSetId))`,
      ),
      dropPixelBlobs: db.prepare<[string, string]>('DELETE FROM instance_pixel_blobs WHERE datastore_id = ? AND image_set_id = ?'),
      dropVersions: db.prepare<[string, string]>('DELETE FROM image_set_versions WHERE datastore_id = ? AND image_set_id = ?'),
      dropSetFrames: db.prepare<[string, string]>('DELETE FROM image_set_frames WHERE datastore_id = ? AND image_set_id = ?'),
      dropTags: db.prepare<[string]>('DELETE FROM tags WHERE resource_key = ?'),
      deleting: db.prepare<[], ImageSetRow>("SELECT * FROM image_sets WHERE workflow_status = 'DELETING'"),
      markDeleted: db.prepare<[number, number, string, string]>(
        "UPDATE image_sets SET state = 'DELETED', workflow_status = 'DELETED', deleted_at_ms = ?, updated_at_ms = ? WHERE datastore_id = ? AND id = ? AND workflow_status = 'DELETING'",
      ),
    };
}
