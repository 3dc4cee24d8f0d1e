import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARN_PATTERN, datastoreArn, imageSetArn, parseResourceArn } from './arn.js';

const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const ds = '12345678901234567890123456789012';
const is = 'ea92b0d8838c72a3f25d00d13616f87e';

test('builds and parses data store and image set ARNs', () => {
  const a = datastoreArn(scope, ds);
  assert.equal(a, `arn:aws:medical-imaging:us-east-1:123456789012:datastore/${ds}`);
  assert.match(a, ARN_PATTERN);
  assert.deepEqual(parseResourceArn(a), { kind: 'datastore', scope, datastoreId: ds });
  const b = imageSetArn(scope, ds, is);
  assert.match(b, ARN_PATTERN);
  assert.deepEqual(parseResourceArn(b), { kind: 'imageset', scope, datastoreId: ds, imageSetId: is });
});

test('the pattern rejects the URL-path spelling imageSet and short ids', () => {
  assert.doesNotMatch(`arn:aws:medical-imaging:us-east-1:123456789012:datastore/${ds}/imageSet/${is}`, ARN_PATTERN);
  assert.doesNotMatch('arn:aws:medical-imaging:us-east-1:123456789012:datastore/abc', ARN_PATTERN);
  assert.doesNotMatch(`arn:aws:s3:us-east-1:123456789012:datastore/${ds}`, ARN_PATTERN);
});
