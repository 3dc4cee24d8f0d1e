import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessDeniedException, type Principal } from '../api/index.js';
import { parsePolicyDocument } from './policy-document.js';
import { PolicyAuthorizer } from './policy-authorizer.js';

const DS = 'arn:aws:medical-imaging:us-east-1:123456789012:datastore/0123456789abcdef0123456789abcdef';
const alice: Principal = { arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice', accessKeyId: 'AKIAALICE' };

test('reads resource tags only when a policy refers to them, and names the denial like AWS', async () => {
  const tagReads: string[] = [];
  const tagged = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 'medical-imaging:Get*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/project': 'alpha', 'aws:username': 'alice' } } }] });
  const plain = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 'medical-imaging:Get*', Resource: '*' }] });
  let current = [tagged];
  const authorizer = new PolicyAuthorizer(
    { policiesFor: async () => current },
    { tagsOf: async (arn): Promise<Record<string, string>> => (tagReads.push(arn), arn === DS ? { project: 'alpha' } : {}) },
  );
  await authorizer.authorize(alice, { action: 'medical-imaging:GetDatastore', resourceArn: DS });
  await assert.rejects(authorizer.authorize(alice, { action: 'medical-imaging:GetDatastore', resourceArn: DS.replace('0123', '9999') }), (error: unknown) => {
    assert.ok(error instanceof AccessDeniedException);
    assert.match(error.message, /^User: arn:aws:iam::123456789012:user\/alice is not authorized to perform: medical-imaging:GetDatastore on resource: arn:.* because no identity-based policy allows/);
    return true;
  });
  await assert.rejects(authorizer.authorize(alice, { action: 'medical-imaging:DeleteDatastore', resourceArn: DS }), AccessDeniedException);
  assert.equal(tagReads.length, 3);
  current = [plain];
  await authorizer.authorize(alice, { action: 'medical-imaging:GetDatastore', resourceArn: DS });
  assert.equal(tagReads.length, 3, 'no tag read without a tag condition');
  // Route-provided keys reach the conditions.
  current = [parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'secret' } } }] })];
  await authorizer.authorize(alice, { action: 'medical-imaging:CreateDatastore', resourceArn: '*', conditions: { 'aws:TagKeys': ['a'] } });
  await assert.rejects(authorizer.authorize(alice, { action: 'medical-imaging:CreateDatastore', resourceArn: '*', conditions: { 'aws:TagKeys': ['a', 'secret'] } }), /explicit deny/);
});
