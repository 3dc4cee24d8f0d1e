// IAM-style access control: the policy language subset, its evaluation, the managed policies, the Authorizer.
export * from './policy-document.js';
export * from './policy-evaluator.js';
export * from './managed-policies.js';
export * from './policy-authorizer.js';
export * from './condition-key-support.js';
export * from './iam-store.js';
export * from './stored-principal-policies.js';
export * from './iam-administration.js';
