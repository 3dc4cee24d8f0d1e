// The Outbox port: events committed together with the state change they describe, read in order by sinks.
import type { EventEnvelope } from './event-envelope.js';

export interface OutboxEntry {
  readonly sequence: number;
  readonly event: EventEnvelope;
}

export interface Outbox {
  /** Events with a sequence greater than `afterSequence`, oldest first. */
  readAfter(afterSequence: number, limit: number): Promise<OutboxEntry[]>;
}
