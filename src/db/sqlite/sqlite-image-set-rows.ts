// The image_sets row and its record form, shared by the image set repository and the operation transactions.
import type { DatastoreId, ImageSetId, ImageSetState } from '../../api/index.js';
import type { ImageSetRecord, ImageSetWorkflowStatus } from '../../image-sets/index.js';

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

/** Recomputes an image set's stored bytes (latest-version frames + whole pixel blobs), for tessera_storage_bytes. */
export const SET_STORED_BYTES_SQL = `UPDATE image_sets SET stored_bytes =
    (SELECT coalesce(sum(f.size_bytes), 0) FROM image_set_frames s JOIN image_frames f ON f.datastore_id = s.datastore_id AND f.id = s.frame_id
      WHERE s.datastore_id = @datastoreId AND s.image_set_id = @imageSetId)
    + (SELECT coalesce(sum(size_bytes), 0) FROM instance_pixel_blobs WHERE datastore_id = @datastoreId AND image_set_id = @imageSetId)
  WHERE datastore_id = @datastoreId AND id = @imageSetId`;
