// Request throttling: token buckets per account and action with AWS's rates and bursts.
export * from './throttle-limits.js';
export * from './token-bucket.js';
export * from './request-throttle.js';
