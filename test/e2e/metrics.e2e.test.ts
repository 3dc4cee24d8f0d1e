// GET /metrics end to end: the Prometheus text parses, the CloudWatch-style call counts and the error counts move by
// exactly the calls made, and TESSERA_METRICS decides who may read it (sigv4 by default, open, off).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateDatastoreCommand, GetDatastoreCommand, ResourceNotFoundException, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';

const USAGE = { service: 'Medical Imaging', type: 'API', class: 'None' };
const UNKNOWN_DATASTORE = '0123456789abcdef0123456789abcdef';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

function value(families: Families, name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name);
  assert.ok(family !== undefined, `${name} is exposed`);
  const sample = family.metrics.find(
    (m) => Object.keys(m.labels ?? {}).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample === undefined ? 0 : Number(sample.value);
}

const calls = (families: Families, operation: string) => value(families, 'tessera_call_count_total', { ...USAGE, resource: operation });
const errors = (families: Families, code: string) => value(families, 'tessera_errors_total', { code });

/** The request-duration count of one operation (the parser drops histogram labels, so it is read from the text). */
function latencyCount(text: string, operation: string): number {
  const match = new RegExp(`^tessera_request_duration_seconds_count\\{resource="${operation}"\\} (\\d+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** Makes the calls of every scenario: CreateDatastore, GetDatastore ×3, one failing GetDatastore. */
async function makeCalls(client: MedicalImagingClient): Promise<void> {
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'metrics-e2e' }));
  for (let i = 0; i < 3; i++) await client.send(new GetDatastoreCommand({ datastoreId }));
  await assert.rejects(client.send(new GetDatastoreCommand({ datastoreId: UNKNOWN_DATASTORE })), ResourceNotFoundException);
}

describe('GET /metrics with TESSERA_METRICS=open', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { TESSERA_METRICS: 'open' } });
  });
  after(async () => server?.dispose());

  const scrape = async () => {
    const response = await fetch(`${server.endpoint}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, families: parsePrometheusTextFormat(text) };
  };

  it('is readable without signing; the counters move by exactly the calls made', async () => {
    const before = await scrape();
    assert.equal(calls(before.families, 'GetDatastore'), 0); // pre-created, so exposed as 0
    await makeCalls(server.client());
    const afterCalls = await scrape();
    assert.equal(calls(afterCalls.families, 'CreateDatastore') - calls(before.families, 'CreateDatastore'), 1);
    assert.equal(calls(afterCalls.families, 'GetDatastore') - calls(before.families, 'GetDatastore'), 4);
    assert.equal(calls(afterCalls.families, 'ListDatastores') - calls(before.families, 'ListDatastores'), 0);
    assert.equal(errors(afterCalls.families, 'ResourceNotFoundException') - errors(before.families, 'ResourceNotFoundException'), 1);
    assert.equal(latencyCount(afterCalls.text, 'GetDatastore') - latencyCount(before.text, 'GetDatastore'), 4);
    assert.equal(latencyCount(afterCalls.text, 'CreateDatastore') - latencyCount(before.text, 'CreateDatastore'), 1);
    // Scrapes themselves are not API calls.
    assert.ok(!afterCalls.families.find((f) => f.name === 'tessera_call_count_total')?.metrics.some((m) => m.labels?.resource === 'GetMetrics'));
  });

  it('exposes the import, codec, outbox and process families', async () => {
    const { families } = await scrape();
    const names = new Set(families.map((f) => f.name));
    for (const name of [
      'tessera_import_files_total',
      'tessera_import_bytes_read_total',
      'tessera_frames_transcoded_total',
      'tessera_codec_duration_seconds',
      'tessera_codec_pending_frames',
      'tessera_codec_waiting_callers',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(names.has(name), `${name} is exposed`);
    }
    assert.equal(value(families, 'tessera_import_files_total', { outcome: 'imported' }), 0);
  });
});

describe('GET /metrics with the default TESSERA_METRICS (sigv4)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.dispose());

  it('refuses an unsigned scrape with 403 and counts only the signed calls', async () => {
    const unsigned = await fetch(`${server.endpoint}/metrics`);
    assert.equal(unsigned.status, 403);
    const deniedCode = unsigned.headers.get('x-amzn-errortype') ?? '';
    await unsigned.text();

    const first = await signedFetch(server.port, { method: 'GET', path: '/metrics' });
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain/);
    const before = parsePrometheusTextFormat(first.text);
    await makeCalls(server.client());
    const second = await signedFetch(server.port, { method: 'GET', path: '/metrics' });
    assert.equal(second.status, 200);
    const afterCalls = parsePrometheusTextFormat(second.text);
    assert.equal(calls(afterCalls, 'CreateDatastore') - calls(before, 'CreateDatastore'), 1);
    assert.equal(calls(afterCalls, 'GetDatastore') - calls(before, 'GetDatastore'), 4);
    assert.equal(errors(afterCalls, 'ResourceNotFoundException') - errors(before, 'ResourceNotFoundException'), 1);
    assert.equal(errors(before, deniedCode), 1, `the denied scrape counts as one ${deniedCode}`);
  });
});

describe('GET /metrics with TESSERA_METRICS=off', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { TESSERA_METRICS: 'off' } });
  });
  after(async () => server?.dispose());

  it('does not exist: 404 UnknownOperationException, signed or not', async () => {
    const signed = await signedFetch(server.port, { method: 'GET', path: '/metrics' });
    assert.equal(signed.status, 404);
    assert.equal(signed.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    const unsigned = await fetch(`${server.endpoint}/metrics`);
    assert.equal(unsigned.status, 404);
    await unsigned.text();
  });
});
