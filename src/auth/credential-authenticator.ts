// Authenticates a request: SigV4 against the access keys of the CredentialStore, with a short-lived key cache.
import type { Principal } from '../api/index.js';
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
  readonly now?: () => number;
}

interface CachedKey {
  readonly secretAccessKey: string;
  readonly principal: Principal;
  readonly expiresAtMs: number;
}

const MAX_CACHED_KEYS = 10_000;

export class CredentialAuthenticator {
  private readonly verifier: SigV4Verifier<Principal>;
  private readonly cache = new Map<string, CachedKey>();
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CredentialAuthenticatorOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.verifier = new SigV4Verifier<Principal>({
      service: 'medical-imaging',
      region: options.region,
      clockSkewMs: options.clockSkewMs,
      // No temporary credentials are issued yet, so a session token can only be forged or foreign.
      lookupSecret: (accessKeyId, sessionToken) => (sessionToken === undefined ? this.lookup(accessKeyId) : Promise.resolve(undefined)),
      now: this.now,
    });
  }

  async authenticate(request: SigV4Request): Promise<Principal> {
    return (await this.verifier.verify(request)).principal;
  }

  private async lookup(accessKeyId: string): Promise<{ secretAccessKey: string; principal: Principal } | undefined> {
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
    };
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(accessKeyId, entry);
    return entry;
  }
}
