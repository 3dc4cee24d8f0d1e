import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedJwks } from './jwks.js';
import { JwtVerifier, TokenRejectedError } from './jwt-verifier.js';
import { claimsAt, generateTestKey, signJwt } from '../../test/support/jwt.js';

const ISSUER = 'https://idp.example.test/realms/imaging';
const keys = { rs: generateTestKey('rs', 'RS256'), ps: generateTestKey('ps', 'PS256'), es: generateTestKey('es', 'ES256'), ed: generateTestKey('ed', 'EdDSA') };
const other = generateTestKey('rs', 'RS256'); // same kid, different key: a forged signature
let loads = 0;
const jwks = new CachedJwks(async () => (loads++, { keys: Object.values(keys).map((k) => k.jwk) }), { refreshIntervalMs: 30_000, maxAgeMs: 600_000 });
const verifier = new JwtVerifier([{ issuer: ISSUER, audiences: ['tessera'], jwks, maxTokenAgeSeconds: 43_200 }], 60);

async function refused(token: string, reason: RegExp): Promise<void> {
  await assert.rejects(verifier.verify(token), (error: unknown) => error instanceof TokenRejectedError && reason.test(error.message));
}

test('accepts RS256, PS256, ES256 and EdDSA tokens of the trusted issuer for the audience', async () => {
  for (const key of Object.values(keys)) {
    const { claims } = await verifier.verify(signJwt(key, claimsAt(ISSUER, ['other', 'tessera'])));
    assert.equal(claims.sub, 'viewer-1');
  }
  assert.equal(loads, 1, 'the key set is read once');
});

test('refuses expired, future, over-age, wrong-audience, wrong-issuer and forged tokens', async () => {
  const now = Math.floor(Date.now() / 1000);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'tessera', { exp: now - 120 })), /expired/);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'tessera', { nbf: now + 3600 })), /not valid yet/);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'tessera', { iat: now + 3600, nbf: now })), /issued in the future/);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'tessera', {}, 13 * 3600, 24 * 3600)), /older than 43200 seconds/);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'someone-else')), /audience/);
  await refused(signJwt(keys.rs, claimsAt('https://evil.example', 'tessera')), /issuer is not trusted/);
  await refused(signJwt(other, claimsAt(ISSUER, 'tessera')), /signature is not valid/);
  await refused(signJwt(keys.rs, claimsAt(ISSUER, 'tessera'), { kid: 'nope' }), /unknown key/);
  // The key of one algorithm cannot vouch for another (alg confusion).
  await refused(signJwt(keys.es, claimsAt(ISSUER, 'tessera'), { kid: 'rs' }), /signature is not valid/);
  const token = signJwt(keys.rs, claimsAt(ISSUER, 'tessera'));
  const [header, payload] = token.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'rs' })).toString('base64url')}.${payload}.`;
  await refused(none, /algorithm none/);
  const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rs' })).toString('base64url')}.${payload}.${token.split('.')[2]}`;
  await refused(hs, /algorithm HS256/);
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claimsAt(ISSUER, 'tessera'), sub: 'admin' })).toString('base64url')}.${token.split('.')[2]}`;
  await refused(tampered, /signature/);
  await refused('a.b', /not a signed JWT/);
  await refused(signJwt(keys.rs, { iss: ISSUER, aud: 'tessera', iat: now }), /exp/);
  assert.equal(loads, 1, 'an unknown kid does not make every token re-read the key set');
});

test('a rotated key is found by re-reading the set, at most once per refresh interval', async () => {
  let now = 0;
  let published = [keys.rs.jwk];
  let reads = 0;
  const rotating = new CachedJwks(async () => (reads++, { keys: published }), { refreshIntervalMs: 30_000, maxAgeMs: 600_000, now: () => now });
  assert.ok(await rotating.keyFor('rs'));
  published = [keys.rs.jwk, keys.es.jwk];
  assert.equal(await rotating.keyFor('es'), undefined, 'within the interval the set is not re-read');
  now = 31_000;
  assert.ok(await rotating.keyFor('es'));
  assert.equal(reads, 2);
});
