// Verifies an OIDC access token (JWS compact form) the way dicomweb.md §7.2 says HealthImaging pre-checks it:
// signature by the issuer's JWKS, `iss`, `aud`, `exp` after now, `nbf` and `iat` before now, `iat` at most 12 h old.
import { constants, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { JwksSource } from './jwks.js';

export interface TrustedIssuer {
  readonly issuer: string;
  /** The token's `aud` (string or list) must contain one of these. */
  readonly audiences: readonly string[];
  readonly jwks: JwksSource;
  /** The oldest `iat` accepted (AWS: 12 hours). */
  readonly maxTokenAgeSeconds: number;
}

export type JwtClaims = Readonly<Record<string, unknown>>;

/** Why a token was refused; the message is safe to return to the client (it never contains the token). */
export class TokenRejectedError extends Error {}

/** alg → hash and signature encoding for crypto.verify (JWS ECDSA signatures are r||s, not DER). */
const ALGORITHMS: Readonly<Record<string, { readonly hash: string | null; readonly ecdsa: boolean; readonly pss: boolean }>> = {
  RS256: { hash: 'sha256', ecdsa: false, pss: false },
  RS384: { hash: 'sha384', ecdsa: false, pss: false },
  RS512: { hash: 'sha512', ecdsa: false, pss: false },
  PS256: { hash: 'sha256', ecdsa: false, pss: true },
  PS384: { hash: 'sha384', ecdsa: false, pss: true },
  PS512: { hash: 'sha512', ecdsa: false, pss: true },
  ES256: { hash: 'sha256', ecdsa: true, pss: false },
  ES384: { hash: 'sha384', ecdsa: true, pss: false },
  ES512: { hash: 'sha512', ecdsa: true, pss: false },
  EdDSA: { hash: null, ecdsa: false, pss: false },
};
const MAX_TOKEN_BYTES = 16 * 1024;

export class JwtVerifier {
  constructor(
    private readonly issuers: readonly TrustedIssuer[],
    /** Tolerated clock difference with the IdP for nbf/iat ("not yet valid") and exp. */
    private readonly clockSkewSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<{ readonly issuer: TrustedIssuer; readonly claims: JwtClaims }> {
    if (token.length > MAX_TOKEN_BYTES) throw new TokenRejectedError('The token is too large');
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejectedError('The token is not a signed JWT');
    const header = decodeJson(parts[0]!, 'header');
    const claims = decodeJson(parts[1]!, 'payload');
    const algorithm = typeof header.alg === 'string' ? ALGORITHMS[header.alg] : undefined;
    // `none` and HMAC algorithms are never accepted: only the issuer's public keys may sign.
    if (algorithm === undefined) throw new TokenRejectedError(`The token algorithm ${String(header.alg)} is not accepted`);
    const issuer = this.issuers.find((candidate) => candidate.issuer === claims.iss);
    if (issuer === undefined) throw new TokenRejectedError('The token issuer is not trusted');
    const key = await issuer.jwks.keyFor(typeof header.kid === 'string' ? header.kid : undefined);
    if (key === undefined) throw new TokenRejectedError('The token was signed by an unknown key');
    if (!signatureHolds(algorithm, key, `${parts[0]}.${parts[1]}`, parts[2]!)) throw new TokenRejectedError('The token signature is not valid');

    const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (!audiences.some((audience) => issuer.audiences.includes(audience as string))) throw new TokenRejectedError('The token is not meant for this audience');
    checkTimes(claims, issuer.maxTokenAgeSeconds, this.clockSkewSeconds, this.now());
    return { issuer, claims };
  }
}

/**
 * The time checks alone, on an unverified token (the Lambda-authorizer path: AWS rejects such tokens before calling
 * the Lambda, which checks the signature itself).
 */
export function precheckTokenTimes(token: string, maxTokenAgeSeconds: number, clockSkewSeconds: number, nowMs: number): void {
  if (token.length > MAX_TOKEN_BYTES) throw new TokenRejectedError('The token is too large');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenRejectedError('The token is not a signed JWT');
  checkTimes(decodeJson(parts[1]!, 'payload'), maxTokenAgeSeconds, clockSkewSeconds, nowMs);
}

function checkTimes(claims: JwtClaims, maxTokenAgeSeconds: number, skew: number, nowMs: number): void {
  const nowSeconds = nowMs / 1000;
  const exp = numericClaim(claims, 'exp', true)!;
  if (exp <= nowSeconds - skew) throw new TokenRejectedError('The token has expired');
  const nbf = numericClaim(claims, 'nbf', false);
  if (nbf !== undefined && nbf > nowSeconds + skew) throw new TokenRejectedError('The token is not valid yet');
  const iat = numericClaim(claims, 'iat', true)!;
  if (iat > nowSeconds + skew) throw new TokenRejectedError('The token was issued in the future');
  if (iat < nowSeconds - maxTokenAgeSeconds) throw new TokenRejectedError(`The token is older than ${maxTokenAgeSeconds} seconds`);
}

function signatureHolds(algorithm: (typeof ALGORITHMS)[string], key: KeyObject, signingInput: string, signature: string): boolean {
  try {
    return verifySignature(
      algorithm.hash,
      Buffer.from(signingInput, 'ascii'),
      {
        key,
        ...(algorithm.ecdsa ? { dsaEncoding: 'ieee-p1363' as const } : {}),
        ...(algorithm.pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {}),
      },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false; // a key of the wrong type for the algorithm
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new TokenRejectedError(`The token ${what} is not valid JSON`);
}

function numericClaim(claims: JwtClaims, name: string, isRequired: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !isRequired) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TokenRejectedError(`The token has no valid ${name} claim`);
  return value;
}
