// The HealthImaging contract without HTTP.
export * from './errors.js';
export * from './ids.js';
export * from './arn.js';
export * from './shapes.js';
export * from './validation.js';
export * from './page-token.js';
export * from './operations.js';
export * from './datastore-shapes.js';
export * from './request-context.js';
export * from './import-job-shapes.js';
export * from './authorization.js';
