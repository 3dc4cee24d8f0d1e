// The Lambda-authorizer contract of dicomweb.md §7.2 as a pluggable HTTP authorizer: a data store created with
// `lambdaAuthorizerArn` has its DICOMweb bearer tokens decided by the endpoint configured for that ARN.
// Tessera pre-checks exp/nbf/iat (12 h) itself, posts {datastoreId, operation, bearerToken}, and gives the
// endpoint 1 second to answer {isTokenValid, roleArn}; silence or an error denies (fail closed).
import { AccessDeniedException, UnauthorizedException, type Principal } from '../api/index.js';
import { precheckTokenTimes, TokenRejectedError } from './jwt-verifier.js';

export interface LambdaAuthorizerTarget {
  readonly datastoreId: string;
  /** The HealthImaging action name, e.g. GetDICOMInstance. */
  readonly operation: string;
  readonly lambdaAuthorizerArn: string;
}

export interface LambdaAuthorizerOptions {
  /** Lambda ARN → the URL that plays it. */
  readonly endpoints: ReadonlyMap<string, string>;
  readonly accountId: string;
  readonly timeoutMs?: number;
  readonly clockSkewSeconds?: number;
  readonly onFailure?: (error: unknown, lambdaAuthorizerArn: string) => void;
  readonly now?: () => number;
}

const ROLE_ARN = /^arn:aws(?:-[a-z-]+)?:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export class HttpLambdaAuthorizer {
  constructor(private readonly options: LambdaAuthorizerOptions) {}

  async authenticate(token: string, target: LambdaAuthorizerTarget): Promise<Principal> {
    try {
      precheckTokenTimes(token, 43_200, this.options.clockSkewSeconds ?? 60, (this.options.now ?? Date.now)());
    } catch (error) {
      if (error instanceof TokenRejectedError) throw new UnauthorizedException(error.message);
      throw error;
    }
    const url = this.options.endpoints.get(target.lambdaAuthorizerArn);
    if (url === undefined) throw this.denied(new Error('no endpoint is configured for this Lambda ARN'), target);
    let answer: { isTokenValid?: unknown; roleArn?: unknown };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ datastoreId: target.datastoreId, operation: target.operation, bearerToken: token }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 1000),
      });
      if (!response.ok) throw new Error(`the authorizer answered ${response.status}`);
      answer = (await response.json()) as typeof answer;
    } catch (error) {
      throw this.denied(error, target);
    }
    if (answer.isTokenValid !== true) throw new UnauthorizedException('The authorizer found the token not valid');
    // An empty roleArn is an explicit deny (dicomweb.md §7.2); a role of another account is one too.
    const role = typeof answer.roleArn === 'string' ? ROLE_ARN.exec(answer.roleArn) : null;
    if (role === null || role[1] !== this.options.accountId) throw new AccessDeniedException('The authorizer granted no role of this account');
    return { arn: `arn:aws:iam::${this.options.accountId}:role/${role[2]}`, userName: role[2]!, accessKeyId: '' };
  }

  private denied(error: unknown, target: LambdaAuthorizerTarget): AccessDeniedException {
    this.options.onFailure?.(error, target.lambdaAuthorizerArn);
    return new AccessDeniedException('The authorizer did not decide within its time budget');
  }
}
