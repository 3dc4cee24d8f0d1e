import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ignoredKeysOf } from './condition-key-support.js';
import { MANAGED_POLICIES } from './managed-policies.js';
import { parsePolicyDocument } from './policy-document.js';
import { evaluatePolicies, type Decision } from './policy-evaluator.js';

const DS = 'arn:aws:medical-imaging:us-east-1:123456789012:datastore/0123456789abcdef0123456789abcdef';
const IS = `${DS}/imageset/fedcba9876543210fedcba9876543210`;

function decide(statements: unknown, action: string, resource: string, context: Record<string, string | string[]> = {}): Decision {
  const lower = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? [v] : v]));
  return evaluatePolicies([parsePolicyDocument({ Version: '2012-10-17', Statement: statements })], {
    action,
    resource,
    context: (key) => lower.get(key.toLowerCase()),
    isIgnoredKey: ignoredKeysOf(action),
  });
}
const allow = (extra: object = {}) => ({ Effect: 'Allow', Action: 'medical-imaging:*', Resource: '*', ...extra });

test('default deny, allow, and explicit deny winning whatever the order', () => {
  assert.equal(decide([{ Effect: 'Allow', Action: 'medical-imaging:GetDatastore', Resource: DS }], 'medical-imaging:DeleteDatastore', DS), 'ImplicitDeny');
  assert.equal(decide([allow()], 'medical-imaging:DeleteDatastore', DS), 'Allow');
  assert.equal(decide([{ Effect: 'Deny', Action: 'medical-imaging:Delete*', Resource: '*' }, allow()], 'medical-imaging:DeleteDatastore', DS), 'ExplicitDeny');
  assert.equal(decide([allow(), { Effect: 'Deny', Action: 'medical-imaging:Delete*', Resource: '*' }], 'medical-imaging:DeleteDatastore', DS), 'ExplicitDeny');
});

test('action wildcards are case-insensitive, NotAction inverts', () => {
  assert.equal(decide([{ Effect: 'Allow', Action: 'MEDICAL-IMAGING:get*', Resource: '*' }], 'medical-imaging:GetImageFrame', IS), 'Allow');
  assert.equal(decide([{ Effect: 'Allow', Action: 'medical-imaging:Get?mageFrame', Resource: '*' }], 'medical-imaging:GetImageFrame', IS), 'Allow');
  assert.equal(decide([{ Effect: 'Allow', Action: 'medical-imaging:Get*', Resource: '*' }], 'medical-imaging:ListDatastores', '*'), 'ImplicitDeny');
  assert.equal(decide([{ Effect: 'Allow', NotAction: 'medical-imaging:Delete*', Resource: '*' }], 'medical-imaging:DeleteImageSet', IS), 'ImplicitDeny');
  assert.equal(decide([{ Effect: 'Allow', NotAction: 'medical-imaging:Delete*', Resource: '*' }], 'medical-imaging:GetImageSet', IS), 'Allow');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: '*' }], 'medical-imaging:GetImageSet', IS), 'Allow');
});

test('resource wildcards are case-sensitive; NotResource; * requests need a * grant', () => {
  const dsWide = 'arn:aws:medical-imaging:us-east-1:123456789012:datastore/0123456789abcdef0123456789abcdef*';
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: dsWide }], 'medical-imaging:GetImageSet', IS), 'Allow');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: dsWide.toUpperCase() }], 'medical-imaging:GetImageSet', IS), 'ImplicitDeny');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: DS }], 'medical-imaging:GetImageSet', IS), 'ImplicitDeny');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: `${DS}/imageset/*` }], 'medical-imaging:GetImageSet', IS), 'Allow');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', NotResource: `${DS}*` }], 'medical-imaging:GetImageSet', IS), 'ImplicitDeny');
  assert.equal(decide([{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:medical-imaging:*:*:datastore/*' }], 'medical-imaging:ListDatastores', '*'), 'ImplicitDeny');
});

test('String operators, IfExists, Null and Bool', () => {
  const cond = (Condition: object) => [allow({ Condition })];
  const a = 'medical-imaging:GetImageSet';
  assert.equal(decide(cond({ StringEquals: { 'aws:ResourceTag/project': ['alpha', 'beta'] } }), a, IS, { 'aws:ResourceTag/project': 'beta' }), 'Allow');
  assert.equal(decide(cond({ StringEquals: { 'aws:ResourceTag/project': 'alpha' } }), a, IS, { 'aws:ResourceTag/project': 'Alpha' }), 'ImplicitDeny');
  assert.equal(decide(cond({ StringEqualsIgnoreCase: { 'aws:ResourceTag/project': 'alpha' } }), a, IS, { 'aws:ResourceTag/project': 'Alpha' }), 'Allow');
  // Condition key names are case-insensitive.
  assert.equal(decide(cond({ StringEquals: { 'AWS:RESOURCETAG/Project': 'alpha' } }), a, IS, { 'aws:ResourceTag/project': 'alpha' }), 'Allow');
  assert.equal(decide(cond({ StringEquals: { 'aws:ResourceTag/project': 'alpha' } }), a, IS), 'ImplicitDeny');
  assert.equal(decide(cond({ StringNotEquals: { 'aws:ResourceTag/project': 'alpha' } }), a, IS), 'Allow');
  assert.equal(decide(cond({ StringNotEquals: { 'aws:ResourceTag/project': ['alpha', 'beta'] } }), a, IS, { 'aws:ResourceTag/project': 'beta' }), 'ImplicitDeny');
  assert.equal(decide(cond({ StringLike: { 'aws:ResourceTag/project': 'al*' } }), a, IS, { 'aws:ResourceTag/project': 'alpha' }), 'Allow');
  assert.equal(decide(cond({ StringNotLike: { 'aws:ResourceTag/project': 'al*' } }), a, IS, { 'aws:ResourceTag/project': 'alpha' }), 'ImplicitDeny');
  assert.equal(decide(cond({ StringEqualsIfExists: { 'aws:ResourceTag/project': 'alpha' } }), a, IS), 'Allow');
  assert.equal(decide(cond({ StringEqualsIfExists: { 'aws:ResourceTag/project': 'alpha' } }), a, IS, { 'aws:ResourceTag/project': 'beta' }), 'ImplicitDeny');
  assert.equal(decide(cond({ Null: { 'aws:ResourceTag/project': 'true' } }), a, IS), 'Allow');
  assert.equal(decide(cond({ Null: { 'aws:ResourceTag/project': 'false' } }), a, IS), 'ImplicitDeny');
  assert.equal(decide(cond({ Bool: { 'aws:SecureTransport': true } }), a, IS, { 'aws:SecureTransport': 'true' }), 'Allow');
  assert.equal(decide(cond({ Bool: { 'aws:SecureTransport': 'true' } }), a, IS, { 'aws:SecureTransport': 'false' }), 'ImplicitDeny');
  // Several keys and several operators all have to hold.
  const both = { StringEquals: { 'aws:ResourceTag/a': '1', 'aws:ResourceTag/b': '2' }, Bool: { 'aws:SecureTransport': 'true' } };
  assert.equal(decide(cond(both), a, IS, { 'aws:ResourceTag/a': '1', 'aws:ResourceTag/b': '2', 'aws:SecureTransport': 'true' }), 'Allow');
  assert.equal(decide(cond(both), a, IS, { 'aws:ResourceTag/a': '1', 'aws:ResourceTag/b': '2', 'aws:SecureTransport': 'false' }), 'ImplicitDeny');
});

test('IpAddress / NotIpAddress on aws:SourceIp, IPv4, IPv6 and IPv4-mapped', () => {
  const cond = (Condition: object) => [allow({ Condition })];
  const a = 'medical-imaging:GetImageFrame';
  const lan = cond({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] } });
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '10.1.2.3' }), 'Allow');
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '::ffff:10.1.2.3' }), 'Allow');
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '2001:db8:1::5' }), 'Allow');
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '192.0.2.7' }), 'Allow');
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '192.0.2.8' }), 'ImplicitDeny');
  assert.equal(decide(lan, a, IS, { 'aws:SourceIp': '11.0.0.1' }), 'ImplicitDeny');
  assert.equal(decide(lan, a, IS), 'ImplicitDeny');
  const outside = [allow(), { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }];
  assert.equal(decide(outside, a, IS, { 'aws:SourceIp': '127.0.0.1' }), 'Allow');
  assert.equal(decide(outside, a, IS, { 'aws:SourceIp': '8.8.8.8' }), 'ExplicitDeny');
  assert.throws(() => parsePolicyDocument({ Statement: [allow({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } })] }), /not an IP address or CIDR/);
  assert.throws(() => parsePolicyDocument({ Statement: [allow({ Condition: { IpAddress: { 'aws:SourceIp': 'intranet' } } })] }), /not an IP address or CIDR/);
});

test('Arn operators', () => {
  const cond = (Condition: object) => [allow({ Condition })];
  const ctx = { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/alice' };
  assert.equal(decide(cond({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/al*' } }), 'medical-imaging:GetDatastore', DS, ctx), 'Allow');
  assert.equal(decide(cond({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/bob' } }), 'medical-imaging:GetDatastore', DS, ctx), 'ImplicitDeny');
  assert.equal(decide(cond({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/bob' } }), 'medical-imaging:GetDatastore', DS, ctx), 'Allow');
  assert.equal(decide(cond({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/alice' } }), 'medical-imaging:GetDatastore', DS, ctx), 'ImplicitDeny');
});

test('ForAnyValue / ForAllValues on aws:TagKeys and aws:RequestTag', () => {
  const create = 'medical-imaging:CreateDatastore';
  const onlyAllowed = [allow({ Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['project', 'owner'] } } })];
  assert.equal(decide(onlyAllowed, create, '*', { 'aws:TagKeys': ['project'] }), 'Allow');
  assert.equal(decide(onlyAllowed, create, '*', { 'aws:TagKeys': ['project', 'secret'] }), 'ImplicitDeny');
  assert.equal(decide(onlyAllowed, create, '*'), 'Allow', 'ForAllValues holds on a missing key');
  const anyOf = [allow({ Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'cost-*' } } })];
  assert.equal(decide(anyOf, create, '*', { 'aws:TagKeys': ['a', 'cost-center'] }), 'Allow');
  assert.equal(decide(anyOf, create, '*', { 'aws:TagKeys': ['a', 'b'] }), 'ImplicitDeny');
  assert.equal(decide(anyOf, create, '*'), 'ImplicitDeny', 'ForAnyValue fails on a missing key');
  const noneOf = [allow(), { Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'restricted' } } }];
  assert.equal(decide(noneOf, create, '*', { 'aws:TagKeys': ['x', 'restricted'] }), 'ExplicitDeny');
  assert.equal(decide(noneOf, create, '*', { 'aws:TagKeys': ['x'] }), 'Allow');
  const notAll = [allow({ Condition: { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'aws*' } } })];
  assert.equal(decide(notAll, create, '*', { 'aws:TagKeys': ['a', 'awsy'] }), 'ImplicitDeny');
  const requestTag = [allow({ Condition: { StringEquals: { 'aws:RequestTag/project': 'alpha' } } })];
  assert.equal(decide(requestTag, create, '*', { 'aws:RequestTag/project': 'alpha' }), 'Allow');
  assert.equal(decide(requestTag, create, '*', { 'aws:RequestTag/project': 'beta' }), 'ImplicitDeny');
});

test('DICOMweb UID keys apply only where the support matrix says; SearchImageSets ignores resource tags', () => {
  const study = [allow({ Condition: { StringEquals: { 'medical-imaging:StudyInstanceUID': '1.2.3' } } })];
  assert.equal(decide(study, 'medical-imaging:GetDICOMInstance', DS, { 'medical-imaging:StudyInstanceUID': '1.2.3' }), 'Allow');
  assert.equal(decide(study, 'medical-imaging:GetDICOMInstance', DS, { 'medical-imaging:StudyInstanceUID': '1.2.4' }), 'ImplicitDeny');
  assert.equal(decide(study, 'medical-imaging:SearchDICOMSeries', DS, { 'medical-imaging:StudyInstanceUID': '9.9' }), 'ImplicitDeny');
  // An action without the key behaves as if no condition named it.
  assert.equal(decide(study, 'medical-imaging:SearchDICOMStudies', DS), 'Allow');
  const series = [allow({ Condition: { StringLike: { 'medical-imaging:SeriesInstanceUID': '1.2.3.*' } } })];
  assert.equal(decide(series, 'medical-imaging:GetDICOMSeriesMetadata', DS, { 'medical-imaging:SeriesInstanceUID': '1.2.3.4' }), 'Allow');
  assert.equal(decide(series, 'medical-imaging:GetDICOMSeriesMetadata', DS, { 'medical-imaging:SeriesInstanceUID': '1.2.4.4' }), 'ImplicitDeny');
  assert.equal(decide(series, 'medical-imaging:SearchDICOMSeries', DS), 'Allow', 'SearchDICOMSeries supports only the study key');
  const tagged = [allow({ Condition: { StringEquals: { 'aws:ResourceTag/project': 'alpha' } } })];
  assert.equal(decide(tagged, 'medical-imaging:GetImageSet', IS), 'ImplicitDeny');
  assert.equal(decide(tagged, 'medical-imaging:SearchImageSets', DS), 'Allow');
});

test('the built-in managed policies', () => {
  const evaluate = (name: string, action: string) =>
    evaluatePolicies([MANAGED_POLICIES[name]!], { action: `medical-imaging:${action}`, resource: IS, context: () => undefined });
  for (const action of ['GetImageSet', 'GetImageFrame', 'SearchImageSets', 'ListDatastores', 'ListTagsForResource']) {
    assert.equal(evaluate('AWSHealthImagingReadOnlyAccess', action), 'Allow', action);
  }
  for (const action of ['CreateDatastore', 'DeleteImageSet', 'TagResource', 'UntagResource', 'StartDICOMImportJob', 'CopyImageSet', 'GetDICOMInstance']) {
    assert.equal(evaluate('AWSHealthImagingReadOnlyAccess', action), 'ImplicitDeny', action);
    assert.equal(evaluate('AWSHealthImagingFullAccess', action), 'Allow', action);
  }
});
