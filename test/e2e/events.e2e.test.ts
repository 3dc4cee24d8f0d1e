// Event delivery end to end: a real webhook receiver and a real EventBridge-style receiver (SigV4 verified) get
// exactly the expected events of create → import → delete, also across a restart while the webhook is failing;
// the JSON-lines log and the GET /events change feed hold the same sequence.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConflictException,
  CreateDatastoreCommand,
  DeleteDatastoreCommand,
  DeleteImageSetCommand,
  GetDatastoreCommand,
  GetImageSetCommand,
  StartDICOMImportJobCommand,
  type DICOMImportJobProperties,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { SigV4Verifier } from '../../src/auth/sigv4-verifier.js';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, REGION, eventually, startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';

const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const EVENTBRIDGE = { accessKeyId: 'AKIAEVENTBRIDGE0001', secretAccessKey: 'eventbridge-e2e-secret-0123456789' };
const BUS = 'imaging-bus';
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/ImportRole`;

interface Envelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** A webhook endpoint that checks the HMAC of every POST and can be told to fail. */
async function webhookReceiver() {
  const posts: { envelope: Envelope; sequence: number; isSignatureValid: boolean; isIdHeaderRight: boolean; status: number }[] = [];
  let isFailing = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-tessera-signature']));
      const envelope = JSON.parse(body.toString('utf8')) as Envelope;
      const status = isFailing ? 500 : 200;
      posts.push({
        envelope,
        sequence: Number(req.headers['x-tessera-sequence']),
        isSignatureValid: given.length === expected.length && timingSafeEqual(given, expected),
        isIdHeaderRight: req.headers['x-tessera-event-id'] === envelope.id && req.headers['content-type'] === 'application/json',
        status,
      });
      res.writeHead(status).end();
    });
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tessera`,
    posts,
    setFailing: (value: boolean) => (isFailing = value),
    /** Accepted deliveries (2xx), first-seen order, without at-least-once repeats. */
    accepted: () => firstSeen(posts.filter((p) => p.status === 200).map((p) => p.envelope)),
    close: () => close(server),
  };
}

/** An EventBridge PutEvents endpoint: checks the target header and verifies SigV4 (service `events`). */
async function eventBridgeReceiver() {
  const calls: { target: unknown; contentType: unknown; isSignatureValid: boolean; entries: { Source: string; DetailType: string; Detail: string; Time: number; Resources: string[]; EventBusName: string }[] }[] = [];
  const verifier = new SigV4Verifier({
    service: 'events',
    region: REGION,
    clockSkewMs: 300_000,
    lookupSecret: async (id) => (id === EVENTBRIDGE.accessKeyId ? { secretAccessKey: EVENTBRIDGE.secretAccessKey, principal: id } : undefined),
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?');
      const isSignatureValid = await verifier.verify({ method: req.method!, rawPath, rawQuery, headers: req.headers, body }).then(() => true, () => false);
      const { Entries } = JSON.parse(body.toString('utf8')) as { Entries: (typeof calls)[number]['entries'] };
      calls.push({ target: req.headers['x-amz-target'], contentType: req.headers['content-type'], isSignatureValid, entries: Entries });
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents' || !isSignatureValid) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'InvalidSignatureException', message: 'bad' }));
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ FailedEntryCount: 0, Entries: Entries.map((_, i) => ({ EventId: `eb-${calls.length}-${i}` })) }));
    });
  });
  await listen(server);
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    entries: () => calls.flatMap((c) => c.entries),
    close: () => close(server),
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((r) => server.listen(0, '127.0.0.1', r));
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

function firstSeen(envelopes: readonly Envelope[]): Envelope[] {
  const seen = new Set<string>();
  return envelopes.filter((e) => !seen.has(e.id) && seen.add(e.id));
}

function serverEnv(webhook: { url: string }, eventBridge: { endpoint: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TESSERA_EVENT_LOG: 'true',
    TESSERA_EVENT_WEBHOOKS: webhook.url,
    TESSERA_EVENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TESSERA_EVENTBRIDGE_ENDPOINT: eventBridge.endpoint,
    TESSERA_EVENTBRIDGE_BUS: BUS,
    TESSERA_EVENTBRIDGE_ACCESS_KEY_ID: EVENTBRIDGE.accessKeyId,
    TESSERA_EVENTBRIDGE_SECRET_ACCESS_KEY: EVENTBRIDGE.secretAccessKey,
    TESSERA_EVENT_POLL_MS: '50',
    TESSERA_EVENT_RETRY_BASE_MS: '50',
    TESSERA_EVENT_RETRY_MAX_MS: '300',
    TESSERA_EVENT_MAX_ATTEMPTS: '1000', // a receiver that is down for a while must not cost dead letters here
    ...extra,
  };
}

async function createActiveDatastore(client: MedicalImagingClient, name: string): Promise<string> {
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: name }));
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
  return datastoreId!;
}

/** Imports the patient-name-conflict pair: one primary and one non-primary image set. */
async function importPair(server: RunningServer, client: MedicalImagingClient, datastoreId: string) {
  const files = (await corpusFiles()).filter((f) => f.category === 'patient-name-conflict');
  assert.equal(files.length, 2);
  await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'pair', files);
  await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
  const { jobId } = await client.send(
    new StartDICOMImportJobCommand({ datastoreId, jobName: 'events-e2e', dataAccessRoleArn: ROLE, inputS3Uri: 's3://in-bucket/pair/', outputS3Uri: 's3://out-bucket/events/' }),
  );
  const job = await waitForJob(client, datastoreId, jobId!);
  assert.equal(job.jobStatus, 'COMPLETED');
  const placed = (await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'SUCCESS/success.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { importResponse: { imageSetId: string; isPrimary: boolean } }).importResponse);
  assert.deepEqual(placed.map((p) => p.isPrimary).sort(), [false, true]);
  return { job, placed };
}

/** Deletes each image set and waits for DELETED before the next, so the event order is deterministic. */
async function deleteEverything(client: MedicalImagingClient, datastoreId: string, imageSetIds: readonly string[]): Promise<void> {
  for (const imageSetId of imageSetIds) {
    await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId }));
    await eventually(async () => ((await client.send(new GetImageSetCommand({ datastoreId, imageSetId }))).imageSetState === 'DELETED' ? true : undefined));
  }
  await eventually(async () => {
    try {
      await client.send(new DeleteDatastoreCommand({ datastoreId }));
      return true;
    } catch (error) {
      if (error instanceof ConflictException) return undefined;
      throw error;
    }
  });
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'DELETED' ? true : undefined));
}

/** The exact events of create → import (primary + non-primary) → delete both → delete the data store. */
function expectedEvents(datastoreId: string, name: string, job: DICOMImportJobProperties, placed: readonly { imageSetId: string; isPrimary: boolean }[], deletionOrder: readonly string[]) {
  const datastoreArn = `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/${datastoreId}`;
  const datastore = (type: string, status: string) => ({ type, resources: [datastoreArn], detail: { imagingVersion: '1.0', datastoreId, datastoreName: name, datastoreStatus: status } });
  const jobEvent = (type: string, status: string) => ({
    type,
    resources: [],
    detail: { imagingVersion: '1.0', datastoreId, jobName: 'events-e2e', jobId: job.jobId, jobStatus: status, inputS3Uri: job.inputS3Uri, outputS3Uri: job.outputS3Uri },
  });
  const isPrimaryOf = (imageSetId: string) => placed.find((p) => p.imageSetId === imageSetId)!.isPrimary;
  const imageSet = (type: string, imageSetId: string, state: string, workflow: string) => ({
    type,
    resources: [`${datastoreArn}/imageset/${imageSetId}`],
    detail: { imagingVersion: '1.0', datastoreId, imageSetId, imageSetState: state, imageSetWorkflowStatus: workflow, isPrimary: isPrimaryOf(imageSetId) },
  });
  return {
    /** Up to the import's image sets, whose relative order is the commit's (checked separately). */
    head: [datastore('Data Store Creating', 'CREATING'), datastore('Data Store Created', 'ACTIVE'), jobEvent('Import Job Submitted', 'SUBMITTED'), jobEvent('Import Job In Progress', 'IN_PROGRESS')],
    created: placed.map((p) => imageSet('Image Set Created', p.imageSetId, 'ACTIVE', 'IMPORTED')),
    tail: [
      jobEvent('Import Job Completed', 'COMPLETED'),
      ...deletionOrder.flatMap((id) => [imageSet('Image Set Deleting', id, 'LOCKED', 'DELETING'), imageSet('Image Set Deleted', id, 'DELETED', 'DELETED')]),
      datastore('Data Store Deleting', 'DELETING'),
      datastore('Data Store Deleted', 'DELETED'),
    ],
  };
}

/** Checks the envelopes against the expected events, field by field; image set creations may come in either order. */
function assertEvents(envelopes: readonly Envelope[], expected: ReturnType<typeof expectedEvents>): void {
  const count = expected.head.length + expected.created.length + expected.tail.length;
  assert.equal(envelopes.length, count, `got ${envelopes.map((e) => e['detail-type']).join(', ')}`);
  const simplify = (e: Envelope) => ({ type: e['detail-type'], resources: e.resources, detail: e.detail });
  const got = envelopes.map(simplify);
  const createdStart = expected.head.length;
  assert.deepEqual(got.slice(0, createdStart), expected.head);
  const created = got.slice(createdStart, createdStart + expected.created.length);
  const byId = (a: { detail: Record<string, unknown> }, b: { detail: Record<string, unknown> }) => String(a.detail.imageSetId).localeCompare(String(b.detail.imageSetId));
  assert.deepEqual([...created].sort(byId), [...expected.created].sort(byId));
  assert.deepEqual(got.slice(createdStart + expected.created.length), expected.tail);
  for (const e of envelopes) {
    assert.equal(e.version, '0');
    assert.equal(e.source, 'aws.medical-imaging');
    assert.equal(e.account, ACCOUNT_ID);
    assert.equal(e.region, REGION);
    assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(Object.keys(e).sort(), ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
  }
}

/** Every EventBridge entry matches the envelope it was made from, and every call was signed and targeted right. */
function assertEventBridgeMatches(receiver: Awaited<ReturnType<typeof eventBridgeReceiver>>, envelopes: readonly Envelope[]): void {
  for (const call of receiver.calls) {
    assert.equal(call.target, 'AWSEvents.PutEvents');
    assert.equal(call.contentType, 'application/x-amz-json-1.1');
    assert.ok(call.isSignatureValid, 'PutEvents SigV4 signature verifies');
    assert.ok(call.entries.length <= 10);
  }
  const toEntry = (e: Envelope) => ({ Source: e.source, DetailType: e['detail-type'], Detail: e.detail, Time: Date.parse(e.time) / 1000, Resources: e.resources, EventBusName: BUS });
  const entries = receiver.entries().map((entry) => ({ ...entry, Detail: JSON.parse(entry.Detail) as Record<string, unknown> }));
  // No ids travel in PutEvents entries: drop exact repeats of an entry (at-least-once retries) before comparing.
  const seen = new Set<string>();
  const unique = entries.filter((entry) => {
    const key = JSON.stringify(entry);
    return !seen.has(key) && seen.add(key);
  });
  assert.deepEqual(unique, envelopes.map(toEntry));
}

async function readFeed(port: number): Promise<{ sequence: number; event: Envelope }[]> {
  const all: { sequence: number; event: Envelope }[] = [];
  let after = 0;
  for (;;) {
    const response = await signedFetch(port, { method: 'GET', path: '/events', query: { after: String(after), limit: '4' } });
    assert.equal(response.status, 200, response.text);
    const page = response.json() as { events: { sequence: number; event: Envelope }[]; nextAfter: number };
    if (page.events.length === 0) {
      assert.equal(page.nextAfter, after);
      return all;
    }
    assert.ok(page.events.length <= 4);
    all.push(...page.events);
    after = page.nextAfter;
    assert.equal(after, page.events.at(-1)!.sequence);
  }
}

describe('event delivery (e2e)', () => {
  let webhook: Awaited<ReturnType<typeof webhookReceiver>>;
  let eventBridge: Awaited<ReturnType<typeof eventBridgeReceiver>>;
  let server: RunningServer;

  before(async () => {
    webhook = await webhookReceiver();
    eventBridge = await eventBridgeReceiver();
    server = await startServer({ env: serverEnv(webhook, eventBridge) });
  });
  after(async () => {
    await server.dispose();
    await webhook.close();
    await eventBridge.close();
  });

  it('create → import → delete reaches the webhook, EventBridge, the log file and the change feed exactly, in order', async () => {
    const client = server.client();
    const datastoreId = await createActiveDatastore(client, 'events-ds');
    const { job, placed } = await importPair(server, client, datastoreId);
    const deletionOrder = [placed.find((p) => p.isPrimary)!.imageSetId, placed.find((p) => !p.isPrimary)!.imageSetId];
    await deleteEverything(client, datastoreId, deletionOrder);
    const expected = expectedEvents(datastoreId, 'events-ds', job, placed, deletionOrder);

    await eventually(async () => (webhook.posts.length >= 13 && eventBridge.entries().length >= 13 ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 300)); // several polls later: nothing more, nothing twice
    const feed = await readFeed(server.port);
    assert.deepEqual(feed.map((f) => f.sequence), [...feed.map((f) => f.sequence)].sort((a, b) => a - b));
    const outbox = feed.map((f) => f.event);
    assertEvents(outbox, expected);

    // Webhook: one POST per event, no duplicates, outbox order, valid HMAC, headers naming the event.
    assert.equal(webhook.posts.length, 13);
    assert.deepEqual(webhook.posts.map((p) => p.envelope), outbox);
    assert.deepEqual(webhook.posts.map((p) => p.sequence), feed.map((f) => f.sequence));
    assert.ok(webhook.posts.every((p) => p.isSignatureValid && p.isIdHeaderRight));
    assert.deepEqual(
      webhook.posts.filter((p) => p.envelope['detail-type'] === 'Image Set Created').map((p) => p.envelope.detail.isPrimary).sort(),
      [false, true],
    );

    // EventBridge: the same events as PutEvents entries, ≤ 10 per signed call, no duplicates in the normal case.
    assert.equal(eventBridge.entries().length, 13);
    assertEventBridgeMatches(eventBridge, outbox);

    // JSON-lines log: the same envelopes, one per line.
    const lines = (await readFile(join(server.dataDir, 'events', 'events.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    assert.deepEqual(lines.map((l) => JSON.parse(l) as Envelope), outbox);
  });

  it('GET /events is SigV4-protected and validates after/limit with the AWS error format', async () => {
    const unsigned = await fetch(`${server.endpoint}/events`);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');

    const all = await signedFetch(server.port, { method: 'GET', path: '/events' });
    assert.equal(all.status, 200);
    assert.ok(all.headers.get('x-amzn-requestid'));
    const body = all.json() as { events: { sequence: number }[]; nextAfter: number };
    assert.equal(body.events.length, 13, 'default limit 100 covers them all');
    assert.equal(body.nextAfter, body.events.at(-1)!.sequence);

    const beyond = await signedFetch(server.port, { method: 'GET', path: '/events', query: { after: String(body.nextAfter) } });
    assert.deepEqual(beyond.json(), { events: [], nextAfter: body.nextAfter });

    for (const query of [{ after: '-1' }, { after: 'x' }, { limit: '0' }, { limit: '1001' }, { limit: '1.5' }] as Record<string, string>[]) {
      const response = await signedFetch(server.port, { method: 'GET', path: '/events', query });
      assert.equal(response.status, 400, JSON.stringify(query));
      assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.match((response.json() as { message: string }).message, /(after|limit)/);
    }
    const max = await signedFetch(server.port, { method: 'GET', path: '/events', query: { limit: '1000' } });
    assert.equal(max.status, 200);
  });
});

describe('event delivery across a restart while the webhook is down (e2e)', () => {
  let webhook: Awaited<ReturnType<typeof webhookReceiver>>;
  let eventBridge: Awaited<ReturnType<typeof eventBridgeReceiver>>;
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    webhook = await webhookReceiver();
    eventBridge = await eventBridgeReceiver();
    server = await startServer({ env: serverEnv(webhook, eventBridge), keepData: true });
    dataDir = server.dataDir;
  });
  after(async () => {
    await server.dispose();
    await rm(dataDir, { recursive: true, force: true });
    await webhook.close();
    await eventBridge.close();
  });

  it('every event arrives once the receiver recovers, first-seen in outbox order; what was delivered before is not sent again', async () => {
    let client = server.client();
    const datastoreId = await createActiveDatastore(client, 'restart-ds');
    await eventually(async () => (webhook.accepted().length === 2 ? true : undefined), 10_000);

    // The webhook goes down; the import's events pile up for it (EventBridge keeps receiving them).
    webhook.setFailing(true);
    const { job, placed } = await importPair(server, client, datastoreId);
    await eventually(async () => (eventBridge.entries().length >= 7 && webhook.posts.some((p) => p.status === 500) ? true : undefined), 10_000);
    assert.equal(await server.stop(), 0);

    // Same data folder, webhook still failing for a while after the start.
    server = await startServer({ env: serverEnv(webhook, eventBridge), dataDir, keepData: true });
    client = server.client();
    const failuresBefore = webhook.posts.filter((p) => p.status === 500).length;
    await eventually(async () => (webhook.posts.filter((p) => p.status === 500).length > failuresBefore + 2 ? true : undefined), 10_000);
    webhook.setFailing(false);

    const deletionOrder = [placed.find((p) => !p.isPrimary)!.imageSetId, placed.find((p) => p.isPrimary)!.imageSetId];
    await deleteEverything(client, datastoreId, deletionOrder);
    const expected = expectedEvents(datastoreId, 'restart-ds', job, placed, deletionOrder);
    await eventually(async () => (webhook.accepted().length >= 13 && eventBridge.entries().length >= 13 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 300));

    const outbox = (await readFeed(server.port)).map((f) => f.event);
    assertEvents(outbox, expected);
    // Complete, first-seen in outbox order; repeats only of events whose delivery had failed (at-least-once).
    assert.deepEqual(webhook.accepted(), outbox);
    assert.ok(webhook.posts.every((p) => p.isSignatureValid && p.isIdHeaderRight));
    const acceptedCount = (id: string) => webhook.posts.filter((p) => p.status === 200 && p.envelope.id === id).length;
    assert.equal(acceptedCount(outbox[0]!.id), 1, 'delivered before the restart, not sent again after it');
    assert.equal(acceptedCount(outbox[1]!.id), 1);
    assertEventBridgeMatches(eventBridge, outbox);
    assert.equal(eventBridge.entries().length, 13, 'EventBridge was never down: its cursor survived the restart');
  });
});
