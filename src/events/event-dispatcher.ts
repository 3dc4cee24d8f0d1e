// EventDispatcher: delivers outbox events to every sink in outbox order, at least once, across restarts.
// Each sink has its own lane (a failing webhook never holds up the log file) and its own persisted cursor.
import type { EventDeliveryStore } from './event-delivery-store.js';
import { EventDeliveryError, type EventSink } from './event-sink.js';
import type { Outbox, OutboxEntry } from './outbox.js';

export interface EventDispatcherLog {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface EventDispatcherOptions {
  readonly outbox: Outbox;
  readonly store: EventDeliveryStore;
  readonly sinks: readonly EventSink[];
  /** How often an idle lane looks for new events (commits of this process wake it at once). */
  readonly pollIntervalMs: number;
  /** Failed deliveries of one event before it is dead-lettered and the lane moves on. */
  readonly maxAttempts: number;
  /** Backoff after the n-th failed attempt: min(retryMaxMs, retryBaseMs · 2^(n-1)). */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Events read and handed to a sink at once (default 100). */
  readonly batchSize?: number;
  readonly now?: () => number;
  /** Waits out a backoff; resolves early when `signal` aborts. Tests pass a fake to control time. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log?: EventDispatcherLog;
}

const DEFAULT_BATCH_SIZE = 100;

export class EventDispatcher {
  private readonly stopping = new AbortController();
  private readonly wakeups: Wakeup[];
  private lanes: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: EventDispatcherOptions) {
    if (new Set(options.sinks.map((s) => s.name)).size !== options.sinks.length) throw new Error('event sink names must be unique');
    this.wakeups = options.sinks.map(() => new Wakeup());
  }

  start(): void {
    if (this.lanes.length > 0 || this.stopping.signal.aborted || this.options.sinks.length === 0) return;
    this.unsubscribe = this.options.outbox.onAppend?.(() => this.wake());
    this.lanes = this.options.sinks.map((sink, i) => this.runLane(sink, this.wakeups[i]!));
  }

  /** Look for new events now instead of at the next poll. */
  wake(): void {
    for (const wakeup of this.wakeups) wakeup.notify();
  }

  /** Lets each lane finish the batch in flight and store its cursor, then closes the sinks. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      this.unsubscribe?.();
      await Promise.all(this.lanes);
      for (const sink of this.options.sinks) {
        await sink.close?.().catch((error: unknown) => this.options.log?.error({ err: error, sink: sink.name }, 'closing event sink failed'));
      }
    })();
    return this.stopped;
  }

  private async runLane(sink: EventSink, wakeup: Wakeup): Promise<void> {
    const { outbox, store, pollIntervalMs, maxAttempts } = this.options;
    const signal = this.stopping.signal;
    const now = this.options.now ?? Date.now;
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    let cursor: number | undefined;
    let attempts = 0; // failed attempts of the event right after the cursor

    while (!signal.aborted) {
      try {
        cursor ??= await store.readCursor(sink.name);
        wakeup.clear(); // a commit from now on must lead to another read
        // While the head event fails it is retried alone, so its attempts and its dead letter are its own.
        const batch = await outbox.readAfter(cursor, attempts > 0 ? 1 : batchSize);
        if (batch.length === 0) {
          await wakeup.wait(pollIntervalMs, signal);
          continue;
        }

        const { delivered, failure } = await deliver(sink, batch, signal);
        if (delivered > 0) {
          cursor = batch[delivered - 1]!.sequence;
          attempts = 0;
          await store.saveCursor(sink.name, cursor, now());
        }
        if (failure === undefined || signal.aborted || delivered > 0) continue;

        const head = batch[0]!;
        attempts++;
        const lastError = describe(failure);
        if (attempts >= maxAttempts) {
          await store.deadLetter({ sinkName: sink.name, sequence: head.sequence, attempts, lastError, failedAtMs: now() });
          this.options.log?.error(
            { sink: sink.name, sequence: head.sequence, eventId: head.event.id, attempts, lastError },
            'event dead-lettered: the sink refused it too often; delivery goes on with the next event',
          );
          cursor = head.sequence;
          attempts = 0;
          continue;
        }
        const delayMs = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempts - 1));
        this.options.log?.warn({ sink: sink.name, sequence: head.sequence, attempts, delayMs, lastError }, 'event delivery failed; retrying');
        await (this.options.sleep ?? sleep)(delayMs, signal);
      } catch (error) {
        // The index itself failed (cursor, dead letter, outbox read): nothing was lost, try again later.
        this.options.log?.error({ err: error, sink: sink.name }, 'event dispatcher could not read or store its position');
        await wakeup.wait(Math.max(pollIntervalMs, 1000), signal);
      }
    }
  }
}

async function deliver(sink: EventSink, batch: readonly OutboxEntry[], signal: AbortSignal): Promise<{ delivered: number; failure?: unknown }> {
  try {
    await sink.deliver(batch, signal);
    return { delivered: batch.length };
  } catch (error) {
    const delivered = error instanceof EventDeliveryError ? Math.max(0, Math.min(batch.length, Math.trunc(error.deliveredCount))) : 0;
    return { delivered, failure: error };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.slice(0, 2000);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Wakeup().wait(ms, signal);
}

/** A wait that ends after `ms`, on notify() (remembered if it comes before the wait), or when `signal` aborts. */
class Wakeup {
  private isPending = false;
  private release: (() => void) | undefined;

  notify(): void {
    if (this.release !== undefined) this.release();
    else this.isPending = true;
  }

  clear(): void {
    this.isPending = false;
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.isPending || signal.aborted) {
      this.isPending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.release === done) this.release = undefined;
        resolve();
      };
      // Unref'd: a pending poll never keeps the process alive on its own.
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done, { once: true });
      this.release = done;
    });
  }
}
