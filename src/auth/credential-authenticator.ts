// Authenticates a request: SigV4 against the access keys of the CredentialStore, with a short-lived key cache.
// Temporary credentials also need their session token (compared by digest, in constant time) and must not be expired.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ExpiredTokenException, type Principal } from '../api/index.js';
import type { CredentialStore } from './credential-store.js';
import { SigV4Verifier, type SigV4Request } from './sigv4-verifier.js';

/** Seals secrets at rest; the KeyRing of keys/ satisfies it. */
export interface SecretSealer {
  sealSecret(plaintext: string, context: string): Buffer;
  openSecret(sealed: Buffer, context: string): string;
}

export interface CredentialAuthenticatorOptions {
  readonly store: CredentialStore;
  readonly sealer: SecretSealer;
  readonly region: string;
  readonly clockSkewMs: number;
  /** How long a looked-up key is trusted before the store is read again (revocations apply after this). */
  readonly cacheTtlMs?: number;
  /** Changes when another process (the CLI) wrote the store: the cache is dropped at once. */
  readonly externalChangeCount?: () => number;
  readonly now?: () => number;
}

interface CachedKey {
  readonly secretAccessKey: string;
  readonly principal: Principal;
  readonly expiresAtMs: number;
  readonly sessionTokenSha256: Buffer | undefined;
  readonly credentialsExpireAtMs: number | undefined;
}

const MAX_CACHED_KEYS = 10_000;

export function sessionTokenDigest(sessionToken: string): Buffer {
  return createHash('sha256').update(sessionToken, 'utf8').digest();
}

export class CredentialAuthenticator {
  private readonly verifier: SigV4Verifier<Principal>;
  private readonly cache = new Map<string, CachedKey>();
  private readonly cacheTtlMs: number;
  private readonly now: () => number;
  private seenChangeCount: number | undefined;

  constructor(private readonly options: CredentialAuthenticatorOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.seenChangeCount = options.externalChangeCount?.();
    this.verifier = new SigV4Verifier<Principal>({
      service: 'medical-imaging',
      region: options.region,
      clockSkewMs: options.clockSkewMs,
      lookupSecret: (accessKeyId, sessionToken) => this.lookup(accessKeyId, sessionToken),
      now: this.now,
    });
  }

  async authenticate(request: SigV4Request): Promise<Principal> {
    return (await this.verifier.verify(request)).principal;
  }

  private async lookup(accessKeyId: string, sessionToken: string | undefined): Promise<{ secretAccessKey: string; principal: Principal } | undefined> {
    const entry = await this.find(accessKeyId);
    if (entry === undefined) return undefined;
    // Long-term keys take no token; a session key is useless without its own.
    if (entry.sessionTokenSha256 === undefined) return sessionToken === undefined ? entry : undefined;
    if (sessionToken === undefined || !timingSafeEqual(sessionTokenDigest(sessionToken), entry.sessionTokenSha256)) return undefined;
    if (entry.credentialsExpireAtMs === undefined || entry.credentialsExpireAtMs <= this.now()) throw new ExpiredTokenException();
    return entry;
  }

  private async find(accessKeyId: string): Promise<CachedKey | undefined> {
    const changeCount = this.options.externalChangeCount?.();
    if (changeCount !== this.seenChangeCount) {
      this.cache.clear();
      this.seenChangeCount = changeCount;
    }
    const nowMs = this.now();
    const cached = this.cache.get(accessKeyId);
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached;
    const record = await this.options.store.findAccessKey(accessKeyId);
    if (record === undefined || record.status !== 'Active') {
      this.cache.delete(accessKeyId);
      return undefined;
    }
    const entry: CachedKey = {
      secretAccessKey: this.options.sealer.openSecret(record.sealedSecret, record.accessKeyId),
      principal: { arn: record.principalArn, userName: record.userName, accessKeyId: record.accessKeyId },
      expiresAtMs: nowMs + this.cacheTtlMs,
      sessionTokenSha256: record.sessionTokenSha256,
      credentialsExpireAtMs: record.expiresAtMs,
    };
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(accessKeyId, entry);
    return entry;
  }
}
