import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameCache } from './frame-cache.js';

test('keeps the most recently used entries within the byte budget', () => {
  const cache = new FrameCache(800);
  cache.set('a', Buffer.alloc(100));
  cache.set('b', Buffer.alloc(100));
  cache.get('a');
  for (let i = 0; i < 7; i++) cache.set(`x${i}`, Buffer.alloc(100));
  assert.ok(cache.usedBytes <= 800);
  assert.ok(cache.get('a'), 'recently used survives');
  assert.equal(cache.get('b'), undefined, 'least recently used goes first');
  cache.set('huge', Buffer.alloc(500));
  assert.equal(cache.get('huge'), undefined, 'an entry above 1/8 of the budget is not cached');
  cache.delete('a');
  assert.equal(cache.get('a'), undefined);
});
