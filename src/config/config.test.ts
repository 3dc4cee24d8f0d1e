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
