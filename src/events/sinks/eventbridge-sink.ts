// EventBridgeSink: sends events to any endpoint speaking EventBridge PutEvents (awsJson1_1), SigV4-signed, ≤ 10 per call.
import { EventDeliveryError, type EventSink } from '../event-sink.js';
import type { OutboxEntry } from '../outbox.js';
import { signSigV4, type SigV4Credentials } from './sigv4-signer.js';

export interface EventBridgeSinkOptions {
  /** http(s) URL of the PutEvents endpoint, e.g. https://events.us-east-1.amazonaws.com */
  readonly endpoint: string;
  readonly region: string;
  /** Name or ARN of the event bus. */
  readonly busName: string;
  /** Replaces the envelope's `aws.medical-imaging` (AWS itself refuses `aws.*` sources in PutEvents). */
  readonly source?: string;
  readonly credentials: SigV4Credentials;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
const DEFAULT_TIMEOUT_MS = 5_000;

export interface PutEventsRequestEntry {
  readonly Source: string;
  readonly DetailType: string;
  /** The detail object as a JSON string, as PutEvents wants it. */
  readonly Detail: string;
  /** Epoch seconds: awsJson1_1 writes timestamps as numbers. */
  readonly Time: number;
  readonly Resources: readonly string[];
  readonly EventBusName: string;
}

export class EventBridgeSink implements EventSink {
  readonly name: string;
  private readonly url: URL;

  constructor(private readonly options: EventBridgeSinkOptions) {
    this.url = new URL(options.endpoint);
    this.name = `eventbridge:${this.url.href}#${options.busName}`;
  }

  async deliver(events: readonly OutboxEntry[], stopping: AbortSignal): Promise<void> {
    for (let offset = 0; offset < events.length; offset += PUT_EVENTS_MAX_ENTRIES) {
      if (offset > 0 && stopping.aborted) throw new EventDeliveryError('stopping', offset);
      const chunk = events.slice(offset, offset + PUT_EVENTS_MAX_ENTRIES);
      let failedIndex: number | undefined;
      let message: string;
      try {
        ({ failedIndex, message } = await this.putEvents(chunk));
      } catch (error) {
        throw new EventDeliveryError(`PutEvents ${this.url.href}: ${error instanceof Error ? error.message : String(error)}`, offset, { cause: error });
      }
      // Entries before the first failed one are in; it and everything after it are retried (at least once).
      if (failedIndex !== undefined) throw new EventDeliveryError(`PutEvents ${this.url.href}: ${message}`, offset + failedIndex);
    }
  }

  private toEntry(entry: OutboxEntry): PutEventsRequestEntry {
    const event = entry.event;
    return {
      Source: this.options.source ?? event.source,
      DetailType: event['detail-type'],
      Detail: JSON.stringify(event.detail),
      Time: Date.parse(event.time) / 1000,
      Resources: event.resources,
      EventBusName: this.options.busName,
    };
  }

  private async putEvents(chunk: readonly OutboxEntry[]): Promise<{ failedIndex: number | undefined; message: string }> {
    const body = JSON.stringify({ Entries: chunk.map((entry) => this.toEntry(entry)) });
    const headers = signSigV4({
      method: 'POST',
      url: this.url,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body,
      service: 'events',
      region: this.options.region,
      credentials: this.options.credentials,
      nowMs: (this.options.now ?? Date.now)(),
    });
    const response = await fetch(this.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const text = await response.text();
    let answer: { FailedEntryCount?: unknown; Entries?: unknown; __type?: unknown; message?: unknown; Message?: unknown } | undefined;
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      answer = undefined;
    }
    if (response.status < 200 || response.status > 299) {
      const code = typeof answer?.__type === 'string' ? `${answer.__type.split('#').pop()}: ` : '';
      const detail = answer?.message ?? answer?.Message ?? (answer === undefined ? text.slice(0, 200) : '');
      throw new Error(`answered ${response.status} ${code}${String(detail)}`);
    }
    if (answer === undefined || typeof answer.FailedEntryCount !== 'number') throw new Error('answered without FailedEntryCount');
    if (answer.FailedEntryCount === 0) return { failedIndex: undefined, message: '' };
    const entries = Array.isArray(answer.Entries) ? (answer.Entries as { ErrorCode?: unknown; ErrorMessage?: unknown }[]) : [];
    const index = entries.findIndex((e) => e !== null && typeof e === 'object' && e.ErrorCode !== undefined);
    const failedIndex = index < 0 ? 0 : index;
    const failed = entries[failedIndex];
    return {
      failedIndex,
      message: `${answer.FailedEntryCount} of ${chunk.length} entries failed; sequence ${chunk[failedIndex]!.sequence}: ${String(failed?.ErrorCode ?? 'unknown')} ${String(failed?.ErrorMessage ?? '')}`.trim(),
    };
  }
}
