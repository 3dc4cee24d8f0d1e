// ImageSetRepository on SQLite.
import type Database from 'better-sqlite3';
import type { DatastoreId, ImageSetId, ImageSetState } from '../../api/index.js';
import type { ImageSetRecord, ImageSetRepository } from '../../image-sets/index.js';

type Db = Database.Database;

export class SqliteImageSetRepository implements ImageSetRepository {
  private readonly findStatement;

  constructor(db: Db) {
    this.findStatement = db.prepare<[string, string], { datastore_id: string; id: string; state: string }>(
      "SELECT datastore_id, id, state FROM image_sets WHERE datastore_id = ? AND id = ? AND state <> 'DELETED'",
    );
  }

  async findImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined> {
    const row = this.findStatement.get(datastoreId, imageSetId);
    return row === undefined
      ? undefined
      : { datastoreId: row.datastore_id as DatastoreId, id: row.id as ImageSetId, state: row.state as ImageSetState };
  }
}
