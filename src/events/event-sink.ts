// The EventSink port: somewhere outbox events are delivered to, in order (log file, webhook, EventBridge).
import type { OutboxEntry } from './outbox.js';

export interface EventSink {
  /** Stable across restarts: the delivery cursor is stored under this name. */
  readonly name: string;
  /**
   * Delivers the events in the order given; resolves once every one is accepted. On failure throw
   * (an EventDeliveryError says how many leading events did get through). When `stopping` is aborted the
   * sink may end early after the event in flight, reporting what it delivered: shutdown waits for that only.
   */
  deliver(events: readonly OutboxEntry[], stopping: AbortSignal): Promise<void>;
  /** Releases files or connections; called once when the dispatcher stops. */
  close?(): Promise<void>;
}

/** A delivery that got the first `deliveredCount` events through, then failed (or stopped) on the next one. */
export class EventDeliveryError extends Error {
  constructor(
    message: string,
    readonly deliveredCount: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventDeliveryError';
  }
}
