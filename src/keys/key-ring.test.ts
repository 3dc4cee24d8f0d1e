// KeyRing: data key wrapping and secret sealing under the master key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { DataKey } from './data-key.js';
import { KeyRing, KeyRingIntegrityError, WRAPPED_DATA_KEY_BYTES } from './key-ring.js';
import { openBuffer, sealBuffer } from './sealed-format.js';

const flip = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0x80;
  return copy;
};

describe('KeyRing', () => {
  const masterKey = randomBytes(32);
  const ring = new KeyRing(masterKey);

  it('generates distinct data keys whose unwrapped form seals and opens the same blobs', () => {
    const first = ring.generateDataKey();
    const second = ring.generateDataKey();
    assert.equal(first.wrappedKey.length, WRAPPED_DATA_KEY_BYTES);
    assert.notDeepEqual(first.wrappedKey, second.wrappedKey);
    const unwrapped = ring.unwrapDataKey(first.wrappedKey);
    assert.ok(unwrapped instanceof DataKey);
    const sealed = sealBuffer(first.dataKey, Buffer.from('frame bytes'), 'k');
    assert.equal(openBuffer(unwrapped, sealed, 'k').toString(), 'frame bytes');
    assert.throws(() => openBuffer(second.dataKey, sealed, 'k'));
  });

  it('unwraps with a new KeyRing built from the same master key (a restart)', () => {
    const { dataKey, wrappedKey } = ring.generateDataKey();
    const restarted = new KeyRing(Buffer.from(masterKey));
    assert.equal(restarted.masterKeyId, ring.masterKeyId);
    const sealed = sealBuffer(dataKey, Buffer.from('x'), 'k');
    assert.equal(openBuffer(restarted.unwrapDataKey(wrappedKey), sealed, 'k').toString(), 'x');
  });

  it('rejects tampered, truncated or foreign wrapped keys', () => {
    const { wrappedKey } = ring.generateDataKey();
    assert.equal(wrappedKey[0], 1, 'format version byte');
    for (let at = 0; at < wrappedKey.length; at++) {
      assert.throws(() => ring.unwrapDataKey(flip(wrappedKey, at)), KeyRingIntegrityError, `byte ${at}`);
    }
    assert.throws(() => ring.unwrapDataKey(wrappedKey.subarray(0, wrappedKey.length - 1)), KeyRingIntegrityError);
    assert.throws(() => ring.unwrapDataKey(Buffer.concat([wrappedKey, Buffer.alloc(1)])), KeyRingIntegrityError);
    assert.throws(() => ring.unwrapDataKey(Buffer.alloc(0)), KeyRingIntegrityError);
    const other = new KeyRing(randomBytes(32));
    assert.throws(() => other.unwrapDataKey(wrappedKey), /sealed under master key [0-9a-f]{16}, but the loaded master key is/);
  });

  it('seals and opens secrets bound to their context', () => {
    const sealed = ring.sealSecret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(sealed.indexOf('wJalrXUtnFEMI'), -1);
    assert.equal(ring.openSecret(sealed, 'AKIAIOSFODNN7EXAMPLE'), 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    assert.equal(ring.openSecret(ring.sealSecret('', ''), ''), '');
    assert.equal(ring.openSecret(ring.sealSecret('ünïcödé ✓', 'ctx ✓'), 'ctx ✓'), 'ünïcödé ✓');
    assert.throws(() => ring.openSecret(sealed, 'AKIAIOSFODNN7EXAMPLF'), KeyRingIntegrityError);
    for (let at = 0; at < sealed.length; at++) {
      assert.throws(() => ring.openSecret(flip(sealed, at), 'AKIAIOSFODNN7EXAMPLE'), KeyRingIntegrityError, `byte ${at}`);
    }
    assert.throws(() => new KeyRing(randomBytes(32)).openSecret(sealed, 'AKIAIOSFODNN7EXAMPLE'), KeyRingIntegrityError);
  });

  it('keeps wrapped keys and sealed secrets apart', () => {
    const { wrappedKey } = ring.generateDataKey();
    assert.throws(() => ring.openSecret(wrappedKey, ''), /expected a sealed secret, got a wrapped data key/);
    const secret = ring.sealSecret('x'.repeat(32), '');
    assert.throws(() => ring.unwrapDataKey(secret), KeyRingIntegrityError);
  });

  it('never reveals key bytes through toString, JSON or inspect', () => {
    const { dataKey } = ring.generateDataKey();
    const shown = [String(dataKey), JSON.stringify({ dataKey }), inspect(dataKey), inspect({ dataKey }, { showHidden: true, depth: 5 })];
    for (const text of shown) {
      assert.match(text, /redacted/);
      assert.doesNotMatch(text, /[0-9a-f]{32}|[A-Za-z0-9+/]{40}/);
    }
    assert.deepEqual(Object.keys(dataKey), []);
    assert.doesNotMatch(inspect(ring, { showHidden: true }), /[0-9a-f]{64}/);
  });

  it('refuses a master key that is not 32 bytes', () => {
    assert.throws(() => new KeyRing(randomBytes(31)), RangeError);
    assert.throws(() => new KeyRing(Buffer.alloc(0)), RangeError);
  });
});
