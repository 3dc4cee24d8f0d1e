// The Outbox port: events committed together with the state change they describe, read in order by sinks.
import type { EventEnvelope } from './event-envelope.js';

export interface OutboxEntry {
  readonly sequence: number;
  readonly event: EventEnvelope;
}

export interface Outbox {
  /** Events with a sequence greater than `afterSequence`, oldest first. */
  readAfter(afterSequence: number, limit: number): Promise<OutboxEntry[]>;
  /**
   * Calls `listener` soon after this process committed new events (a hint to read now instead of at the next
   * poll; events written by other processes are found by polling). Returns the unsubscribe function.
   */
  onAppend?(listener: () => void): () => void;
}
