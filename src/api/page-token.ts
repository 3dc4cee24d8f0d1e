// Opaque, tamper-proof pagination tokens bound to the query they came from (wire contract §6.8).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationException } from './errors.js';

const MAC_BYTES = 16;

export class PageTokens {
  constructor(private readonly secret: Buffer) {}

  /** `scope` names the operation and its filters; a token only decodes under the same scope. */
  encode(scope: string, position: unknown): string {
    const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
    return `${payload}.${this.mac(scope, payload).toString('base64url')}`;
  }

  decode<T>(scope: string, token: string): T {
    const dot = token.indexOf('.');
    if (dot > 0) {
      const payload = token.slice(0, dot);
      const mac = Buffer.from(token.slice(dot + 1), 'base64url');
      if (mac.length === MAC_BYTES && timingSafeEqual(mac, this.mac(scope, payload))) {
        try {
          return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
        } catch {
          // fall through: a valid MAC over bad JSON cannot happen unless the secret leaked
        }
      }
    }
    throw new ValidationException('Invalid pagination token: it is malformed, expired, or was issued for a different request');
  }

  private mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.secret).update(scope).update('\n').update(payload).digest().subarray(0, MAC_BYTES);
  }
}
