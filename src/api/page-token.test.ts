import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationException } from './errors.js';
import { PageTokens } from './page-token.js';
import { SHAPES } from './shapes.js';

const tokens = new PageTokens(Buffer.alloc(32, 7));

test('round trips a position under the same scope and matches NextToken', () => {
  const token = tokens.encode('ListDatastores|ACTIVE', { createdAtMs: 1700000000123, id: 'abc' });
  assert.match(token, SHAPES.NextToken.pattern!);
  assert.deepEqual(tokens.decode('ListDatastores|ACTIVE', token), { createdAtMs: 1700000000123, id: 'abc' });
});

test('a token from another query, a forged or a garbled token is a ValidationException', () => {
  const token = tokens.encode('ListDatastores|ACTIVE', { id: 'x' });
  assert.throws(() => tokens.decode('ListDatastores|DELETED', token), ValidationException);
  const forged = Buffer.from(JSON.stringify({ id: 'y' })).toString('base64url') + token.slice(token.indexOf('.'));
  assert.throws(() => tokens.decode('ListDatastores|ACTIVE', forged), ValidationException);
  assert.throws(() => tokens.decode('ListDatastores|ACTIVE', 'page2'), ValidationException);
  assert.throws(() => new PageTokens(Buffer.alloc(32, 8)).decode('ListDatastores|ACTIVE', token), ValidationException);
});
