// `Authorization: Bearer <JWT>` for browser viewers: the token is verified by Tessera itself (JwtVerifier), and its
// claims choose a role (dicomweb.md §7.2 without the Lambda: the role's attached policies decide each request).
import { AccessDeniedException, UnauthorizedException, UnrecognizedClientException, type ApiError, type Principal } from '../api/index.js';
import { JwtVerifier, TokenRejectedError, type JwtClaims, type TrustedIssuer } from './jwt-verifier.js';

/** The first mapping whose claim equals (or, for a list claim, contains) the value gives the role. */
export interface RoleMapping {
  readonly claim: string;
  readonly value: string;
  readonly role: string;
}

export interface BearerIssuer extends TrustedIssuer {
  readonly roleMappings: readonly RoleMapping[];
  /** The role of a valid token no mapping matched; without it such a token is denied (like roleArn ""). */
  readonly defaultRole: string | undefined;
}

export interface BearerAuthenticatorOptions {
  readonly issuers: readonly BearerIssuer[];
  readonly accountId: string;
  /** 401 UnauthorizedException (default) or 403 UnrecognizedClientException for a refused token. */
  readonly invalidTokenStatus: 401 | 403;
  readonly clockSkewSeconds?: number;
  readonly now?: () => number;
}

export class BearerAuthenticator {
  private readonly verifier: JwtVerifier;

  constructor(private readonly options: BearerAuthenticatorOptions) {
    this.verifier = new JwtVerifier(options.issuers, options.clockSkewSeconds, options.now);
  }

  async authenticate(token: string): Promise<Principal> {
    let verified: { readonly issuer: TrustedIssuer; readonly claims: JwtClaims };
    try {
      verified = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) throw this.refusal(error.message);
      throw error;
    }
    const issuer = verified.issuer as BearerIssuer;
    const role = roleOf(issuer, verified.claims);
    if (role === undefined) throw new AccessDeniedException('The token maps to no role of this server');
    const subject = typeof verified.claims.sub === 'string' ? verified.claims.sub : role;
    // No access key: the audit trail shows the token's subject as the user name of the role session.
    return { arn: `arn:aws:iam::${this.options.accountId}:role/${role}`, userName: subject, accessKeyId: '' };
  }

  private refusal(message: string): ApiError {
    return this.options.invalidTokenStatus === 401 ? new UnauthorizedException(message) : new UnrecognizedClientException(message);
  }
}

function roleOf(issuer: BearerIssuer, claims: JwtClaims): string | undefined {
  for (const mapping of issuer.roleMappings) {
    const value = claims[mapping.claim];
    if (value === mapping.value || (Array.isArray(value) && value.includes(mapping.value))) return mapping.role;
  }
  return issuer.defaultRole;
}
