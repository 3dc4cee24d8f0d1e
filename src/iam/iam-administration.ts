// What `tessera users|roles|keys|policies|sessions` do: users and roles, their access keys and temporary
// credentials, and attached policies, written straight to the data folder's stores (the server sees the change).
import { randomBytes } from 'node:crypto';
import { generateAccessKeyPair } from '../auth/access-keys.js';
import { sessionTokenDigest, type SecretSealer } from '../auth/credential-authenticator.js';
import type { AccessKeyRecord, CredentialStore } from '../auth/credential-store.js';
import type { IamStore, PrincipalKind } from './iam-store.js';
import { MANAGED_POLICIES } from './managed-policies.js';
import { parsePolicyDocument } from './policy-document.js';
import { ADMIN_USER_NAME } from './stored-principal-policies.js';

/** A refusal to show the operator as it is (bad name, unknown user, ...). */
export class IamAdministrationError extends Error {}

export interface NewAccessKey {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface NewSession extends NewAccessKey {
  readonly sessionToken: string;
  /** ISO 8601, like STS's Expiration. */
  readonly expiration: string;
}

export interface PrincipalRef {
  readonly kind: PrincipalKind;
  readonly name: string;
}

const NAME = /^[\w+=,.@-]{1,64}$/; // IAM user and role names
const MAX_LONG_TERM_KEYS = 2; // as IAM
export const SESSION_SECONDS = { min: 900, max: 43_200, default: 3600 } as const; // as STS GetSessionToken (15 min – 12 h)

export class IamAdministration {
  private readonly now: () => number;

  constructor(
    private readonly store: IamStore,
    private readonly credentials: CredentialStore,
    private readonly sealer: SecretSealer,
    private readonly accountId: string,
    now: () => number = Date.now,
  ) {
    this.now = now;
  }

  arnOf(ref: PrincipalRef): string {
    return `arn:aws:iam::${this.accountId}:${ref.kind}/${ref.name}`;
  }

  async createUser(name: string): Promise<NewAccessKey> {
    checkName(name);
    if (name === ADMIN_USER_NAME) throw new IamAdministrationError(`user ${name} is built in`);
    if (!(await this.store.createPrincipal({ kind: 'user', name, arn: this.arnOf({ kind: 'user', name }), createdAtMs: this.now() }))) {
      throw new IamAdministrationError(`user ${name} exists already`);
    }
    return this.issueKey(name);
  }

  async createRole(name: string): Promise<{ readonly roleName: string; readonly arn: string }> {
    checkName(name);
    const arn = this.arnOf({ kind: 'role', name });
    if (!(await this.store.createPrincipal({ kind: 'role', name, arn, createdAtMs: this.now() }))) throw new IamAdministrationError(`role ${name} exists already`);
    return { roleName: name, arn };
  }

  async list(kind: PrincipalKind): Promise<readonly object[]> {
    const principals = [...(await this.store.listPrincipals(kind))];
    if (kind === 'user' && (await this.credentials.countAccessKeys(ADMIN_USER_NAME)) > 0) {
      principals.unshift({ kind: 'user', name: ADMIN_USER_NAME, arn: this.arnOf({ kind: 'user', name: ADMIN_USER_NAME }), createdAtMs: 0 });
    }
    const out: object[] = [];
    for (const principal of principals) {
      const policies = (await this.store.listAttachments(kind, principal.name)).map((a) => (a.isManaged ? a.policyName : `${a.policyName} (inline)`));
      if (kind === 'role') {
        out.push({ roleName: principal.name, arn: principal.arn, policies });
        continue;
      }
      const keys = (await this.credentials.listAccessKeys(principal.name)).map((key) => ({
        accessKeyId: key.accessKeyId,
        status: key.status,
        ...(key.expiresAtMs !== undefined ? { expiration: new Date(key.expiresAtMs).toISOString() } : {}),
      }));
      out.push({ userName: principal.name, arn: principal.arn, accessKeys: keys, policies: principal.name === ADMIN_USER_NAME ? ['AWSHealthImagingFullAccess (built in)', ...policies] : policies });
    }
    return out;
  }

  async deletePrincipal(ref: PrincipalRef): Promise<void> {
    if (ref.kind === 'user' && ref.name === ADMIN_USER_NAME) throw new IamAdministrationError(`user ${ref.name} is built in; revoke its keys instead`);
    if (!(await this.store.deletePrincipal(ref.kind, ref.name))) throw new IamAdministrationError(`${ref.kind} ${ref.name} does not exist`);
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    await this.requireUser(userName);
    const longTerm = (await this.credentials.listAccessKeys(userName)).filter((key) => key.sessionTokenSha256 === undefined);
    if (longTerm.length >= MAX_LONG_TERM_KEYS) throw new IamAdministrationError(`user ${userName} has ${MAX_LONG_TERM_KEYS} access keys already; rotate or revoke one`);
    return this.issueKey(userName);
  }

  /** A new key for the user, then the old one (the only long-term key unless named) is deleted. */
  async rotateAccessKey(userName: string, oldAccessKeyId?: string): Promise<NewAccessKey> {
    await this.requireUser(userName);
    const longTerm = (await this.credentials.listAccessKeys(userName)).filter((key) => key.sessionTokenSha256 === undefined);
    const old = oldAccessKeyId === undefined ? (longTerm.length === 1 ? longTerm[0] : undefined) : longTerm.find((key) => key.accessKeyId === oldAccessKeyId);
    if (old === undefined) {
      throw new IamAdministrationError(oldAccessKeyId === undefined ? `user ${userName} has ${longTerm.length} access keys: name the one to rotate` : `user ${userName} has no access key ${oldAccessKeyId}`);
    }
    const fresh = await this.issueKey(userName);
    await this.credentials.deleteAccessKey(old.accessKeyId);
    return fresh;
  }

  async revokeAccessKey(accessKeyId: string): Promise<void> {
    if (!(await this.credentials.deleteAccessKey(accessKeyId))) throw new IamAdministrationError(`no access key ${accessKeyId}`);
  }

  async attachManagedPolicy(ref: PrincipalRef, policyName: string): Promise<void> {
    if (MANAGED_POLICIES[policyName] === undefined) throw new IamAdministrationError(`no managed policy ${policyName}; built in: ${Object.keys(MANAGED_POLICIES).join(', ')}`);
    await this.requirePrincipal(ref);
    await this.store.attachPolicy({ principalKind: ref.kind, principalName: ref.name, policyName, isManaged: true, documentJson: undefined, attachedAtMs: this.now() });
  }

  async attachPolicyDocument(ref: PrincipalRef, policyName: string, json: string): Promise<void> {
    checkName(policyName);
    if (MANAGED_POLICIES[policyName] !== undefined) throw new IamAdministrationError(`${policyName} is a managed policy name; use --managed`);
    let normalised: string;
    try {
      normalised = JSON.stringify(JSON.parse(json));
      parsePolicyDocument(normalised);
    } catch (error) {
      throw new IamAdministrationError(`policy ${policyName}: ${(error as Error).message}`);
    }
    await this.requirePrincipal(ref);
    await this.store.attachPolicy({ principalKind: ref.kind, principalName: ref.name, policyName, isManaged: false, documentJson: normalised, attachedAtMs: this.now() });
  }

  async detachPolicy(ref: PrincipalRef, policyName: string): Promise<void> {
    if (!(await this.store.detachPolicy(ref.kind, ref.name, policyName))) throw new IamAdministrationError(`${ref.kind} ${ref.name} has no policy ${policyName}`);
  }

  /** Temporary credentials of a user (as STS GetSessionToken): they act as the user until they expire. */
  async createSession(userName: string, durationSeconds: number = SESSION_SECONDS.default): Promise<NewSession> {
    if (!Number.isInteger(durationSeconds) || durationSeconds < SESSION_SECONDS.min || durationSeconds > SESSION_SECONDS.max) {
      throw new IamAdministrationError(`a session lasts ${SESSION_SECONDS.min} to ${SESSION_SECONDS.max} seconds`);
    }
    await this.requireUser(userName);
    const pair = generateAccessKeyPair('ASIA');
    const sessionToken = randomBytes(48).toString('base64');
    const expiresAtMs = this.now() + durationSeconds * 1000;
    await this.credentials.putAccessKey({ ...this.keyRecord(userName, pair.accessKeyId, pair.secretAccessKey), sessionTokenSha256: sessionTokenDigest(sessionToken), expiresAtMs });
    return { userName, ...pair, sessionToken, expiration: new Date(expiresAtMs).toISOString() };
  }

  private async issueKey(userName: string): Promise<NewAccessKey> {
    const pair = generateAccessKeyPair();
    await this.credentials.putAccessKey(this.keyRecord(userName, pair.accessKeyId, pair.secretAccessKey));
    return { userName, ...pair };
  }

  private keyRecord(userName: string, accessKeyId: string, secretAccessKey: string): AccessKeyRecord {
    return {
      accessKeyId,
      userName,
      principalArn: this.arnOf({ kind: 'user', name: userName }),
      sealedSecret: this.sealer.sealSecret(secretAccessKey, accessKeyId),
      status: 'Active',
      createdAtMs: this.now(),
    };
  }

  private async requireUser(name: string): Promise<void> {
    await this.requirePrincipal({ kind: 'user', name });
  }

  private async requirePrincipal(ref: PrincipalRef): Promise<void> {
    if (ref.kind === 'user' && ref.name === ADMIN_USER_NAME) return;
    if ((await this.store.findPrincipal(ref.kind, ref.name)) === undefined) throw new IamAdministrationError(`${ref.kind} ${ref.name} does not exist`);
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new IamAdministrationError(`'${name}' is not a valid name (1-64 of letters, digits and +=,.@_-)`);
}
