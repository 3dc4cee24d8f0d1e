// EventBridgeSink against a real HTTP server that checks the PutEvents wire shape and verifies SigV4 (service events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SigV4Verifier } from '../../auth/sigv4-verifier.js';
import { buildEvent } from '../event-envelope.js';
import { EventDeliveryError } from '../event-sink.js';
import type { OutboxEntry } from '../outbox.js';
import { EventBridgeSink, type PutEventsRequestEntry } from './eventbridge-sink.js';

const CREDENTIALS = { accessKeyId: 'AKIAEVENTSTEST00001', secretAccessKey: 'events-test-secret-0123456789' };
const REGION = 'us-west-2';

function entries(count: number): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    sequence: 100 + i,
    event: buildEvent(
      { accountId: '123456789012', region: 'us-east-1' },
      'Image Set Created',
      [`arn:aws:medical-imaging:us-east-1:123456789012:datastore/d/imageset/s${i}`],
      { datastoreId: 'd', imageSetId: `s${i}`, imageSetState: 'ACTIVE', imageSetWorkflowStatus: 'IMPORTED', isPrimary: i % 2 === 0 },
      new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    ),
  }));
}

interface PutEventsCall {
  readonly entries: PutEventsRequestEntry[];
  readonly isSignatureValid: boolean;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** `answer` gets each call's entries and returns the PutEvents response (or an HTTP error status). */
async function eventBridge(answer: (entries: PutEventsRequestEntry[], call: number) => object | number) {
  const calls: PutEventsCall[] = [];
  const verifier = new SigV4Verifier({
    service: 'events',
    region: REGION,
    clockSkewMs: 300_000,
    lookupSecret: async (id) => (id === CREDENTIALS.accessKeyId ? { secretAccessKey: CREDENTIALS.secretAccessKey, principal: id } : undefined),
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const isSignatureValid = await verifier
        .verify({ method: req.method!, rawPath: url.split('?')[0]!, rawQuery: url.split('?')[1] ?? '', headers: req.headers, body })
        .then(() => true, () => false);
      const parsed = JSON.parse(body.toString('utf8')) as { Entries: PutEventsRequestEntry[] };
      calls.push({ entries: parsed.Entries, isSignatureValid, headers: req.headers });
      const result = answer(parsed.Entries, calls.length - 1);
      if (typeof result === 'number') {
        res.writeHead(result, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'InternalException', message: 'try later' }));
      } else {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(result));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    calls,
    sink: (source?: string) =>
      new EventBridgeSink({ endpoint, region: REGION, busName: 'imaging-bus', credentials: CREDENTIALS, ...(source !== undefined ? { source } : {}) }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const allAccepted = (list: PutEventsRequestEntry[]) => ({ FailedEntryCount: 0, Entries: list.map((_, i) => ({ EventId: `e-${i}` })) });

test('sends signed PutEvents calls of at most 10 entries with the EventBridge entry fields', async () => {
  const target = await eventBridge(allAccepted);
  try {
    const events = entries(23);
    await target.sink().deliver(events, new AbortController().signal);
    assert.deepEqual(target.calls.map((c) => c.entries.length), [10, 10, 3]);
    for (const call of target.calls) {
      assert.ok(call.isSignatureValid, 'SigV4 (service events) verifies');
      assert.equal(call.headers['x-amz-target'], 'AWSEvents.PutEvents');
      assert.equal(call.headers['content-type'], 'application/x-amz-json-1.1');
      assert.match(String(call.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIAEVENTSTEST00001\/\d{8}\/us-west-2\/events\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    }
    const first = target.calls[0]!.entries[0]!;
    const event = events[0]!.event;
    assert.deepEqual(first, {
      Source: 'aws.medical-imaging',
      DetailType: 'Image Set Created',
      Detail: JSON.stringify(event.detail),
      Time: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000,
      Resources: event.resources,
      EventBusName: 'imaging-bus',
    });
    assert.deepEqual(JSON.parse(first.Detail), { imagingVersion: '1.0', datastoreId: 'd', imageSetId: 's0', imageSetState: 'ACTIVE', imageSetWorkflowStatus: 'IMPORTED', isPrimary: true });
    assert.deepEqual(target.calls.flatMap((c) => c.entries.map((e) => JSON.parse(e.Detail).imageSetId)), events.map((e) => e.event.detail.imageSetId));
  } finally {
    await target.close();
  }
});

test('the source can be replaced (AWS refuses aws.* sources from PutEvents)', async () => {
  const target = await eventBridge(allAccepted);
  try {
    await target.sink('tessera.medical-imaging').deliver(entries(1), new AbortController().signal);
    assert.equal(target.calls[0]!.entries[0]!.Source, 'tessera.medical-imaging');
  } finally {
    await target.close();
  }
});

test('FailedEntryCount > 0 fails from the first failed entry on; the entries before it count as delivered', async () => {
  const target = await eventBridge((list, call) =>
    call === 1
      ? { FailedEntryCount: 2, Entries: list.map((_, i) => (i === 4 || i === 7 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { EventId: `e${i}` })) }
      : allAccepted(list),
  );
  try {
    const error = await target.sink().deliver(entries(25), new AbortController().signal).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(error instanceof EventDeliveryError);
    assert.equal(error.deliveredCount, 14);
    assert.match(error.message, /2 of 10 entries failed; sequence 114: InternalFailure boom/);
    assert.equal(target.calls.length, 2, 'nothing after the failed call is sent');
  } finally {
    await target.close();
  }
});

test('an HTTP error is a failure of the whole call', async () => {
  const target = await eventBridge(() => 500);
  try {
    await assert.rejects(
      target.sink().deliver(entries(3), new AbortController().signal),
      (e: unknown) => e instanceof EventDeliveryError && e.deliveredCount === 0 && /answered 500 InternalException: try later/.test(e.message),
    );
  } finally {
    await target.close();
  }
});
