// CloudTrail-format audit records (behavior.md §18): one per API call, PHI-bearing request members redacted.
import type { Principal } from '../api/index.js';

export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';
export const EVENT_SOURCE = 'medical-imaging.amazonaws.com';

export type UserIdentity =
  | { readonly type: 'IAMUser'; readonly arn: string; readonly accountId: string; readonly accessKeyId: string; readonly userName: string }
  // A role taken on by a bearer token (OIDC or Lambda authorizer): the session is named after the token's subject.
  | {
      readonly type: 'AssumedRole';
      readonly principalId: string;
      readonly arn: string;
      readonly accountId: string;
      readonly accessKeyId: string;
      readonly sessionContext: { readonly sessionIssuer: { readonly type: 'Role'; readonly principalId: string; readonly arn: string; readonly accountId: string; readonly userName: string } };
    }
  | { readonly type: 'Unknown'; readonly accessKeyId?: string };

export interface AuditChain {
  readonly sequence: number;
  readonly previousHash: string;
  /** 2: the hash covers the written JSON; absent (records written before format 2): the canonical JSON. */
  readonly format?: 2;
  readonly hash: string;
}

export interface AuditRecord {
  readonly eventVersion: '1.09';
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent?: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources?: readonly { readonly accountId: string; readonly type: string; readonly ARN: string }[];
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: boolean;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management' | 'Data';
  /** Added by the AuditLog when the record is written. */
  readonly tesseraChain?: AuditChain;
}

/** What the HTTP edge knows about one call; everything is read lazily when the record is built. */
export interface AuditedCall {
  readonly startMs: number;
  readonly requestId: string;
  readonly eventId: string;
  /** The operation name, or undefined when no route matched. */
  readonly operation: string | undefined;
  readonly method: string;
  readonly rawPath: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly rawQuery: string;
  readonly body: Buffer;
  /** Undefined when authentication failed or did not happen. */
  readonly principal: Principal | undefined;
  /** The Authorization header (only its access key id is recorded when authentication failed). */
  readonly authorization: string | undefined;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  readonly error: { readonly code: string; readonly message: string } | undefined;
  /** A data store id learnt from the response (CreateDatastore). */
  readonly resultDatastoreId: string | undefined;
}

export interface AuditScope {
  readonly region: string;
  readonly accountId: string;
  readonly partition?: string;
}

const MANAGEMENT_OPERATIONS = new Set([
  'CreateDatastore', 'DeleteDatastore', 'GetDatastore', 'ListDatastores', 'StartDICOMImportJob', 'GetDICOMImportJob',
  'ListDICOMImportJobs', 'TagResource', 'UntagResource', 'ListTagsForResource', 'ListEvents',
]);
const MUTATING_OPERATIONS = new Set([
  'CreateDatastore', 'DeleteDatastore', 'StartDICOMImportJob', 'TagResource', 'UntagResource', 'UpdateImageSetMetadata',
  'CopyImageSet', 'DeleteImageSet', 'StoreDICOM',
]);
/** Query names on the wire that differ from the model member names. */
const QUERY_MEMBERS: Readonly<Record<string, string>> = { version: 'versionId', latestVersion: 'latestVersionId' };
/** Operations whose whole body is one member; the value says how much of it is safe to keep. */
const PAYLOAD_MEMBERS: Readonly<Record<string, string>> = {
  SearchImageSets: 'searchCriteria',
  UpdateImageSetMetadata: 'updateImageSetMetadataUpdates',
  CopyImageSet: 'copyImageSetInformation',
  GetImageFrame: 'imageFrameInformation',
};
/** Body members that are never PHI (ids, names, URIs, enums); objects listed here are walked, anything else is hidden. */
const SAFE_MEMBERS = new Set([
  'datastoreName', 'clientToken', 'kmsKeyArn', 'lambdaAuthorizerArn', 'losslessStorageFormat', 'jobName', 'dataAccessRoleArn',
  'inputS3Uri', 'outputS3Uri', 'inputOwnerAccountId', 'imageFrameId', 'latestVersionId', 'imageSetId', 'versionId',
]);
const WALKED_MEMBERS = new Set(['copyImageSetInformation', 'imageFrameInformation', 'sourceImageSet', 'destinationImageSet', 'DICOMCopies']);
const MAX_PARSED_BODY = 64 * 1024;
const ACCESS_KEY_IN_AUTHORIZATION = /Credential=([A-Z0-9]{16,128})\//;

export function buildAuditRecord(call: AuditedCall, scope: AuditScope): AuditRecord {
  const operation = call.operation ?? `${call.method} ${pathShape(call.rawPath)}`;
  const isManagement = call.operation === undefined || MANAGEMENT_OPERATIONS.has(call.operation);
  const datastoreId = call.labels?.datastoreId ?? datastoreOfArn(call.labels?.resourceArn) ?? call.resultDatastoreId;
  const partition = scope.partition ?? 'aws';
  const record: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: userIdentity(call),
    eventTime: new Date(call.startMs).toISOString(),
    eventSource: EVENT_SOURCE,
    eventName: operation,
    awsRegion: scope.region,
    sourceIPAddress: call.sourceIp,
  };
  if (call.userAgent !== undefined) record.userAgent = call.userAgent.length > 1024 ? call.userAgent.slice(0, 1024) : call.userAgent;
  record.requestParameters = call.operation === undefined ? null : requestParameters(call.operation, call.labels, call.rawQuery, call.body);
  record.responseElements = null;
  if (call.error !== undefined) {
    record.errorCode = call.error.code;
    record.errorMessage = call.error.message;
  }
  record.requestID = call.requestId;
  record.eventID = call.eventId;
  record.readOnly = call.operation !== undefined ? !MUTATING_OPERATIONS.has(call.operation) : call.method === 'GET' || call.method === 'HEAD';
  if (datastoreId !== undefined && /^[0-9a-z]{32}$/.test(datastoreId)) {
    record.resources = [
      { accountId: scope.accountId, type: 'AWS::MedicalImaging::Datastore', ARN: `arn:${partition}:medical-imaging:${scope.region}:${scope.accountId}:datastore/${datastoreId}` },
    ];
  }
  record.eventType = 'AwsApiCall';
  record.managementEvent = isManagement;
  record.recipientAccountId = scope.accountId;
  record.eventCategory = isManagement ? 'Management' : 'Data';
  return record as unknown as AuditRecord;
}

function userIdentity(call: AuditedCall): UserIdentity {
  const principal = call.principal;
  if (principal !== undefined && principal.arn.includes(':role/')) {
    const accountId = principal.arn.split(':')[4] ?? '';
    const roleName = principal.arn.slice(principal.arn.lastIndexOf('/') + 1);
    return {
      type: 'AssumedRole',
      principalId: `${roleName}:${principal.userName}`,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${principal.userName}`,
      accountId,
      accessKeyId: principal.accessKeyId,
      sessionContext: { sessionIssuer: { type: 'Role', principalId: roleName, arn: principal.arn, accountId, userName: roleName } },
    };
  }
  if (principal !== undefined) {
    return { type: 'IAMUser', arn: principal.arn, accountId: principal.arn.split(':')[4] ?? '', accessKeyId: principal.accessKeyId, userName: principal.userName };
  }
  const accessKeyId = call.authorization === undefined ? undefined : ACCESS_KEY_IN_AUTHORIZATION.exec(call.authorization)?.[1];
  return accessKeyId === undefined ? { type: 'Unknown' } : { type: 'Unknown', accessKeyId };
}

/** Path labels and query members as they are (ids, enums, tokens, tag keys); body members through the allow-list. */
export function requestParameters(
  operation: string,
  labels: Readonly<Record<string, string>> | undefined,
  rawQuery: string,
  body: Buffer,
): Record<string, unknown> {
  const parameters: Record<string, unknown> = { ...labels };
  if (rawQuery !== '') {
    for (const [name, value] of new URLSearchParams(rawQuery)) {
      if (name.startsWith('X-Amz-')) continue; // pre-signed URL parts (the signature among them) are not parameters
      const member = QUERY_MEMBERS[name] ?? name;
      const previous = parameters[member];
      if (previous === undefined) parameters[member] = value;
      else parameters[member] = Array.isArray(previous) ? [...(previous as unknown[]), value] : [previous, value];
    }
  }
  if (body.length === 0) return parameters;
  const payload = PAYLOAD_MEMBERS[operation];
  if (payload === 'searchCriteria' || payload === 'updateImageSetMetadataUpdates') {
    parameters[payload] = HIDDEN; // all DICOM values; not even parsed
    return parameters;
  }
  let parsed: unknown;
  try {
    parsed = body.length <= MAX_PARSED_BODY ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    parameters[payload ?? 'body'] = HIDDEN;
    return parameters;
  }
  if (payload !== undefined) parameters[payload] = redactObject(parsed as Record<string, unknown>);
  else Object.assign(parameters, redactObject(parsed as Record<string, unknown>));
  return parameters;
}

/** Keeps allow-listed members; tags keep their keys with hidden values; everything else is hidden. */
export function redactObject(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'tags' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.tags = Object.fromEntries(Object.keys(value).map((tagKey) => [tagKey, HIDDEN]));
    } else if (SAFE_MEMBERS.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      out[key] = value;
    } else if (WALKED_MEMBERS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = redactObject(value as Record<string, unknown>);
    } else {
      out[key] = HIDDEN;
    }
  }
  return out;
}

/** The path with every segment that is not a plain word replaced, so ids and free text do not become event names. */
export function pathShape(rawPath: string): string {
  const shape = rawPath
    .split('/')
    .map((segment) => (segment === '' || /^[A-Za-z][A-Za-z_-]{0,29}$/.test(segment) ? segment : '{}'))
    .join('/');
  return shape.length > 200 ? `${shape.slice(0, 200)}…` : shape;
}

function datastoreOfArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  return /:datastore\/([0-9a-z]{32})(?:\/|$)/.exec(arn)?.[1];
}
