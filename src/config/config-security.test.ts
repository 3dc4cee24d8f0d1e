// The security settings of the configuration: TLS, throttling, request deadlines and the OIDC issuers file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

test('defaults: plain HTTP, AWS throttling on, 300 s / 20 s deadlines, no OIDC', () => {
  const config = loadConfig({}, []);
  assert.equal(config.tls, undefined);
  assert.deepEqual(config.throttling, { isEnabled: true, limits: {} });
  assert.equal(config.requestTimeoutMs, 300_000);
  assert.equal(config.headersTimeoutMs, 20_000);
  assert.equal(config.oidc, undefined);
});

test('TLS files come as a pair; flags win over the environment', () => {
  assert.deepEqual(loadConfig({ TESSERA_TLS_CERT: '/c.pem', TESSERA_TLS_KEY: '/k.pem' }, ['--tls-cert', '/other.pem']).tls, { certPath: '/other.pem', keyPath: '/k.pem' });
  assert.throws(() => loadConfig({ TESSERA_TLS_CERT: '/c.pem' }, []), /TESSERA_TLS_CERT and TESSERA_TLS_KEY must be set together/);
});

test('throttling can be switched off and its limits overridden per action', () => {
  const config = loadConfig({ TESSERA_THROTTLING: 'off', TESSERA_THROTTLE_LIMITS: 'GetImageFrame=500/1000, CreateDatastore=0.5/2' }, []);
  assert.deepEqual(config.throttling, { isEnabled: false, limits: { GetImageFrame: { ratePerSecond: 500, burst: 1000 }, CreateDatastore: { ratePerSecond: 0.5, burst: 2 } } });
  for (const bad of ['GetImageFrame=500', 'GetImageFrame=0/1', 'GetImageFrame=5/0', 'Get-Frame=1/1']) {
    assert.throws(() => loadConfig({ TESSERA_THROTTLE_LIMITS: bad }, []), ConfigError, bad);
  }
  assert.throws(() => loadConfig({ TESSERA_THROTTLING: 'maybe' }, []), /on or off/);
});

test('the headers deadline must be shorter than the request deadline', () => {
  assert.equal(loadConfig({ TESSERA_HEADERS_TIMEOUT_MS: '1500', TESSERA_REQUEST_TIMEOUT_MS: '3000' }, []).headersTimeoutMs, 1500);
  assert.throws(() => loadConfig({ TESSERA_HEADERS_TIMEOUT_MS: '5000', TESSERA_REQUEST_TIMEOUT_MS: '3000' }, []), /below TESSERA_REQUEST_TIMEOUT_MS/);
});

test('the OIDC file is read and checked at start-up, JWKS paths relative to it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-oidc-config-'));
  try {
    const write = (content: unknown) => {
      writeFileSync(join(dir, 'oidc.json'), typeof content === 'string' ? content : JSON.stringify(content));
      return join(dir, 'oidc.json');
    };
    const good = write({ issuers: [{ issuer: 'https://idp', audience: 'app', jwksFile: 'keys.json', roleMappings: [{ claim: 'groups', value: 'rad', role: 'Reader' }], defaultRole: 'Guest' }], invalidTokenStatus: 403 });
    const oidc = loadConfig({ TESSERA_OIDC_CONFIG: good }, []).oidc!;
    assert.equal(oidc.invalidTokenStatus, 403);
    assert.equal(oidc.clockSkewSeconds, 60);
    assert.deepEqual(oidc.issuers[0], {
      issuer: 'https://idp', audiences: ['app'], jwks: { file: join(dir, 'keys.json') }, roleMappings: [{ claim: 'groups', value: 'rad', role: 'Reader' }], defaultRole: 'Guest', maxTokenAgeSeconds: 43_200,
    });
    const bad: [unknown, RegExp][] = [
      ['{', /JSON|Unexpected/],
      [{ issuers: [] }, /non-empty "issuers"/],
      [{ issuers: [{ issuer: 'https://idp', jwksFile: 'k.json' }] }, /audience/],
      [{ issuers: [{ issuer: 'https://idp', audience: 'a' }] }, /exactly one of "jwksFile" and "jwksUrl"/],
      [{ issuers: [{ issuer: 'https://idp', audience: 'a', jwksUrl: 'ftp://x' }] }, /http\(s\) URL/],
      [{ issuers: [{ issuer: 'https://idp', audience: 'a', jwksFile: 'k', maxTokenAgeSeconds: 86_400 }] }, /12 hours/],
      [{ issuers: [{ issuer: 'https://idp', audience: 'a', jwksFile: 'k', roleMappings: [{ claim: 'g', value: 'v', role: 'bad role' }] }] }, /role name/],
      [{ issuers: [{ issuer: 'https://idp', audience: 'a', jwksFile: 'k' }], invalidTokenStatus: 500 }, /401 or 403/],
    ];
    for (const [content, message] of bad) assert.throws(() => loadConfig({ TESSERA_OIDC_CONFIG: write(content) }, []), message, JSON.stringify(content));
    assert.throws(() => loadConfig({ TESSERA_OIDC_CONFIG: join(dir, 'missing.json') }, []), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
