// The Authorizer of the api contract, backed by IAM-style policies: builds the request context (global keys,
// the route's keys, the resource's tags) and evaluates the principal's policies. Denial → AccessDeniedException.
import { AccessDeniedException, type AuthorizationRequest, type Authorizer, type Principal } from '../api/index.js';
import { ignoredKeysOf, readsResourceTags } from './condition-key-support.js';
import { evaluatePolicies } from './policy-evaluator.js';
import type { PolicyDocument } from './policy-document.js';

/** The policies that apply to a principal (attached managed and inline ones). */
export interface PrincipalPolicies {
  policiesFor(principal: Principal): Promise<readonly PolicyDocument[]>;
}

/** Tags of a data store or image set ARN; empty when the resource does not exist (or `*`). */
export interface ResourceTagReader {
  tagsOf(resourceArn: string): Promise<Readonly<Record<string, string>>>;
}

const usesResourceTags = new WeakMap<PolicyDocument, boolean>();

function referencesResourceTags(policy: PolicyDocument): boolean {
  let found = usesResourceTags.get(policy);
  if (found === undefined) {
    found = policy.statements.some((statement) =>
      Object.values(statement.condition).some((keys) => Object.keys(keys).some((key) => key.toLowerCase().startsWith('aws:resourcetag/'))));
    usesResourceTags.set(policy, found);
  }
  return found;
}

export class PolicyAuthorizer implements Authorizer {
  constructor(
    private readonly policies: PrincipalPolicies,
    private readonly resourceTags: ResourceTagReader,
  ) {}

  async authorize(principal: Principal, request: AuthorizationRequest): Promise<void> {
    const policies = await this.policies.policiesFor(principal);
    // Condition key names are case-insensitive in IAM; values are not.
    const context = new Map<string, readonly string[]>();
    const put = (key: string, value: string | readonly string[]) => context.set(key.toLowerCase(), typeof value === 'string' ? [value] : value);
    put('aws:PrincipalArn', principal.arn);
    put('aws:PrincipalAccount', principal.arn.split(':')[4] ?? '');
    put('aws:username', principal.userName);
    put('aws:PrincipalType', principal.arn.includes(':role/') ? 'AssumedRole' : 'User');
    for (const [key, value] of Object.entries(request.conditions ?? {})) put(key, value);
    // Reading tags costs a query: only when some policy can look at them.
    if (request.resourceArn !== '*' && readsResourceTags(request.action) && policies.some(referencesResourceTags)) {
      for (const [key, value] of Object.entries(await this.resourceTags.tagsOf(request.resourceArn))) put(`aws:ResourceTag/${key}`, value);
    }
    const decision = evaluatePolicies(policies, {
      action: request.action,
      resource: request.resourceArn,
      context: (key) => context.get(key.toLowerCase()),
      isIgnoredKey: ignoredKeysOf(request.action),
    });
    if (decision === 'Allow') return;
    const why = decision === 'ExplicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${request.action} action`;
    throw new AccessDeniedException(`User: ${principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resourceArn} ${why}`);
  }
}
