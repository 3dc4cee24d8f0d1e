import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThrottlingException } from '../api/index.js';
import { RequestThrottle } from './request-throttle.js';
import { TokenBucket } from './token-bucket.js';

test('a bucket allows its burst at once, then refills at its rate', () => {
  const bucket = new TokenBucket(2, 3, 0);
  assert.deepEqual([1, 2, 3, 4].map(() => bucket.tryTake(0)), [true, true, true, false]);
  assert.equal(bucket.tryTake(400), false, '0.8 tokens after 400 ms');
  assert.equal(bucket.tryTake(500), true, '1 token after 500 ms');
  assert.equal(bucket.tryTake(10_000), true);
  assert.deepEqual([1, 2, 3].map(() => bucket.tryTake(10_000)), [true, true, false], 'never more than the burst');
});

test('AWS figures per account and action, overridable; unknown actions are not throttled', () => {
  let now = 0;
  const throttle = new RequestThrottle({ GetDatastore: { ratePerSecond: 1, burst: 2 } }, () => now);
  throttle.take('111111111111', 'CreateDatastore');
  assert.throws(() => throttle.take('111111111111', 'CreateDatastore'), (error: unknown) => error instanceof ThrottlingException && error.message === 'Rate exceeded');
  throttle.take('222222222222', 'CreateDatastore'); // another account has its own bucket
  throttle.take('111111111111', 'GetDatastore');
  throttle.take('111111111111', 'GetDatastore');
  assert.throws(() => throttle.take('111111111111', 'GetDatastore'), ThrottlingException);
  now = 1000;
  throttle.take('111111111111', 'GetDatastore');
  for (let i = 0; i < 2000; i++) throttle.take('111111111111', 'GetImageFrame');
  assert.throws(() => throttle.take('111111111111', 'GetImageFrame'), ThrottlingException);
  for (let i = 0; i < 100; i++) throttle.take('111111111111', 'ListEvents');
  now += 1000 / 0.085; // CreateDatastore refills one token in ~11.8 s
  throttle.take('111111111111', 'CreateDatastore');
});
