export * from './audit-record.js';
export * from './audit-chain.js';
export * from './audit-log.js';
export * from './audit-files.js';
