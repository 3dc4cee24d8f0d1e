// Image sets: versions, metadata documents and their operations (grows with the import and read-path issues).
export * from './image-set-repository.js';
