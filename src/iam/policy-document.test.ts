import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyDocument, PolicyDocumentError } from './policy-document.js';

test('normalises single strings and a single statement to lists', () => {
  const policy = parsePolicyDocument('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"medical-imaging:Get*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}}');
  assert.deepEqual(policy.statements[0]!.action, ['medical-imaging:Get*']);
  assert.deepEqual(policy.statements[0]!.resource, ['*']);
  assert.deepEqual(policy.statements[0]!.condition, { Bool: { 'aws:SecureTransport': ['true'] } });
});

test('refuses what it cannot evaluate faithfully', () => {
  const bad: unknown[] = [
    'not json',
    { Version: '2012-10-17' },
    { Version: '2020-01-01', Statement: [] },
    { Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] },
    { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'x', Resource: '*' }] },
    { Statement: [{ Effect: 'Allow', Action: '*' }] },
    { Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] },
    { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] },
    { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'aws:x': '1' } } }] },
    { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForSomeValues:StringEquals': { 'aws:x': '1' } } }] },
    { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:x': { a: 1 } } } }] },
  ];
  for (const input of bad) assert.throws(() => parsePolicyDocument(input), PolicyDocumentError, JSON.stringify(input));
});
