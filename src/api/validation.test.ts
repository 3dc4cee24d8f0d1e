import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationException } from './errors.js';
import { PAGE_SIZE, SHAPES } from './shapes.js';
import { Violations } from './validation.js';

function messageOf(fn: (v: Violations) => void): string {
  const v = new Violations();
  fn(v);
  try {
    v.throwIfAny();
  } catch (error) {
    assert.ok(error instanceof ValidationException);
    return error.message;
  }
  return '';
}

test('pattern violations use AWS wording', () => {
  assert.equal(
    messageOf((v) => v.string('datastoreId', 'abc', SHAPES.DatastoreId, true)),
    "1 validation error detected: Value 'abc' at 'datastoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-z]{32}",
  );
});

test('range and length violations', () => {
  assert.equal(
    messageOf((v) => v.integer('maxResults', '500', PAGE_SIZE, false)),
    "1 validation error detected: Value '500' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
  );
  assert.match(messageOf((v) => v.string('datastoreName', 'a'.repeat(257), SHAPES.DatastoreName, false)), /length less than or equal to 256/);
  assert.match(messageOf((v) => v.string('clientToken', '', SHAPES.ClientToken, true)), /length greater than or equal to 1/);
});

test('several violations are counted', () => {
  const message = messageOf((v) => {
    v.string('datastoreName', 'bad name', SHAPES.DatastoreName, false);
    v.string('clientToken', undefined, SHAPES.ClientToken, true);
  });
  assert.match(message, /^2 validation errors detected: .*datastoreName.*; .*clientToken.*must not be null/);
});

test('tag keys follow TagKey: no aws: prefix, no spaces; values up to 256', () => {
  assert.equal(messageOf((v) => v.tags('tags', { 'project:x': 'y', 'Aws:ok': '', 'a+b=c;<d,_/9': 'z' }, true)), '');
  assert.match(messageOf((v) => v.tags('tags', { 'aws:reserved': 'x' }, true)), /regular expression pattern/);
  assert.match(messageOf((v) => v.tags('tags', { 'a b': 'x' }, true)), /regular expression pattern/);
  assert.match(messageOf((v) => v.tags('tags', { 'a>b': 'x' }, true)), /regular expression pattern/);
  assert.match(messageOf((v) => v.tags('tags', { k: 'v'.repeat(257) }, true)), /less than or equal to 256/);
  assert.match(messageOf((v) => v.tags('tags', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), true)), /less than or equal to 50/);
  assert.match(messageOf((v) => v.tags('tags', ['x'], true)), /map of tag keys/);
});

test('NextToken accepts ASCII only and the u-flag pattern compiles', () => {
  assert.equal(messageOf((v) => v.string('nextToken', 'abc+/=', SHAPES.NextToken, false)), '');
  assert.match(messageOf((v) => v.string('nextToken', 'é', SHAPES.NextToken, false)), /regular expression/);
});

test('enums and booleans', () => {
  assert.match(messageOf((v) => v.enumValue('datastoreStatus', 'NOPE', ['ACTIVE', 'DELETED'], false)), /enum value set: \[ACTIVE, DELETED\]/);
  const v = new Violations();
  assert.equal(v.boolean('force', 'true', false), true);
  assert.equal(v.boolean('force', 'yes', false), undefined);
  assert.equal(v.isEmpty, false);
});
