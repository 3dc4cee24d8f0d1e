import { test } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { TesseraMetrics } from './tessera-metrics.js';

const USAGE = { service: 'Medical Imaging', type: 'API', class: 'None' };

async function families(metrics: TesseraMetrics) {
  const { body } = await metrics.scrape();
  return new Map(parsePrometheusTextFormat(body.toString('utf8')).map((family) => [family.name, family]));
}

function sample(all: Awaited<ReturnType<typeof families>>, name: string, labels: Record<string, string> = {}) {
  const family = all.get(name);
  assert.ok(family !== undefined, `${name} is exposed`);
  return family.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value) && Object.keys(m.labels ?? {}).length === Object.keys(labels).length);
}

test('call counts carry the CloudWatch usage labels; pre-created operations read 0 before any call', async () => {
  const metrics = new TesseraMetrics({ operations: ['GetDatastore', 'CreateDatastore'], processMetrics: false });
  let all = await families(metrics);
  assert.equal(sample(all, 'tessera_call_count_total', { ...USAGE, resource: 'GetDatastore' })?.value, '0');
  metrics.recordCall('GetDatastore', 0.002);
  metrics.recordCall('GetDatastore', 0.003, 'ResourceNotFoundException');
  metrics.recordCall(undefined, 0.001, 'UnknownOperationException');
  metrics.recordCall('ListEvents', 0.2); // not pre-created: created on first use
  all = await families(metrics);
  assert.equal(sample(all, 'tessera_call_count_total', { ...USAGE, resource: 'GetDatastore' })?.value, '2');
  assert.equal(sample(all, 'tessera_call_count_total', { ...USAGE, resource: 'CreateDatastore' })?.value, '0');
  assert.equal(sample(all, 'tessera_call_count_total', { ...USAGE, resource: 'ListEvents' })?.value, '1');
  assert.equal(sample(all, 'tessera_errors_total', { code: 'ResourceNotFoundException' })?.value, '1');
  assert.equal(sample(all, 'tessera_errors_total', { code: 'UnknownOperationException' })?.value, '1');
  assert.equal(all.get('tessera_request_duration_seconds')?.type, 'HISTOGRAM');
  // The parser keeps only the buckets of histogram samples: their labels, count and sum are read from the text.
  const text = (await metrics.scrape()).body.toString('utf8');
  assert.match(text, /^tessera_request_duration_seconds_count\{resource="GetDatastore"\} 2$/m);
  assert.match(text, /^tessera_request_duration_seconds_bucket\{le="0\.0025",resource="GetDatastore"\} 1$/m);
  assert.match(text, /^tessera_request_duration_seconds_bucket\{le="0\.005",resource="GetDatastore"\} 2$/m);
  assert.match(text, /^tessera_request_duration_seconds_count\{resource="CreateDatastore"\} 0$/m);
  assert.equal(all.has('process_cpu_user_seconds_total'), false);
});

test('import files by outcome, bytes, frames and codec time', async () => {
  const metrics = new TesseraMetrics({ operations: [], processMetrics: false });
  metrics.recordImportFile('imported', 1000);
  metrics.recordImportFile('imported', 24);
  metrics.recordImportFile('customer_error', 0);
  metrics.recordFrameTranscoded(0.004);
  metrics.recordFrameTranscoded(0.006);
  const all = await families(metrics);
  assert.equal(sample(all, 'tessera_import_files_total', { outcome: 'imported' })?.value, '2');
  assert.equal(sample(all, 'tessera_import_files_total', { outcome: 'customer_error' })?.value, '1');
  assert.equal(sample(all, 'tessera_import_files_total', { outcome: 'server_error' })?.value, '0');
  assert.equal(sample(all, 'tessera_import_bytes_read_total')?.value, '1024');
  assert.equal(sample(all, 'tessera_frames_transcoded_total')?.value, '2');
  assert.match((await metrics.scrape()).body.toString('utf8'), /^tessera_codec_duration_seconds_count 2$/m);
  assert.equal(all.get('tessera_codec_duration_seconds')?.type, 'HISTOGRAM');
});

test('queue depths and outbox lag are read at scrape time; process metrics are on by default', async () => {
  let pendingFrames = 3;
  const metrics = new TesseraMetrics({
    operations: [],
    codecQueue: () => ({ pendingFrames, waitingCallers: 1 }),
    outboxLag: async () => new Map([['webhook:a', 7], ['log', 0]]),
  });
  let all = await families(metrics);
  assert.equal(sample(all, 'tessera_codec_pending_frames')?.value, '3');
  assert.equal(sample(all, 'tessera_codec_waiting_callers')?.value, '1');
  assert.equal(sample(all, 'tessera_outbox_lag_events', { sink: 'webhook:a' })?.value, '7');
  assert.equal(sample(all, 'tessera_outbox_lag_events', { sink: 'log' })?.value, '0');
  assert.ok(all.has('process_cpu_user_seconds_total'));
  assert.ok(all.has('nodejs_eventloop_lag_seconds'));
  pendingFrames = 0;
  all = await families(metrics);
  assert.equal(sample(all, 'tessera_codec_pending_frames')?.value, '0');
  const { contentType } = await metrics.scrape();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
});
