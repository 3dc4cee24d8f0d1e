// Tagging of data stores and image sets.
export * from './tag-repository.js';
export * from './tagging-service.js';
export * from './effective-tags.js';
