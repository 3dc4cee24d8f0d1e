// Real signed JWTs for tests: keys generated here, signed with node:crypto, published as a JWKS.
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

export function generateTestKey(kid: string, alg: TestAlgorithm = 'RS256'): TestKey {
  const pair =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA' ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg } };
}

export function jwks(...keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((key) => key.jwk) });
}

/** A compact JWS of `claims`; `header` overrides (e.g. another kid) apply to what is signed. */
export function signJwt(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${encode(claims)}`;
  const hash = key.alg === 'EdDSA' ? null : 'sha256';
  const options = key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const }
    : key.alg === 'PS256' ? { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : key.privateKey;
  return `${input}.${sign(hash, Buffer.from(input), options).toString('base64url')}`;
}

/** Standard claims of a token issued `ageSeconds` ago, valid for `lifetimeSeconds`. */
export function claimsAt(issuer: string, audience: string | string[], extra: Record<string, unknown> = {}, ageSeconds = 10, lifetimeSeconds = 3600): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: audience, sub: 'viewer-1', iat: now - ageSeconds, nbf: now - ageSeconds, exp: now - ageSeconds + lifetimeSeconds, ...extra };
}
