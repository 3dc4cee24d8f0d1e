// Chooses how a request authenticates: a bearer token (when OIDC issuers are configured) or SigV4.
import { UnrecognizedClientException, type Principal } from '../api/index.js';
import type { BearerAuthenticator } from './bearer-authenticator.js';
import type { SigV4Request } from './sigv4-verifier.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export class RequestAuthenticator {
  constructor(
    private readonly sigV4: { authenticate(request: SigV4Request): Promise<Principal> },
    private readonly bearer: BearerAuthenticator | undefined,
  ) {}

  async authenticate(request: SigV4Request): Promise<Principal> {
    const authorization = request.headers.authorization;
    const found = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
    if (found === null) return this.sigV4.authenticate(request);
    if (this.bearer === undefined) throw new UnrecognizedClientException('Bearer tokens are not accepted: no OIDC issuer is configured');
    return this.bearer.authenticate(found[1]!);
  }
}
