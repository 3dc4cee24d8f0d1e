// The CredentialStore port: access keys with their secret sealed by the master key (never stored in clear).

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly principalArn: string;
  /** The secret access key sealed with KeyRing.sealSecret (context = access key id). */
  readonly sealedSecret: Buffer;
  readonly status: AccessKeyStatus;
  readonly createdAtMs: number;
  /** Temporary (session) credentials only: SHA-256 of the session token, which is never stored. */
  readonly sessionTokenSha256?: Buffer;
  /** Temporary credentials only: when they stop working. */
  readonly expiresAtMs?: number;
}

export interface CredentialStore {
  findAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** Inserts or replaces the key. */
  putAccessKey(record: AccessKeyRecord): Promise<void>;
  countAccessKeys(userName: string): Promise<number>;
  /** The user's keys, oldest first. */
  listAccessKeys(userName: string): Promise<readonly AccessKeyRecord[]>;
  /** True when a key was deleted. */
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
}
