// KeyRing: wraps per-data-store data keys and seals small secrets under the master key.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { DATA_KEY_BYTES, DataKey, dataKeyFromBytes } from './data-key.js';

/*
 * Envelope format (version 1), shared by wrapped data keys and sealed secrets:
 *   [0]      format version (1)
 *   [1]      kind: 1 = wrapped data key, 2 = sealed secret
 *   [2..10)  master key id (HKDF of the master key; tells "wrong master key" from "tampered")
 *   [10..22) AES-256-GCM nonce (random)
 *   [22..n)  ciphertext
 *   [n..+16) GCM tag
 * AAD = bytes [0..10) (+ UTF-8 context for secrets). Each kind uses its own HKDF-derived key,
 * so a sealed secret can never be opened as a data key and vice versa.
 */
const FORMAT_VERSION = 1;
const KIND_DATA_KEY = 1;
const KIND_SECRET = 2;
const KIND_NAMES: Record<number, string> = { [KIND_DATA_KEY]: 'wrapped data key', [KIND_SECRET]: 'sealed secret' };
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_BYTES = 2 + KEY_ID_BYTES;
const HEADER_BYTES = AAD_BYTES + NONCE_BYTES;
export const WRAPPED_DATA_KEY_BYTES = HEADER_BYTES + DATA_KEY_BYTES + TAG_BYTES;

/** A wrapped data key or sealed secret is malformed, tampered with, or belongs to another master key. */
export class KeyRingIntegrityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyRingIntegrityError';
  }
}

export class KeyRing {
  readonly #wrapKey: KeyObject;
  readonly #secretKey: KeyObject;
  readonly #keyId: Buffer;

  /** @param masterKey the 32 raw bytes from loadOrCreateMasterKey (not retained; subkeys are derived). */
  constructor(masterKey: Uint8Array) {
    if (masterKey.byteLength !== 32) {
      throw new RangeError(`the master key is 32 bytes, got ${masterKey.byteLength}`);
    }
    const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, length));
    this.#wrapKey = createSecretKey(derive('tessera/v1/data-key-wrap', 32));
    this.#secretKey = createSecretKey(derive('tessera/v1/secret-seal', 32));
    this.#keyId = derive('tessera/v1/master-key-id', KEY_ID_BYTES);
  }

  /** Hex id of the master key (not secret): recorded in every envelope, handy in logs. */
  get masterKeyId(): string {
    return this.#keyId.toString('hex');
  }

  generateDataKey(): { dataKey: DataKey; wrappedKey: Buffer } {
    const bytes = randomBytes(DATA_KEY_BYTES);
    try {
      return { dataKey: dataKeyFromBytes(bytes), wrappedKey: this.#seal(KIND_DATA_KEY, bytes, undefined) };
    } finally {
      bytes.fill(0);
    }
  }

  unwrapDataKey(wrappedKey: Uint8Array): DataKey {
    if (wrappedKey.byteLength !== WRAPPED_DATA_KEY_BYTES) {
      throw new KeyRingIntegrityError(
        `wrapped data key is ${wrappedKey.byteLength} bytes, expected ${WRAPPED_DATA_KEY_BYTES}`,
      );
    }
    const bytes = this.#open(KIND_DATA_KEY, wrappedKey, undefined);
    try {
      return dataKeyFromBytes(bytes);
    } finally {
      bytes.fill(0);
    }
  }

  /** Seals a small secret (e.g. a SigV4 secret access key); `context` (e.g. the access key id) is bound as AAD. */
  sealSecret(plaintext: string, context: string): Buffer {
    return this.#seal(KIND_SECRET, Buffer.from(plaintext, 'utf8'), context);
  }

  openSecret(sealed: Uint8Array, context: string): string {
    return this.#open(KIND_SECRET, sealed, context).toString('utf8');
  }

  #seal(kind: number, plaintext: Uint8Array, context: string | undefined): Buffer {
    const out = Buffer.allocUnsafe(HEADER_BYTES + plaintext.byteLength + TAG_BYTES);
    out[0] = FORMAT_VERSION;
    out[1] = kind;
    this.#keyId.copy(out, 2);
    const nonce = randomBytes(NONCE_BYTES);
    nonce.copy(out, AAD_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keyFor(kind), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(out, context));
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    ciphertext.copy(out, HEADER_BYTES);
    cipher.getAuthTag().copy(out, HEADER_BYTES + ciphertext.length);
    return out;
  }

  #open(kind: number, sealed: Uint8Array, context: string | undefined): Buffer {
    const what = KIND_NAMES[kind];
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < HEADER_BYTES + TAG_BYTES) {
      throw new KeyRingIntegrityError(`${what} is truncated (${bytes.length} bytes)`);
    }
    if (bytes[0] !== FORMAT_VERSION) {
      throw new KeyRingIntegrityError(`${what} has unknown format version ${bytes[0]}`);
    }
    if (bytes[1] !== kind) {
      throw new KeyRingIntegrityError(`expected a ${what}, got a ${KIND_NAMES[bytes[1]!] ?? `kind ${bytes[1]}`}`);
    }
    const keyId = bytes.subarray(2, AAD_BYTES);
    if (!keyId.equals(this.#keyId)) {
      throw new KeyRingIntegrityError(
        `${what} was sealed under master key ${keyId.toString('hex')}, but the loaded master key is ${this.masterKeyId}`,
      );
    }
    const nonce = bytes.subarray(AAD_BYTES, HEADER_BYTES);
    const tagStart = bytes.length - TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', this.#keyFor(kind), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(bytes, context));
    decipher.setAuthTag(bytes.subarray(tagStart));
    const plaintext = decipher.update(bytes.subarray(HEADER_BYTES, tagStart));
    try {
      decipher.final();
    } catch (error) {
      plaintext.fill(0);
      throw new KeyRingIntegrityError(
        `${what} failed authentication (tampered${context === undefined ? '' : ' or opened with another context'})`,
        { cause: error },
      );
    }
    return plaintext;
  }

  #keyFor(kind: number): KeyObject {
    return kind === KIND_DATA_KEY ? this.#wrapKey : this.#secretKey;
  }
}

function aadFor(envelope: Buffer, context: string | undefined): Buffer {
  const header = envelope.subarray(0, AAD_BYTES);
  return context === undefined ? header : Buffer.concat([header, Buffer.from(context, 'utf8')]);
}
