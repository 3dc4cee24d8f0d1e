// New access key pairs in AWS's format: AKIA (long-term) or ASIA (temporary) + 16 characters, 40-character secret.
import { randomBytes, randomInt } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function generateAccessKeyPair(prefix: 'AKIA' | 'ASIA' = 'AKIA'): AccessKeyPair {
  let id: string = prefix;
  for (let i = 0; i < 16; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  // 30 random bytes → 40 base64 characters; '+' and '/' kept, as in AWS secrets.
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}
