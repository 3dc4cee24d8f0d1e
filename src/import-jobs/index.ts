// Import jobs: Start/Get/List and the pipeline from S3 input to committed image sets.
export * from './import-job-record.js';
export * from './import-job-repository.js';
export * from './import-job-runner.js';
export * from './import-job-service.js';
export * from './job-report.js';
export * from './file-importer.js';
