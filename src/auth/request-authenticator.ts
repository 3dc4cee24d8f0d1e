// Chooses how a request authenticates: a bearer token — decided by the data store's Lambda authorizer when it has
// one (DICOMweb only, as at AWS), else verified against the configured OIDC issuers — or SigV4.
import { UnrecognizedClientException, type Principal } from '../api/index.js';
import type { BearerAuthenticator } from './bearer-authenticator.js';
import type { HttpLambdaAuthorizer, LambdaAuthorizerTarget } from './lambda-authorizer.js';
import type { SigV4Request } from './sigv4-verifier.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export interface LambdaRouting {
  readonly authorizer: HttpLambdaAuthorizer;
  /** The DICOMweb call's data store and action when that data store has a lambdaAuthorizerArn. */
  targetOf(method: string, rawPath: string): Promise<LambdaAuthorizerTarget | undefined>;
}

export class RequestAuthenticator {
  constructor(
    private readonly sigV4: { authenticate(request: SigV4Request): Promise<Principal> },
    private readonly bearer: BearerAuthenticator | undefined,
    private readonly lambda?: LambdaRouting,
  ) {}

  async authenticate(request: SigV4Request): Promise<Principal> {
    const authorization = request.headers.authorization;
    const found = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
    if (found === null) return this.sigV4.authenticate(request);
    const target = await this.lambda?.targetOf(request.method, request.rawPath);
    if (target !== undefined) return this.lambda!.authorizer.authenticate(found[1]!, target);
    if (this.bearer === undefined) throw new UnrecognizedClientException('Bearer tokens are not accepted: no OIDC issuer is configured');
    return this.bearer.authenticate(found[1]!);
  }
}
