// Image sets: versions, metadata documents and their operations.
export * from './image-set-repository.js';
export * from './image-set-documents.js';
export * from './image-set-reader.js';
export * from './metadata-document.js';
export * from './metadata-levels.js';
export * from './dicom-tags-summary.js';
export * from './element-constraints.js';
export * from './image-set-search.js';
export * from './image-set-query.js';
export * from './storage-tiering.js';
export * from './image-set-deleter.js';
export * from './frame-cache.js';
export * from './image-set-updater.js';
export * from './image-set-copier.js';
export { STALE_VERSION_MESSAGE, imageSetEvent, serializeWithinQuota } from './image-set-operation-support.js';
