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
];
