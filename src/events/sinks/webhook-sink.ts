// WebhookSink: POSTs each event envelope (one per request) to a URL, signed with an HMAC of the body.
import { createHmac } from 'node:crypto';
import { EventDeliveryError, type EventSink } from '../event-sink.js';
import type { OutboxEntry } from '../outbox.js';

export interface WebhookSinkOptions {
  /** http(s) URL, validated by the config. */
  readonly url: string;
  /** HMAC-SHA256 key for X-Tessera-Signature. */
  readonly secret: string;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, as receivers recompute it (GitHub-style). */
export function webhookSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSink implements EventSink {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookSinkOptions) {
    this.name = `webhook:${options.url}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async deliver(events: readonly OutboxEntry[], stopping: AbortSignal): Promise<void> {
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && stopping.aborted) throw new EventDeliveryError('stopping', i);
      try {
        await this.post(events[i]!);
      } catch (error) {
        throw new EventDeliveryError(`webhook ${this.options.url}: ${error instanceof Error ? error.message : String(error)}`, i, { cause: error });
      }
    }
  }

  private async post(entry: OutboxEntry): Promise<void> {
    const body = JSON.stringify(entry.event);
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'tessera-events',
        'X-Tessera-Signature': webhookSignature(this.options.secret, body),
        'X-Tessera-Event-Id': entry.event.id,
        'X-Tessera-Sequence': String(entry.sequence),
      },
      body,
      // A redirect is a failure: re-POSTing signed events to wherever a receiver points is not ours to decide.
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // Read to the end (within the same timeout) so the connection can be reused.
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      throw new Error(`answered ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
    }
  }
}
