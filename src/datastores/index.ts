// Data stores: lifecycle, operations and the repository port.
export * from './datastore-record.js';
export * from './datastore-repository.js';
export * from './datastore-service.js';
export * from './datastore-keys.js';
