// The AuditLog port: the HTTP edge hands it one record per call; adapters make them durable.
import type { AuditRecord } from './audit-record.js';

export interface AuditLog {
  /** Never blocks the caller on I/O: the record is written with the next batch. */
  append(record: AuditRecord): void;
  /** Resolves when every record appended so far is written and synced. */
  flush(): Promise<void>;
  /** Flushes and releases the files; later appends are dropped. */
  close(): Promise<void>;
}
