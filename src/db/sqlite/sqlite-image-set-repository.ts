// ImageSetRepository on SQLite.
import type Database from 'better-sqlite3';
import type { DatastoreId, ImageSetId, ImageSetState } from '../../api/index.js';
import type { ImageSetRecord, ImageSetRepository, ImageSetVersionRecord, ImageSetWorkflowStatus } from '../../image-sets/index.js';

type Db = Database.Database;

export interface ImageSetRow {
  datastore_id: string;
  id: string;
  state: string;
  workflow_status: string;
  latest_version: number;
  is_primary: number;
  study_instance_uid: string;
  series_instance_uid: string;
  levels_json: string;
  created_at_ms: number;
  updated_at_ms: number;
  deleted_at_ms: number | null;
  message: string | null;
  storage_tier: string;
  last_accessed_at_ms: number | null;
}

interface VersionRow {
  datastore_id: string;
  image_set_id: string;
  version: number;
  workflow_status: string;
  is_primary: number;
  metadata_blob_key: string;
  created_at_ms: number;
  updated_at_ms: number;
}

export class SqliteImageSetRepository implements ImageSetRepository {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
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
      version: db.prepare<[string, string, number], VersionRow>(
        'SELECT * FROM image_set_versions WHERE datastore_id = ? AND image_set_id = ? AND version = ?',
      ),
    };
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
    const row = this.statements.latestFrame.get(datastoreId, imageSetId, frameId);
    return row === undefined ? undefined : { blobKey: row.blob_key, storedTransferSyntaxUID: row.stored_transfer_syntax_uid, sizeBytes: row.size_bytes };
  }

  async findVersion(datastoreId: DatastoreId, imageSetId: ImageSetId, version: number): Promise<ImageSetVersionRecord | undefined> {
    const row = this.statements.version.get(datastoreId, imageSetId, version);
    return row === undefined
      ? undefined
      : {
          datastoreId: row.datastore_id as DatastoreId,
          imageSetId: row.image_set_id as ImageSetId,
          version: row.version,
          workflowStatus: row.workflow_status as ImageSetWorkflowStatus,
          isPrimary: row.is_primary === 1,
          metadataBlobKey: row.metadata_blob_key,
          createdAtMs: row.created_at_ms,
          updatedAtMs: row.updated_at_ms,
        };
  }
}

export function toImageSet(row: ImageSetRow | undefined): ImageSetRecord | undefined {
  return row === undefined
    ? undefined
    : {
        datastoreId: row.datastore_id as DatastoreId,
        id: row.id as ImageSetId,
        state: row.state as ImageSetState,
        workflowStatus: row.workflow_status as ImageSetWorkflowStatus,
        latestVersion: row.latest_version,
        isPrimary: row.is_primary === 1,
        studyInstanceUID: row.study_instance_uid,
        seriesInstanceUID: row.series_instance_uid,
        levelsJson: row.levels_json,
        createdAtMs: row.created_at_ms,
        updatedAtMs: row.updated_at_ms,
        deletedAtMs: row.deleted_at_ms ?? undefined,
        message: row.message ?? undefined,
        storageTier: row.storage_tier === 'ARCHIVE_INSTANT_ACCESS' ? 'ARCHIVE_INSTANT_ACCESS' : 'FREQUENT_ACCESS',
        lastAccessedAtMs: row.last_accessed_at_ms ?? undefined,
      };
}
