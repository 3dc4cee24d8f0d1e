import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

test('defaults are loopback, port 8080, ./data, us-east-1', () => {
  const config = loadConfig({}, []);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, './data');
  assert.equal(config.region, 'us-east-1');
  assert.equal(config.accountId, undefined);
  assert.equal(config.admin, undefined);
  assert.equal(config.clockSkewMs, 300_000);
  assert.equal(config.quotas.maxActiveDatastores, 100);
  assert.ok(Object.isFrozen(config));
});

test('flags override environment', () => {
  const config = loadConfig({ TESSERA_PORT: '9000', TESSERA_REGION: 'eu-west-1' }, ['--port', '9100', '--data-dir=/tmp/x']);
  assert.equal(config.port, 9100);
  assert.equal(config.region, 'eu-west-1');
  assert.equal(config.dataDir, '/tmp/x');
});

test('admin credentials come as a pair', () => {
  const config = loadConfig({ TESSERA_ADMIN_ACCESS_KEY_ID: 'AKIAEXAMPLE12345', TESSERA_ADMIN_SECRET_ACCESS_KEY: 'secretsecretsecret' }, []);
  assert.deepEqual(config.admin, { accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: 'secretsecretsecret' });
  assert.throws(() => loadConfig({ TESSERA_ADMIN_ACCESS_KEY_ID: 'AKIAEXAMPLE12345' }, []), /must be set together/);
});

for (const [env, argv, pattern] of [
  [{ TESSERA_PORT: 'eighty' }, [], /TESSERA_PORT must be an integer/],
  [{ TESSERA_PORT: '70000' }, [], /between 0 and 65535/],
  [{ TESSERA_ACCOUNT_ID: '123' }, [], /12 digits/],
  [{ TESSERA_REGION: 'mars' }, [], /region name/],
  [{ TESSERA_LOG_LEVEL: 'loud' }, [], /TESSERA_LOG_LEVEL/],
  [{}, ['--nope', '1'], /unknown flag --nope/],
  [{}, ['--port'], /needs a value/],
  [{}, ['stray'], /unexpected argument/],
] as const) {
  test(`invalid config is one clear ConfigError: ${pattern}`, () => {
    assert.throws(() => loadConfig(env, argv), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
  });
}

test('S3 settings come together; imports have the AWS quotas by default', () => {
  const config = loadConfig({ TESSERA_S3_ENDPOINT: 'http://127.0.0.1:9000', TESSERA_S3_ACCESS_KEY_ID: 'a', TESSERA_S3_SECRET_ACCESS_KEY: 'b' }, []);
  assert.deepEqual(config.s3, { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b', forcePathStyle: true });
  assert.throws(() => loadConfig({ TESSERA_S3_ENDPOINT: 'http://127.0.0.1:9000' }, []), /needs TESSERA_S3_ACCESS_KEY_ID/);
  const defaults = loadConfig({}, []);
  assert.equal(defaults.s3, undefined);
  assert.equal(defaults.imports.maxFilesPerJob, 5000);
  assert.equal(defaults.imports.maxBytesPerFile, 10 * 1024 ** 3);
  assert.equal(defaults.imports.maxConcurrentJobsPerDatastore, 100);
});

test('event delivery is off by default and tuned by TESSERA_EVENT_*', () => {
  const defaults = loadConfig({}, []).events;
  assert.deepEqual(defaults, {
    isLogEnabled: false,
    webhookUrls: [],
    webhookSecret: undefined,
    eventBridge: undefined,
    maxAttempts: 8,
    pollIntervalMs: 200,
    retryBaseMs: 1000,
    retryMaxMs: 60000,
  });
  const events = loadConfig(
    {
      TESSERA_EVENT_LOG: 'true',
      TESSERA_EVENT_WEBHOOKS: 'http://127.0.0.1:9000/hook, https://hooks.example.org/tessera?x=1',
      TESSERA_EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars',
      TESSERA_EVENT_MAX_ATTEMPTS: '3',
      TESSERA_EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010',
      TESSERA_EVENTBRIDGE_ACCESS_KEY_ID: 'AKIAEB',
      TESSERA_EVENTBRIDGE_SECRET_ACCESS_KEY: 'eb-secret',
    },
    ['--event-poll-ms', '50'],
  ).events;
  assert.equal(events.isLogEnabled, true);
  assert.deepEqual(events.webhookUrls, ['http://127.0.0.1:9000/hook', 'https://hooks.example.org/tessera?x=1']);
  assert.equal(events.maxAttempts, 3);
  assert.equal(events.pollIntervalMs, 50);
  assert.deepEqual(events.eventBridge, {
    endpoint: 'http://127.0.0.1:4010/',
    busName: 'default',
    region: 'us-east-1',
    source: undefined,
    accessKeyId: 'AKIAEB',
    secretAccessKey: 'eb-secret',
  });
  assert.ok(Object.isFrozen(events) && Object.isFrozen(events.webhookUrls));
});

for (const [env, pattern] of [
  [{ TESSERA_EVENT_LOG: 'yes' }, /TESSERA_EVENT_LOG must be true or false/],
  [{ TESSERA_EVENT_WEBHOOKS: 'http://127.0.0.1:9000/hook' }, /needs TESSERA_EVENT_WEBHOOK_SECRET/],
  [{ TESSERA_EVENT_WEBHOOKS: 'ftp://example.org/x', TESSERA_EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars' }, /must be an http or https URL/],
  [{ TESSERA_EVENT_WEBHOOKS: 'not a url', TESSERA_EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars' }, /is not a URL/],
  [{ TESSERA_EVENT_WEBHOOKS: 'http://u:p@example.org/x', TESSERA_EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars' }, /must not contain user:password/],
  [{ TESSERA_EVENT_WEBHOOKS: 'http://a.example/x,http://a.example/x', TESSERA_EVENT_WEBHOOK_SECRET: 'a-secret-of-16-chars' }, /same URL twice/],
  [{ TESSERA_EVENT_WEBHOOKS: 'http://a.example/x', TESSERA_EVENT_WEBHOOK_SECRET: 'short' }, /at least 16 characters/],
  [{ TESSERA_EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010' }, /needs TESSERA_EVENTBRIDGE_ACCESS_KEY_ID/],
  [{ TESSERA_EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010', TESSERA_EVENTBRIDGE_ACCESS_KEY_ID: 'a', TESSERA_EVENTBRIDGE_SECRET_ACCESS_KEY: 'b', TESSERA_EVENTBRIDGE_BUS: 'bad bus' }, /not an event bus name/],
  [{ TESSERA_EVENT_MAX_ATTEMPTS: '0' }, /TESSERA_EVENT_MAX_ATTEMPTS must be between 1/],
  [{ TESSERA_EVENT_POLL_MS: 'fast' }, /TESSERA_EVENT_POLL_MS must be an integer/],
  [{ TESSERA_EVENT_RETRY_BASE_MS: '5000', TESSERA_EVENT_RETRY_MAX_MS: '1000' }, /must not be below/],
] as const) {
  test(`invalid event config is a ConfigError: ${pattern}`, () => {
    assert.throws(() => loadConfig(env, []), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
  });
}

test('audit files rotate at 64 MiB and batch 2 ms by default; both are adjustable', () => {
  const defaults = loadConfig({}, []);
  assert.equal(defaults.audit.maxFileBytes, 64 * 1024 * 1024);
  assert.equal(defaults.audit.batchMs, 2);
  const set = loadConfig({ TESSERA_AUDIT_MAX_FILE_BYTES: '4096' }, ['--audit-batch-ms', '0']);
  assert.equal(set.audit.maxFileBytes, 4096);
  assert.equal(set.audit.batchMs, 0);
  assert.throws(() => loadConfig({ TESSERA_AUDIT_MAX_FILE_BYTES: '10' }, []), ConfigError);
  assert.throws(() => loadConfig({ TESSERA_AUDIT_BATCH_MS: 'soon' }, []), /TESSERA_AUDIT_BATCH_MS must be an integer/);
});

test('GET /metrics is SigV4-protected by default; TESSERA_METRICS opens or removes it', () => {
  assert.equal(loadConfig({}, []).metrics, 'sigv4');
  assert.equal(loadConfig({ TESSERA_METRICS: 'open' }, []).metrics, 'open');
  assert.equal(loadConfig({}, ['--metrics', 'off']).metrics, 'off');
  assert.throws(() => loadConfig({ TESSERA_METRICS: 'public' }, []), (error: unknown) => error instanceof ConfigError && /TESSERA_METRICS must be sigv4, open or off/.test(error.message));
});
