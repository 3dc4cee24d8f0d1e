// The IamStore port: users and roles and the policies attached to them. The CLI writes it while the server
// runs; `externalChangeCount` lets the server notice such writes cheaply and drop what it cached.

export type PrincipalKind = 'user' | 'role';

export interface IamPrincipalRecord {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn: string;
  readonly createdAtMs: number;
}

export interface PolicyAttachmentRecord {
  readonly principalKind: PrincipalKind;
  readonly principalName: string;
  /** A managed policy name (AWSHealthImagingReadOnlyAccess) or the name given to an inline document. */
  readonly policyName: string;
  readonly isManaged: boolean;
  /** The inline policy JSON; undefined for managed policies. */
  readonly documentJson: string | undefined;
  readonly attachedAtMs: number;
}

export interface IamStore {
  /** False when the principal exists already. */
  createPrincipal(record: IamPrincipalRecord): Promise<boolean>;
  findPrincipal(kind: PrincipalKind, name: string): Promise<IamPrincipalRecord | undefined>;
  listPrincipals(kind: PrincipalKind): Promise<readonly IamPrincipalRecord[]>;
  /** Deletes the principal with its attachments and access keys in one transaction; false when unknown. */
  deletePrincipal(kind: PrincipalKind, name: string): Promise<boolean>;
  /** Inserts or replaces (same principal and policy name). */
  attachPolicy(record: PolicyAttachmentRecord): Promise<void>;
  detachPolicy(kind: PrincipalKind, name: string, policyName: string): Promise<boolean>;
  listAttachments(kind: PrincipalKind, name: string): Promise<readonly PolicyAttachmentRecord[]>;
  /** Changes whenever another process (the CLI) has committed to the store; synchronous and cheap. */
  externalChangeCount(): number;
}
