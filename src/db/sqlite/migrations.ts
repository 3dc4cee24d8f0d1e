// Schema migrations of the embedded index, applied in order; PRAGMA user_version records the last one applied.

export const MIGRATIONS: readonly string[] = [
  // 1: data stores, tags, idempotency, outbox, access keys, and the image set identity table.
  `
  CREATE TABLE datastores (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    kms_key_arn TEXT,
    lambda_authorizer_arn TEXT,
    lossless_storage_format TEXT NOT NULL,
    wrapped_data_key BLOB,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX datastores_by_created ON datastores (created_at_ms, id);
  CREATE INDEX datastores_by_status ON datastores (status, created_at_ms, id);

  CREATE TABLE image_sets (
    datastore_id TEXT NOT NULL REFERENCES datastores (id),
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (datastore_id, id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE tags (
    resource_key TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (resource_key, tag_key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE idempotency_records (
    operation TEXT NOT NULL,
    client_token TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (operation, client_token)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE outbox (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    detail_type TEXT NOT NULL,
    event_json TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX access_keys_by_user ON access_keys (user_name);
  `,
  // 2: image sets with versions and frames; import jobs. image_sets of migration 1 was never written to.
  `
  DROP TABLE image_sets;
  CREATE TABLE image_sets (
    datastore_id TEXT NOT NULL REFERENCES datastores (id),
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    workflow_status TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    is_primary INTEGER NOT NULL,
    study_instance_uid TEXT NOT NULL,
    series_instance_uid TEXT NOT NULL,
    levels_json TEXT NOT NULL,
    dicom_tags_json TEXT NOT NULL,
    message TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    deleted_at_ms INTEGER,
    last_accessed_at_ms INTEGER,
    storage_tier TEXT NOT NULL DEFAULT 'FREQUENT_ACCESS',
    PRIMARY KEY (datastore_id, id)
  ) STRICT, WITHOUT ROWID;
  -- At most one primary image set per series (behavior.md §5.2 invariant 1), enforced by the index itself.
  CREATE UNIQUE INDEX image_sets_primary_series ON image_sets (datastore_id, study_instance_uid, series_instance_uid)
    WHERE is_primary = 1 AND state <> 'DELETED';
  CREATE INDEX image_sets_by_study ON image_sets (datastore_id, study_instance_uid) WHERE state <> 'DELETED';

  CREATE TABLE image_set_versions (
    datastore_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    workflow_status TEXT NOT NULL,
    is_primary INTEGER NOT NULL,
    metadata_blob_key TEXT NOT NULL,
    message TEXT,
    is_forced INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, image_set_id, version)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE image_frames (
    datastore_id TEXT NOT NULL,
    id TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    stored_transfer_syntax_uid TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, id)
  ) STRICT, WITHOUT ROWID;

  -- The frames of each image set's latest version (GetImageFrame serves the latest version only).
  CREATE TABLE image_set_frames (
    datastore_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    frame_id TEXT NOT NULL,
    PRIMARY KEY (datastore_id, image_set_id, frame_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE import_jobs (
    datastore_id TEXT NOT NULL REFERENCES datastores (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    data_access_role_arn TEXT NOT NULL,
    input_s3_uri TEXT NOT NULL,
    output_s3_uri TEXT NOT NULL,
    input_owner_account_id TEXT,
    import_configuration_json TEXT,
    submitted_at_ms INTEGER NOT NULL,
    ended_at_ms INTEGER,
    message TEXT,
    report_json TEXT,
    PRIMARY KEY (datastore_id, id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX import_jobs_newest ON import_jobs (datastore_id, submitted_at_ms, id);
  CREATE INDEX import_jobs_by_status ON import_jobs (datastore_id, status, submitted_at_ms, id);
  CREATE INDEX import_jobs_unfinished ON import_jobs (status) WHERE status IN ('SUBMITTED', 'IN_PROGRESS');
  `,
  // 3: SearchImageSets fields and indexes; instance counts for the study-level DICOMTags counters.
  `
  ALTER TABLE image_sets ADD COLUMN patient_id TEXT;
  ALTER TABLE image_sets ADD COLUMN accession_number TEXT;
  ALTER TABLE image_sets ADD COLUMN study_id TEXT;
  -- 'YYYYMMDDHHMMSS.ffffff' so text order is time order; '~' (after every digit) when there is no StudyDate.
  ALTER TABLE image_sets ADD COLUMN study_date_time TEXT NOT NULL DEFAULT '~';
  ALTER TABLE image_sets ADD COLUMN instance_count INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX image_sets_search_updated ON image_sets (datastore_id, updated_at_ms, id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_created ON image_sets (datastore_id, created_at_ms, id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_study_date ON image_sets (datastore_id, study_date_time, id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_primary ON image_sets (datastore_id, is_primary, updated_at_ms, id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_patient ON image_sets (datastore_id, patient_id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_accession ON image_sets (datastore_id, accession_number) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_study_id ON image_sets (datastore_id, study_id) WHERE state <> 'DELETED';
  CREATE INDEX image_sets_search_series ON image_sets (datastore_id, series_instance_uid) WHERE state <> 'DELETED';
  `,
  // 4: storage tiers: the sweep to ARCHIVE_INSTANT_ACCESS reads only sets still in FREQUENT_ACCESS, oldest access first.
  `
  UPDATE image_sets SET last_accessed_at_ms = created_at_ms WHERE last_accessed_at_ms IS NULL;
  CREATE INDEX image_sets_tiering ON image_sets (last_accessed_at_ms) WHERE storage_tier = 'FREQUENT_ACCESS' AND state <> 'DELETED';
  `,
  // 5: which image set stored each frame, so deleting an image set knows which frame blobs are its own.
  `
  ALTER TABLE image_frames ADD COLUMN owner_image_set_id TEXT;
  UPDATE image_frames SET owner_image_set_id =
    (SELECT s.image_set_id FROM image_set_frames s WHERE s.datastore_id = image_frames.datastore_id AND s.frame_id = image_frames.id LIMIT 1);
  CREATE INDEX image_frames_by_owner ON image_frames (datastore_id, owner_image_set_id);
  CREATE INDEX image_set_frames_by_frame ON image_set_frames (datastore_id, frame_id);
  CREATE INDEX image_sets_deleting ON image_sets (workflow_status) WHERE workflow_status = 'DELETING';
  `,
  // 6: event delivery: the last outbox sequence each sink has (durably) accepted, and events a sink never accepted.
  `
  CREATE TABLE event_sink_cursors (
    sink_name TEXT PRIMARY KEY,
    last_sequence INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE event_dead_letters (
    sink_name TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    failed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (sink_name, sequence)
  ) STRICT, WITHOUT ROWID;
  `,
  // 7: pixel data kept whole (it could not be split into frames or transcoded: behavior.md §7.1 warnings 0xB100/0xB120),
  // one blob per SOP instance, so DICOMweb can return the instance with transfer-syntax=*.
  `
  CREATE TABLE instance_pixel_blobs (
    datastore_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    sop_instance_uid TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    transfer_syntax_uid TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, image_set_id, sop_instance_uid)
  ) STRICT, WITHOUT ROWID;
  `,
  // 8: bytes of each image set's latest version (frames + whole pixel blobs), summed per data store and tier by /metrics.
  `
  ALTER TABLE image_sets ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE image_sets SET stored_bytes =
    (SELECT coalesce(sum(f.size_bytes), 0) FROM image_set_frames s JOIN image_frames f ON f.datastore_id = s.datastore_id AND f.id = s.frame_id
      WHERE s.datastore_id = image_sets.datastore_id AND s.image_set_id = image_sets.id)
    + (SELECT coalesce(sum(size_bytes), 0) FROM instance_pixel_blobs b WHERE b.datastore_id = image_sets.datastore_id AND b.image_set_id = image_sets.id);
  `,
  // 9: image set changes (issue 5). Every image set's references to frames over all its versions (copies share frames,
  // so a frame blob goes only when no image set refers to it any more), and the UpdateImageSetMetadata / CopyImageSet
  // operations in flight (replayed on start-up after a crash).
  `
  CREATE TABLE image_set_frame_refs (
    datastore_id TEXT NOT NULL,
    frame_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    PRIMARY KEY (datastore_id, frame_id, image_set_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX image_set_frame_refs_by_set ON image_set_frame_refs (datastore_id, image_set_id);
  INSERT OR IGNORE INTO image_set_frame_refs (datastore_id, frame_id, image_set_id)
    SELECT datastore_id, id, owner_image_set_id FROM image_frames WHERE owner_image_set_id IS NOT NULL;
  INSERT OR IGNORE INTO image_set_frame_refs (datastore_id, frame_id, image_set_id)
    SELECT datastore_id, frame_id, image_set_id FROM image_set_frames;
  CREATE INDEX instance_pixel_blobs_by_blob ON instance_pixel_blobs (blob_key);

  CREATE TABLE image_set_operations (
    datastore_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_json TEXT NOT NULL,
    locks_json TEXT NOT NULL,
    created_image_set_id TEXT,
    started_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX image_set_operations_by_kind ON image_set_operations (datastore_id, kind);
  `,
  // 10: IAM (issue 7): users and roles, their attached policies (managed by name, inline as JSON), and temporary
  // session credentials on access keys (a session key carries the SHA-256 of its token and an expiry).
  `
  CREATE TABLE iam_principals (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE iam_policy_attachments (
    principal_kind TEXT NOT NULL,
    principal_name TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    is_managed INTEGER NOT NULL,
    document_json TEXT,
    attached_at_ms INTEGER NOT NULL,
    PRIMARY KEY (principal_kind, principal_name, policy_name)
  ) STRICT, WITHOUT ROWID;
  ALTER TABLE access_keys ADD COLUMN session_token_sha256 BLOB;
  ALTER TABLE access_keys ADD COLUMN expires_at_ms INTEGER;
  `,
  // 11: DICOMweb QIDO-RS index (issue 6): one row per primary series, per instance and per study (aggregated over its
  // primary series), kept by the QIDO indexer from the outbox; every QIDO route reads these, never metadata blobs.
  `
  CREATE TABLE dicomweb_series (
    datastore_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    series_instance_uid TEXT NOT NULL,
    modality TEXT,
    series_number REAL,
    pps_start_date TEXT,
    pps_start_time TEXT,
    instance_count INTEGER NOT NULL,
    study_json TEXT NOT NULL,
    series_json TEXT NOT NULL,
    study_date TEXT, study_time TEXT, accession_number TEXT, referring_physician_name TEXT, study_description TEXT,
    patient_name TEXT, patient_id TEXT, patient_birth_date TEXT, patient_birth_time TEXT, study_id TEXT,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, image_set_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX dicomweb_series_by_study ON dicomweb_series (datastore_id, study_instance_uid, series_number);
  CREATE INDEX dicomweb_series_by_uid ON dicomweb_series (datastore_id, series_instance_uid);

  CREATE TABLE dicomweb_instances (
    datastore_id TEXT NOT NULL,
    image_set_id TEXT NOT NULL,
    sop_instance_uid TEXT NOT NULL,
    sop_class_uid TEXT,
    instance_number REAL,
    warning_reason INTEGER,
    instance_json TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, image_set_id, sop_instance_uid)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX dicomweb_instances_by_sop ON dicomweb_instances (datastore_id, sop_instance_uid);

  CREATE TABLE dicomweb_studies (
    datastore_id TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    study_date TEXT, study_time TEXT, accession_number TEXT, referring_physician_name TEXT, study_description TEXT,
    patient_name TEXT, patient_id TEXT, patient_birth_date TEXT, patient_birth_time TEXT, study_id TEXT,
    modalities TEXT NOT NULL,
    series_count INTEGER NOT NULL,
    instance_count INTEGER NOT NULL,
    study_json TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (datastore_id, study_instance_uid)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX dicomweb_studies_by_update ON dicomweb_studies (datastore_id, updated_at_ms DESC, study_instance_uid);
  CREATE INDEX dicomweb_studies_by_patient_id ON dicomweb_studies (datastore_id, patient_id);
  CREATE INDEX dicomweb_studies_by_accession ON dicomweb_studies (datastore_id, accession_number);
  CREATE INDEX dicomweb_studies_by_date ON dicomweb_studies (datastore_id, study_date);
  CREATE INDEX dicomweb_studies_by_patient_name ON dicomweb_studies (datastore_id, patient_name COLLATE NOCASE);
  `,
];
