import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatestFrameCache } from './latest-frame-cache.js';

const frame = (blobKey: string) => ({ blobKey, storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202', sizeBytes: 1 });

describe('LatestFrameCache', () => {
  it('remembers lookups per data store, image set and frame until invalidated, and stays bounded', () => {
    const cache = new LatestFrameCache(2);
    cache.set('d', 's', 'f1', frame('a'));
    assert.deepEqual(cache.get('d', 's', 'f1'), frame('a'));
    assert.equal(cache.get('d', 'other', 'f1'), undefined);
    cache.invalidate();
    assert.equal(cache.get('d', 's', 'f1'), undefined);
    cache.set('d', 's', 'f1', frame('a'));
    cache.set('d', 's', 'f2', frame('b'));
    cache.set('d', 's', 'f3', frame('c')); // full: starts over rather than growing
    assert.equal(cache.get('d', 's', 'f1'), undefined);
    assert.deepEqual(cache.get('d', 's', 'f3'), frame('c'));
  });
});
