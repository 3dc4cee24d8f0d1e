// Metadata documents at rest: one immutable gzip JSON blob per image set version, sealed with the data store key.
import { gunzipSync, gzipSync } from 'node:zlib';
import { metadataBlobKey, type SealedBlobStore } from '../blobs/index.js';
import type { DataKey } from '../keys/index.js';

export class ImageSetDocuments {
  constructor(private readonly blobs: SealedBlobStore) {}

  /**
   * Writes the document of a version; returns its blob key. The stored bytes are what GetImageSetMetadata sends.
   * `json` is the document's JSON when the caller already made it (e.g. to check the size quota).
   */
  async write(datastoreId: string, imageSetId: string, version: number, document: unknown, dataKey: DataKey, json = JSON.stringify(document)): Promise<string> {
    const key = metadataBlobKey(datastoreId, imageSetId, String(version));
    await this.blobs.put(key, dataKey, gzipSync(Buffer.from(json, 'utf8')));
    return key;
  }

  async read<T>(blobKey: string, dataKey: DataKey): Promise<T> {
    return JSON.parse(gunzipSync(await this.blobs.get(blobKey, dataKey)).toString('utf8')) as T;
  }
}
