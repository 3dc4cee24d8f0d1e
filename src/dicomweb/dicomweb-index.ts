// The DicomwebIndex port: what DICOMweb reads from the index beyond the image-set repository (whole pixel blobs; the
// QIDO-RS study/series/instance rows maintained at commit).
import type { StoredPixelBlob } from './wado-service.js';

export interface DicomwebIndex {
  /** The whole Pixel Data value kept for an instance of the image set's latest version, if any. */
  findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined>;
}
