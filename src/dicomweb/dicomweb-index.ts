// The DicomwebIndex port: what DICOMweb reads from the index beyond the image-set repository — whole pixel blobs, and
// the QIDO-RS rows of primary image sets, kept by QidoIndexer from the outbox.
import type { QidoImageSetRows } from './qido-rows.js';
import type { QidoQuery, QidoRow } from './qido-query.js';
import type { StoredPixelBlob } from './wado-service.js';

export interface DicomwebIndex {
  /** The whole Pixel Data value kept for an instance of the image set's latest version, if any. */
  findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined>;
  /** Replaces the QIDO rows of an image set (undefined: it is gone or not primary) and recomputes its study's row. */
  replaceImageSetRows(datastoreId: string, imageSetId: string, studyInstanceUID: string | undefined, rows: QidoImageSetRows | undefined, atMs: number): Promise<void>;
  /** The study an image set's rows belong to, if it has rows. */
  studyOfImageSet(datastoreId: string, imageSetId: string): Promise<string | undefined>;
  searchQido(query: QidoQuery): Promise<QidoRow[]>;
}
