// JSON Web Key Sets of OIDC issuers, from a file or a URL; keys become node:crypto KeyObjects (no JOSE library).
// An unknown `kid` triggers one re-read (key rotation at the IdP), at most every `refreshIntervalMs`.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface JwksSource {
  /** The verification key for a token's `kid` (the only key when the token names none and the set has one). */
  keyFor(kid: string | undefined): Promise<KeyObject | undefined>;
}

interface JsonWebKey {
  readonly kid?: string;
  readonly kty?: string;
  readonly use?: string;
  readonly [member: string]: unknown;
}

export class CachedJwks implements JwksSource {
  private keys = new Map<string, KeyObject>();
  private loadedAtMs = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<unknown>,
    private readonly options: { readonly refreshIntervalMs: number; readonly maxAgeMs: number; readonly now?: () => number } = { refreshIntervalMs: 30_000, maxAgeMs: 600_000 },
  ) {}

  static fromFile(path: string): CachedJwks {
    return new CachedJwks(async () => JSON.parse(await readFile(path, 'utf8')));
  }

  static fromUrl(url: string, timeoutMs = 5000): CachedJwks {
    return new CachedJwks(async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`JWKS ${url} answered ${response.status}`);
      return response.json();
    });
  }

  async keyFor(kid: string | undefined): Promise<KeyObject | undefined> {
    const now = (this.options.now ?? Date.now)();
    if (now - this.loadedAtMs > this.options.maxAgeMs) await this.reload();
    let key = this.find(kid);
    if (key === undefined && now - this.loadedAtMs > this.options.refreshIntervalMs) {
      await this.reload();
      key = this.find(kid);
    }
    return key;
  }

  private find(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  private async reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const set = (await this.load()) as { keys?: unknown };
        const keys = new Map<string, KeyObject>();
        for (const [index, jwk] of (Array.isArray(set.keys) ? (set.keys as JsonWebKey[]) : []).entries()) {
          if (jwk.use !== undefined && jwk.use !== 'sig') continue;
          if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') continue;
          try {
            keys.set(jwk.kid ?? `#${index}`, createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
          } catch {
            continue; // a malformed key in the set does not take the others down
          }
        }
        this.keys = keys;
      } finally {
        // A failed load keeps the previous keys until the next interval instead of hammering the IdP.
        this.loadedAtMs = (this.options.now ?? Date.now)();
        this.loading = undefined;
      }
    })();
    await this.loading.catch(() => undefined);
  }
}
