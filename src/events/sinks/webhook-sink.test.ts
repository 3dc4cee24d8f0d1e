// WebhookSink against a real HTTP server: one signed POST per event, 2xx delivers, anything else or a timeout fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEvent } from '../event-envelope.js';
import { EventDeliveryError } from '../event-sink.js';
import type { OutboxEntry } from '../outbox.js';
import { WebhookSink, webhookSignature } from './webhook-sink.js';

const SECRET = 'webhook-secret-0123456789';

function entries(count: number): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    sequence: 10 + i,
    event: buildEvent({ accountId: '123456789012', region: 'us-east-1' }, 'Data Store Created', ['arn:x'], { datastoreId: `d${i}`, datastoreStatus: 'ACTIVE' }, new Date()),
  }));
}

interface Received {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

async function receiver(answer: (request: Received, index: number) => number | 'hang'): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      const status = answer(request, received.length - 1);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tessera`, received, server };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

test('the signature is the hex HMAC-SHA256 of the body bytes', () => {
  assert.equal(webhookSignature('key', 'The quick brown fox jumps over the lazy dog'), 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
});

test('posts each event as its own signed JSON body, in order', async () => {
  const { url, received, server } = await receiver(() => 204);
  try {
    const events = entries(3);
    await new WebhookSink({ url, secret: SECRET }).deliver(events, new AbortController().signal);
    assert.equal(received.length, 3);
    received.forEach((request, i) => {
      assert.equal(request.method, 'POST');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(request.body), events[i]!.event);
      const expected = `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`;
      assert.equal(request.headers['x-tessera-signature'], expected);
      assert.equal(request.headers['x-tessera-event-id'], events[i]!.event.id);
      assert.equal(request.headers['x-tessera-sequence'], String(events[i]!.sequence));
    });
  } finally {
    await close(server);
  }
});

test('a non-2xx answer fails with the number of events delivered before it', async () => {
  const { url, received, server } = await receiver((_request, i) => (i === 1 ? 500 : 200));
  try {
    const error = await new WebhookSink({ url, secret: SECRET }).deliver(entries(3), new AbortController().signal).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof EventDeliveryError);
    assert.equal(error.deliveredCount, 1);
    assert.match(error.message, /answered 500: nope/);
    assert.equal(received.length, 2, 'nothing after the failed event is sent');
  } finally {
    await close(server);
  }
});

test('a receiver that does not answer in time is a failure', async () => {
  const { url, server } = await receiver(() => 'hang');
  try {
    const started = Date.now();
    await assert.rejects(new WebhookSink({ url, secret: SECRET, timeoutMs: 200 }).deliver(entries(1), new AbortController().signal), (e: unknown) => e instanceof EventDeliveryError && e.deliveredCount === 0);
    assert.ok(Date.now() - started < 3_000);
  } finally {
    await close(server);
  }
});

test('when stopping, the sink ends after the event in flight and says how many went out', async () => {
  const stopping = new AbortController();
  const { url, received, server } = await receiver(() => {
    stopping.abort();
    return 200;
  });
  try {
    await assert.rejects(new WebhookSink({ url, secret: SECRET }).deliver(entries(3), stopping.signal), (e: unknown) => e instanceof EventDeliveryError && e.deliveredCount === 1);
    assert.equal(received.length, 1);
  } finally {
    await close(server);
  }
});
