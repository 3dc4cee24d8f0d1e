// PrincipalPolicies from the IamStore: parsed documents cached per principal until the CLI changes the store
// (checked on every call through the store's external change count, so a change applies to the next request).
import type { Principal } from '../api/index.js';
import type { IamStore, PrincipalKind } from './iam-store.js';
import { MANAGED_POLICIES } from './managed-policies.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import type { PrincipalPolicies } from './policy-authorizer.js';

/** The built-in administrator: AWSHealthImagingFullAccess and Tessera's own routes, whatever is attached. */
export const ADMIN_USER_NAME = 'admin';
const ADMIN_POLICIES: readonly PolicyDocument[] = [
  MANAGED_POLICIES.AWSHealthImagingFullAccess!,
  parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'tessera:*', Resource: '*' }] }),
];
const MAX_CACHED_PRINCIPALS = 10_000;

export function principalKindOf(arn: string): PrincipalKind {
  return arn.includes(':role/') ? 'role' : 'user';
}

export class StoredPrincipalPolicies implements PrincipalPolicies {
  private readonly cache = new Map<string, readonly PolicyDocument[]>();
  private seenChangeCount: number;

  constructor(private readonly store: IamStore) {
    this.seenChangeCount = store.externalChangeCount();
  }

  async policiesFor(principal: Principal): Promise<readonly PolicyDocument[]> {
    const changeCount = this.store.externalChangeCount();
    if (changeCount !== this.seenChangeCount) {
      this.cache.clear();
      this.seenChangeCount = changeCount;
    }
    const cached = this.cache.get(principal.arn);
    if (cached !== undefined) return cached;
    const kind = principalKindOf(principal.arn);
    const name = kind === 'role' ? principal.arn.slice(principal.arn.lastIndexOf('/') + 1) : principal.userName;
    const policies: PolicyDocument[] = kind === 'user' && name === ADMIN_USER_NAME ? [...ADMIN_POLICIES] : [];
    for (const attachment of await this.store.listAttachments(kind, name)) {
      if (attachment.isManaged) {
        const managed = MANAGED_POLICIES[attachment.policyName];
        if (managed !== undefined) policies.push(managed);
      } else {
        // Validated when attached; a document that no longer parses grants nothing (fail closed).
        try {
          policies.push(parsePolicyDocument(attachment.documentJson ?? ''));
        } catch {
          continue;
        }
      }
    }
    if (this.cache.size >= MAX_CACHED_PRINCIPALS) this.cache.clear();
    this.cache.set(principal.arn, policies);
    return policies;
  }
}
