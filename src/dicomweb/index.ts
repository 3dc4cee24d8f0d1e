// DICOMweb (WADO-RS, QIDO-RS, STOW-RS) as AWS HealthImaging offers it, without HTTP: the edge binds it in src/http/dicomweb/.
export * from './image-set-resolver.js';
export * from './media-types.js';
export * from './wado-service.js';
export * from './qido-service.js';
export * from './stow-service.js';
export { BULKDATA_THRESHOLD_BYTES } from './instance-dicom-json.js';
export type { DicomwebIndex, IndexedImageSet } from './dicomweb-index.js';
export { dicomJsonText } from './dicom-json-text.js';
export { QidoIndexer, type QidoRebuildResult } from './qido-indexer.js';
export type { QidoImageSetRows, QidoSeriesRow, QidoInstanceRow } from './qido-rows.js';
export type { QidoQuery, QidoRow, QidoCondition, QidoMatch, QidoKey } from './qido-query.js';
