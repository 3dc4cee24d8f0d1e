// SqliteDb: the embedded index (better-sqlite3, WAL). Each repository method runs synchronously inside one
// transaction, so no other request can interleave with it on Node's single thread.
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CredentialStore } from '../../auth/credential-store.js';
import type { DatastoreRepository } from '../../datastores/index.js';
import type { EventDeliveryStore, Outbox } from '../../events/index.js';
import type { ImageSetRepository } from '../../image-sets/index.js';
import type { TagRepository } from '../../tagging/index.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteDatastoreRepository } from './sqlite-datastore-repository.js';
import { SqliteEventDeliveryStore, SqliteOutbox } from './sqlite-outbox.js';
import { SqliteTagRepository } from './sqlite-tag-repository.js';
import { SqliteImageSetRepository } from './sqlite-image-set-repository.js';
import { SqliteImportJobRepository } from './sqlite-import-job-repository.js';
import { SqliteDicomwebIndex } from './sqlite-dicomweb-index.js';
import type { DicomwebIndex } from '../../dicomweb/index.js';
import type { ImportJobRepository } from '../../import-jobs/index.js';
import type { IamStore } from '../../iam/iam-store.js';
import { SqliteCredentialStore } from './sqlite-credential-store.js';
import { SqliteIamStore } from './sqlite-iam-store.js';
import { LatestFrameCache } from './latest-frame-cache.js';

type Db = Database.Database;

export interface SqliteDbOptions {
  /**
   * How long one reading of IAM changes by other processes (the CLI) is trusted. The check is a PRAGMA that sits on every
   * request's authentication and authorization; 0 reads it every time (tests of the store itself).
   */
  readonly iamChangeCheckIntervalMs?: number;
}

export class SqliteDb {
  readonly datastores: DatastoreRepository;
  readonly tags: TagRepository;
  readonly imageSets: ImageSetRepository;
  readonly outbox: Outbox;
  readonly eventDelivery: EventDeliveryStore;
  readonly credentials: CredentialStore;
  readonly importJobs: ImportJobRepository;
  readonly dicomweb: DicomwebIndex;
  readonly iam: IamStore;

  private constructor(
    private readonly db: Db,
    options: SqliteDbOptions,
  ) {
    this.datastores = new SqliteDatastoreRepository(db);
    this.tags = new SqliteTagRepository(db);
    // One cache for the connection: every writer of the latest-frame lists invalidates it.
    const latestFrames = new LatestFrameCache();
    this.imageSets = new SqliteImageSetRepository(db, latestFrames);
    this.outbox = new SqliteOutbox(db);
    this.eventDelivery = new SqliteEventDeliveryStore(db);
    this.credentials = new SqliteCredentialStore(db);
    this.importJobs = new SqliteImportJobRepository(db, latestFrames);
    this.dicomweb = new SqliteDicomwebIndex(db);
    this.iam = new SqliteIamStore(db, options.iamChangeCheckIntervalMs ?? 0);
  }

  static open(path: string, options: SqliteDbOptions = {}): SqliteDb {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
      // The index holds PHI: create it owner-only; SQLite gives its -wal/-shm files the same mode.
      closeSync(openSync(path, 'a', 0o600));
    }
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // a committed change survives power loss, not just a process crash
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000'); // the CLI may write while the server runs
    migrate(db);
    return new SqliteDb(db, options);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The index was written by a newer Tessera (schema ${current}, this build knows ${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
