// Buckets: where import jobs read input and write reports (adapters are chosen in app.ts).
export * from './bucket-store.js';
