// DicomwebIndex on SQLite: whole pixel blobs (migration 7) and the QIDO-RS rows.
import type Database from 'better-sqlite3';
import type { DicomwebIndex, StoredPixelBlob } from '../../dicomweb/index.js';

type Db = Database.Database;

export class SqliteDicomwebIndex implements DicomwebIndex {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      pixelBlob: db.prepare<[string, string, string], { blob_key: string; transfer_syntax_uid: string }>(
        'SELECT blob_key, transfer_syntax_uid FROM instance_pixel_blobs WHERE datastore_id = ? AND image_set_id = ? AND sop_instance_uid = ?',
      ),
    };
  }

  async findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined> {
    const row = this.statements.pixelBlob.get(datastoreId, imageSetId, sopInstanceUID);
    return row === undefined ? undefined : { blobKey: row.blob_key, transferSyntaxUID: row.transfer_syntax_uid };
  }
}
