// DataKey: the opaque per-data-store AES-256 key. Its bytes never leave this folder.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

export const DATA_KEY_BYTES = 32;

let keyObjectOf: (dataKey: DataKey) => KeyObject;
let construct: (key: KeyObject) => DataKey;

/**
 * A 32-byte data key held as a native KeyObject, so the bytes sit outside the JS heap and
 * never show up in toString, JSON or util.inspect. Obtain one from KeyRing; pass it to the
 * sealed blob format.
 */
export class DataKey {
  readonly #key: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
  }

  static {
    keyObjectOf = (dataKey) => dataKey.#key;
    construct = (key) => new DataKey(key);
  }

  toString(): string {
    return 'DataKey(<redacted>)';
  }

  toJSON(): string {
    return 'DataKey(<redacted>)';
  }

  [inspect.custom](): string {
    return 'DataKey(<redacted>)';
  }
}

/** @internal Only key-ring.ts builds data keys (not re-exported from index.ts). */
export function dataKeyFromBytes(bytes: Uint8Array): DataKey {
  if (bytes.byteLength !== DATA_KEY_BYTES) {
    throw new RangeError(`a data key is ${DATA_KEY_BYTES} bytes, got ${bytes.byteLength}`);
  }
  return construct(createSecretKey(bytes));
}

/** @internal For the sealed format in this folder only (not re-exported from index.ts). */
export function dataKeyObject(dataKey: DataKey): KeyObject {
  return keyObjectOf(dataKey);
}
