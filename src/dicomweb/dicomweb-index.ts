// The DicomwebIndex port: what DICOMweb reads from the index beyond the image-set repository — whole pixel blobs, and
// the QIDO-RS rows of primary image sets, kept by QidoIndexer from the outbox.
import type { QidoImageSetRows } from './qido-rows.js';
import type { QidoQuery, QidoRow } from './qido-query.js';
import type { StoredPixelBlob } from './wado-service.js';

export interface DicomwebIndex {
  /** The whole Pixel Data value kept for an instance of the image set's latest version, if any. */
  findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined>;
  /**
   * Replaces the QIDO rows of an image set (undefined: it is gone or not primary) in one transaction, recomputing the row
   * of `studyInstanceUID` and of the study its previous rows belonged to.
   */
  replaceImageSetRows(datastoreId: string, imageSetId: string, studyInstanceUID: string | undefined, rows: QidoImageSetRows | undefined, atMs: number): Promise<void>;
  /** Image sets that have QIDO rows (of one data store, or all), in (datastoreId, imageSetId) order after `after`. */
  listIndexedImageSets(datastoreId: string | undefined, after: IndexedImageSet | undefined, limit: number): Promise<IndexedImageSet[]>;
  /** Removes study rows no series row belongs to (of one data store, or all); returns how many. */
  dropStudiesWithoutSeries(datastoreId: string | undefined): Promise<number>;
  searchQido(query: QidoQuery): Promise<QidoRow[]>;
}

export interface IndexedImageSet {
  readonly datastoreId: string;
  readonly imageSetId: string;
}
