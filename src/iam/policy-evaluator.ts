// IAM evaluation logic for identity-based policies: an explicit Deny wins, then any Allow, else the default deny.
import { conditionsHold, type ContextLookup } from './condition-operators.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';
import { matchesWildcard } from './wildcard-pattern.js';

export interface EvaluationRequest {
  /** `medical-imaging:GetImageSet` */
  readonly action: string;
  /** A resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly context: ContextLookup;
  /** Condition keys this action does not support: conditions on them are skipped. */
  readonly isIgnoredKey?: (key: string) => boolean;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export function evaluatePolicies(policies: readonly PolicyDocument[], request: EvaluationRequest): Decision {
  let isAllowed = false;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.effect === 'Allow' && isAllowed) continue; // only a Deny can still change the outcome
      if (!applies(statement, request)) continue;
      if (statement.effect === 'Deny') return 'ExplicitDeny';
      isAllowed = true;
    }
  }
  return isAllowed ? 'Allow' : 'ImplicitDeny';
}

function applies(statement: PolicyStatement, request: EvaluationRequest): boolean {
  const actionMatches = statement.action !== undefined
    ? statement.action.some((pattern) => matchesWildcard(pattern, request.action, true))
    : !statement.notAction!.some((pattern) => matchesWildcard(pattern, request.action, true));
  if (!actionMatches) return false;
  const resourceMatches = statement.resource !== undefined
    ? statement.resource.some((pattern) => matchesResource(pattern, request.resource))
    : !statement.notResource!.some((pattern) => matchesResource(pattern, request.resource));
  if (!resourceMatches) return false;
  return conditionsHold(statement.condition, request.context, request.isIgnoredKey);
}

/** `*` in a policy matches everything, including the `*` of actions without resource-level permissions. */
function matchesResource(pattern: string, resource: string): boolean {
  return matchesWildcard(pattern, resource);
}
