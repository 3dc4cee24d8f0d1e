// The one validated, frozen configuration object; built from flags and environment by main.ts.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';

export interface AdminCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly region: string;
  /** 12 digits; when absent the server generates one and keeps it in the data folder. */
  readonly accountId: string | undefined;
  readonly admin: AdminCredentials | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How far X-Amz-Date may be from the server clock (the wire contract says 5 minutes). */
  readonly clockSkewMs: number;
  /** Delay before CREATING → ACTIVE and DELETING → DELETED, so both states are observable. */
  readonly datastoreTransitionDelayMs: number;
  /** How long DELETED data stores stay visible to Get/List before they read as not found. */
  readonly deletedDatastoreRetentionMs: number;
  readonly quotas: {
    readonly maxActiveDatastores: number;
    /** Concurrent UpdateImageSetMetadata / CopyImageSet / DeleteImageSet requests per data store (AWS: 100 each). */
    readonly maxConcurrentUpdates: number;
    readonly maxConcurrentCopies: number;
    readonly maxConcurrentDeletes: number;
    /** Image frames one CopyImageSet may copy (AWS: 1,000). */
    readonly maxFramesPerCopy: number;
    /** Decoded bytes of each updatableAttributes / removableAttributes (AWS: 10 KB; the model allows up to 30,000). */
    readonly updatePayloadBytes: number;
    /** Metadata JSON of a version written by an update or copy (AWS "ImageSetMetadata size per Import, Copy, Update": 50 MB). */
    readonly maxMetadataBytes: number;
  };
  /** Holds accepted image set updates and copies this long before their work starts (crash tests, client LOCKED handling). */
  readonly imageSetChangeDelayMs: number;
  /** Largest accepted request body of the JSON API. */
  readonly maxRequestBodyBytes: number;
  /** How long clientToken idempotency records are honoured. */
  readonly idempotencyWindowMs: number;
  /** Memory for decrypted hot frames (immutable, so never stale). */
  readonly frameCacheBytes: number;
  readonly storageTiers: {
    readonly archiveAfterMs: number;
    readonly accessFlushIntervalMs: number;
    readonly sweepIntervalMs: number;
  };
  /** Where import jobs read and write: folders under <data>/buckets, or a real S3-compatible endpoint. */
  readonly s3: S3Config | undefined;
  readonly imports: {
    readonly maxFilesPerJob: number;
    readonly maxBytesPerJob: number;
    readonly maxBytesPerFile: number;
    readonly maxFoldersPerJob: number;
    readonly maxConcurrentJobsPerDatastore: number;
    /** Jobs this process runs at the same time; the others wait SUBMITTED. */
    readonly runningJobs: number;
    /** Codec worker threads (default: the number of cores). */
    readonly codecThreads: number;
  };
  /** Delivery of outbox events to sinks; with no sink configured nothing is delivered (the GET /events feed still works). */
  readonly events: EventsConfig;
  /** The CloudTrail-format audit trail in <data>/audit. */
  readonly audit: AuditConfig;
  /** GET /metrics: SigV4-protected like every route (default), open to anyone (loopback Prometheus), or off (404). */
  readonly metrics: 'sigv4' | 'open' | 'off';
  /** HTTPS (TLS 1.2 or newer) with these PEM files; plain HTTP when absent. */
  readonly tls: TlsConfig | undefined;
  /** Bearer JWTs of these OIDC issuers are accepted (TESSERA_OIDC_CONFIG names the JSON file); SigV4 only when absent. */
  readonly oidc: OidcConfig | undefined;
  /** Lambda ARN → the URL that plays that Lambda authorizer for data stores created with its `lambdaAuthorizerArn`. */
  readonly lambdaAuthorizers: ReadonlyMap<string, string>;
  /** Whole request (headers and body) and headers-only deadlines: slow clients cannot hold connections open. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Token buckets per account and action (behavior.md §20); `limits` replace AWS's figures for the actions they name. */
  readonly throttling: {
    readonly isEnabled: boolean;
    readonly limits: Readonly<Record<string, { readonly ratePerSecond: number; readonly burst: number }>>;
  };
}

export interface OidcConfig {
  readonly issuers: readonly OidcIssuerConfig[];
  /** Answer to a refused token: 401 (WWW-Authenticate: Bearer) by default, or 403. */
  readonly invalidTokenStatus: 401 | 403;
  readonly clockSkewSeconds: number;
}

export interface OidcIssuerConfig {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks: { readonly file: string } | { readonly url: string };
  /** Claim value → role; the first match wins. */
  readonly roleMappings: readonly { readonly claim: string; readonly value: string; readonly role: string }[];
  readonly defaultRole: string | undefined;
  /** Oldest `iat` accepted; AWS's maximum token lifetime is 12 hours. */
  readonly maxTokenAgeSeconds: number;
}

export interface TlsConfig {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface AuditConfig {
  /** A file is rotated before it grows past this (default 64 MiB). */
  readonly maxFileBytes: number;
  /** Records of calls within this many ms share one write + fsync (default 2). */
  readonly batchMs: number;
}

export interface EventsConfig {
  /** Append every event to <data>/events/events.jsonl. */
  readonly isLogEnabled: boolean;
  /** http(s) URLs, each receiving one signed POST per event. */
  readonly webhookUrls: readonly string[];
  /** HMAC key of X-Tessera-Signature; set whenever webhookUrls is not empty. */
  readonly webhookSecret: string | undefined;
  readonly eventBridge: EventBridgeConfig | undefined;
  /** Failed deliveries of one event to one sink before it is dead-lettered. */
  readonly maxAttempts: number;
  /** How often idle sinks look for events written by other processes (this one's commits wake them at once). */
  readonly pollIntervalMs: number;
  /** Backoff after the n-th failure: min(retryMaxMs, retryBaseMs · 2^(n-1)). */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export interface EventBridgeConfig {
  readonly endpoint: string;
  readonly busName: string;
  readonly region: string;
  /** Overrides the envelope's source (AWS EventBridge refuses `aws.*` sources in PutEvents). */
  readonly source: string | undefined;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface S3Config {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
}

export class ConfigError extends Error {}

type Source = Readonly<Record<string, string | undefined>>;

/** Flags override environment. Flags use the env names without TESSERA_ in kebab case: --data-dir. */
export function loadConfig(env: Source, argv: readonly string[]): Config {
  const flags = parseFlags(argv);
  const get = (name: string): string | undefined => {
    const flag = flags.get(name.replace(/^TESSERA_/, '').toLowerCase().replaceAll('_', '-'));
    const value = flag ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const host = get('TESSERA_HOST') ?? '127.0.0.1';
  const port = integer('TESSERA_PORT', get('TESSERA_PORT') ?? '8080', 0, 65535);
  const dataDir = get('TESSERA_DATA_DIR') ?? './data';
  const region = get('TESSERA_REGION') ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) fail(`TESSERA_REGION '${region}' is not a region name like us-east-1`);
  const accountId = get('TESSERA_ACCOUNT_ID');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) fail(`TESSERA_ACCOUNT_ID must be exactly 12 digits, got '${accountId}'`);

  const adminKey = get('TESSERA_ADMIN_ACCESS_KEY_ID');
  const adminSecret = get('TESSERA_ADMIN_SECRET_ACCESS_KEY');
  if ((adminKey === undefined) !== (adminSecret === undefined)) {
    fail('TESSERA_ADMIN_ACCESS_KEY_ID and TESSERA_ADMIN_SECRET_ACCESS_KEY must be set together');
  }
  if (adminKey !== undefined && !/^[A-Z0-9]{16,128}$/.test(adminKey)) {
    fail('TESSERA_ADMIN_ACCESS_KEY_ID must be 16-128 characters of A-Z and 0-9');
  }
  if (adminSecret !== undefined && adminSecret.length < 16) fail('TESSERA_ADMIN_SECRET_ACCESS_KEY must be at least 16 characters');

  const logLevel = get('TESSERA_LOG_LEVEL') ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  if (!(levels as readonly string[]).includes(logLevel)) fail(`TESSERA_LOG_LEVEL must be one of ${levels.join(', ')}`);

  const metrics = get('TESSERA_METRICS') ?? 'sigv4';
  if (metrics !== 'sigv4' && metrics !== 'open' && metrics !== 'off') fail(`TESSERA_METRICS must be sigv4, open or off, got '${metrics}'`);

  return Object.freeze({
    host,
    port,
    dataDir,
    region,
    accountId,
    admin: adminKey !== undefined && adminSecret !== undefined ? Object.freeze({ accessKeyId: adminKey, secretAccessKey: adminSecret }) : undefined,
    logLevel: logLevel as Config['logLevel'],
    clockSkewMs: integer('TESSERA_CLOCK_SKEW_SECONDS', get('TESSERA_CLOCK_SKEW_SECONDS') ?? '300', 1, 86400) * 1000,
    datastoreTransitionDelayMs: integer('TESSERA_DATASTORE_TRANSITION_DELAY_MS', get('TESSERA_DATASTORE_TRANSITION_DELAY_MS') ?? '1000', 0, 3_600_000),
    deletedDatastoreRetentionMs:
      integer('TESSERA_DELETED_DATASTORE_RETENTION_SECONDS', get('TESSERA_DELETED_DATASTORE_RETENTION_SECONDS') ?? '86400', 0, 10 * 365 * 86400) * 1000,
    quotas: Object.freeze({
      maxActiveDatastores: integer('TESSERA_MAX_ACTIVE_DATASTORES', get('TESSERA_MAX_ACTIVE_DATASTORES') ?? '100', 0, 1_000_000),
      maxConcurrentUpdates: integer('TESSERA_MAX_CONCURRENT_UPDATES', get('TESSERA_MAX_CONCURRENT_UPDATES') ?? '100', 1, 1_000_000),
      maxConcurrentCopies: integer('TESSERA_MAX_CONCURRENT_COPIES', get('TESSERA_MAX_CONCURRENT_COPIES') ?? '100', 1, 1_000_000),
      maxConcurrentDeletes: integer('TESSERA_MAX_CONCURRENT_DELETES', get('TESSERA_MAX_CONCURRENT_DELETES') ?? '100', 1, 1_000_000),
      maxFramesPerCopy: integer('TESSERA_MAX_FRAMES_PER_COPY', get('TESSERA_MAX_FRAMES_PER_COPY') ?? '1000', 1, 100_000_000),
      updatePayloadBytes: integer('TESSERA_UPDATE_PAYLOAD_BYTES', get('TESSERA_UPDATE_PAYLOAD_BYTES') ?? '10000', 1, 30000),
      maxMetadataBytes: integer('TESSERA_MAX_METADATA_BYTES', get('TESSERA_MAX_METADATA_BYTES') ?? String(50 * 1024 * 1024), 1024, 1 << 30),
    }),
    imageSetChangeDelayMs: integer('TESSERA_IMAGE_SET_CHANGE_DELAY_MS', get('TESSERA_IMAGE_SET_CHANGE_DELAY_MS') ?? '0', 0, 600_000),
    maxRequestBodyBytes: integer('TESSERA_MAX_REQUEST_BODY_BYTES', get('TESSERA_MAX_REQUEST_BODY_BYTES') ?? String(2 * 1024 * 1024), 1024, 1 << 30),
    idempotencyWindowMs: integer('TESSERA_IDEMPOTENCY_WINDOW_SECONDS', get('TESSERA_IDEMPOTENCY_WINDOW_SECONDS') ?? '86400', 1, 365 * 86400) * 1000,
    s3: s3Config(get, region),
    frameCacheBytes: integer('TESSERA_FRAME_CACHE_MB', get('TESSERA_FRAME_CACHE_MB') ?? '256', 0, 1_048_576) * 1024 * 1024,
    storageTiers: Object.freeze({
      archiveAfterMs: integer('TESSERA_ARCHIVE_AFTER_SECONDS', get('TESSERA_ARCHIVE_AFTER_SECONDS') ?? String(30 * 86400), 1, 100 * 365 * 86400) * 1000,
      accessFlushIntervalMs: integer('TESSERA_ACCESS_FLUSH_MS', get('TESSERA_ACCESS_FLUSH_MS') ?? '1000', 10, 3_600_000),
      sweepIntervalMs: integer('TESSERA_TIERING_SWEEP_MS', get('TESSERA_TIERING_SWEEP_MS') ?? '60000', 10, 86_400_000),
    }),
    imports: Object.freeze({
      maxFilesPerJob: integer('TESSERA_MAX_FILES_PER_IMPORT_JOB', get('TESSERA_MAX_FILES_PER_IMPORT_JOB') ?? '5000', 1, 10_000_000),
      maxBytesPerJob: integer('TESSERA_MAX_IMPORT_JOB_BYTES', get('TESSERA_MAX_IMPORT_JOB_BYTES') ?? String(10 * GB), 1, Number.MAX_SAFE_INTEGER),
      maxBytesPerFile: integer('TESSERA_MAX_IMPORT_FILE_BYTES', get('TESSERA_MAX_IMPORT_FILE_BYTES') ?? String(10 * GB), 1, Number.MAX_SAFE_INTEGER),
      maxFoldersPerJob: 10_000, // not adjustable at AWS either
      maxConcurrentJobsPerDatastore: integer('TESSERA_MAX_CONCURRENT_IMPORT_JOBS', get('TESSERA_MAX_CONCURRENT_IMPORT_JOBS') ?? '100', 1, 100_000),
      runningJobs: integer('TESSERA_IMPORT_RUNNING_JOBS', get('TESSERA_IMPORT_RUNNING_JOBS') ?? '2', 1, 64),
      codecThreads: integer('TESSERA_CODEC_THREADS', get('TESSERA_CODEC_THREADS') ?? String(Math.max(1, availableParallelism())), 1, 256),
    }),
    events: eventsConfig(get, region),
    audit: Object.freeze({
      maxFileBytes: integer('TESSERA_AUDIT_MAX_FILE_BYTES', get('TESSERA_AUDIT_MAX_FILE_BYTES') ?? String(64 * 1024 * 1024), 1024, Number.MAX_SAFE_INTEGER),
      batchMs: integer('TESSERA_AUDIT_BATCH_MS', get('TESSERA_AUDIT_BATCH_MS') ?? '2', 0, 1000),
    }),
    metrics,
    tls: tlsConfig(get),
    throttling: throttlingConfig(get),
    ...timeoutsConfig(get),
    oidc: oidcConfig(get('TESSERA_OIDC_CONFIG')),
    lambdaAuthorizers: lambdaAuthorizersConfig(get('TESSERA_LAMBDA_AUTHORIZERS')),
  });
}

/** `arn:aws:lambda:…:function:Name=https://host/path,…` */
function lambdaAuthorizersConfig(text: string | undefined): ReadonlyMap<string, string> {
  const endpoints = new Map<string, string>();
  for (const item of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const eq = item.indexOf('=');
    const arn = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || !/^arn:aws(-[a-z-]+)?:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(arn)) {
      fail(`TESSERA_LAMBDA_AUTHORIZERS: '${item}' is not <Lambda function ARN>=<http(s) URL>`);
    }
    endpoints.set(arn, httpUrl('TESSERA_LAMBDA_AUTHORIZERS', item.slice(eq + 1)));
  }
  return endpoints;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Reads and checks the OIDC file: every mistake is named here, at start-up, not at the first token. */
function oidcConfig(path: string | undefined): OidcConfig | undefined {
  if (path === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(`TESSERA_OIDC_CONFIG ${path}: ${(error as Error).message}`);
  }
  const at = (where: string, message: string): never => fail(`TESSERA_OIDC_CONFIG ${path}: ${where} ${message}`);
  const root = json as Record<string, unknown>;
  if (typeof root !== 'object' || root === null || !Array.isArray(root.issuers) || root.issuers.length === 0) at('', 'needs a non-empty "issuers" list');
  const status = root.invalidTokenStatus ?? 401;
  if (status !== 401 && status !== 403) at('invalidTokenStatus', 'must be 401 or 403');
  const skew = root.clockSkewSeconds ?? 60;
  if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0 || skew > 600) at('clockSkewSeconds', 'must be 0-600');
  const issuers = (root.issuers as unknown[]).map((raw, i): OidcIssuerConfig => {
    const where = `issuers[${i}]`;
    const item = (raw ?? {}) as Record<string, unknown>;
    if (typeof item.issuer !== 'string' || item.issuer === '') at(where, 'needs "issuer"');
    const audiences = typeof item.audience === 'string' ? [item.audience] : item.audience;
    if (!Array.isArray(audiences) || audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) at(where, 'needs "audience" (a string or a list)');
    if ((item.jwksFile === undefined) === (item.jwksUrl === undefined)) at(where, 'needs exactly one of "jwksFile" and "jwksUrl"');
    if (item.jwksUrl !== undefined && !/^https?:\/\//.test(String(item.jwksUrl))) at(where, '"jwksUrl" must be an http(s) URL');
    const mappings = item.roleMappings ?? [];
    if (!Array.isArray(mappings)) at(where, '"roleMappings" must be a list');
    const roleMappings = (mappings as Record<string, unknown>[]).map((m, j) => {
      if (typeof m?.claim !== 'string' || typeof m.value !== 'string' || typeof m.role !== 'string' || !ROLE_NAME.test(m.role)) {
        at(`${where}.roleMappings[${j}]`, 'needs "claim", "value" and a role name in "role"');
      }
      return Object.freeze({ claim: m.claim as string, value: m.value as string, role: m.role as string });
    });
    if (item.defaultRole !== undefined && (typeof item.defaultRole !== 'string' || !ROLE_NAME.test(item.defaultRole))) at(where, '"defaultRole" must be a role name');
    const maxAge = item.maxTokenAgeSeconds ?? 43_200;
    if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 1 || maxAge > 43_200) at(where, '"maxTokenAgeSeconds" must be 1-43200 (AWS allows 12 hours at most)');
    return Object.freeze({
      issuer: item.issuer as string,
      audiences: Object.freeze([...(audiences as string[])]),
      jwks: item.jwksFile !== undefined ? { file: resolve(dirname(path), String(item.jwksFile)) } : { url: String(item.jwksUrl) },
      roleMappings: Object.freeze(roleMappings),
      defaultRole: item.defaultRole as string | undefined,
      maxTokenAgeSeconds: maxAge as number,
    });
  });
  return Object.freeze({ issuers: Object.freeze(issuers), invalidTokenStatus: status as 401 | 403, clockSkewSeconds: skew as number });
}

function timeoutsConfig(get: (name: string) => string | undefined): Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs'> {
  const requestTimeoutMs = integer('TESSERA_REQUEST_TIMEOUT_MS', get('TESSERA_REQUEST_TIMEOUT_MS') ?? '300000', 1000, 86_400_000);
  const headersTimeoutMs = integer('TESSERA_HEADERS_TIMEOUT_MS', get('TESSERA_HEADERS_TIMEOUT_MS') ?? '20000', 500, 600_000);
  if (headersTimeoutMs >= requestTimeoutMs) fail('TESSERA_HEADERS_TIMEOUT_MS must be below TESSERA_REQUEST_TIMEOUT_MS');
  return { requestTimeoutMs, headersTimeoutMs };
}

/** TESSERA_THROTTLING on|off; TESSERA_THROTTLE_LIMITS `GetImageFrame=500/1000,GetDatastore=5/10` (rate per second / burst). */
function throttlingConfig(get: (name: string) => string | undefined): Config['throttling'] {
  const enabled = get('TESSERA_THROTTLING') ?? 'on';
  if (enabled !== 'on' && enabled !== 'off') fail(`TESSERA_THROTTLING must be on or off, got '${enabled}'`);
  const limits: Record<string, { ratePerSecond: number; burst: number }> = {};
  for (const item of (get('TESSERA_THROTTLE_LIMITS') ?? '').split(',').map((text) => text.trim()).filter((text) => text !== '')) {
    const found = /^([A-Za-z]+)=(\d+(?:\.\d+)?)\/(\d+)$/.exec(item);
    if (found === null) fail(`TESSERA_THROTTLE_LIMITS: '${item}' is not Action=rate/burst (e.g. GetImageFrame=500/1000)`);
    const ratePerSecond = Number(found[2]);
    const burst = Number(found[3]);
    if (ratePerSecond <= 0 || burst < 1) fail(`TESSERA_THROTTLE_LIMITS: '${item}' needs a rate above 0 and a burst of at least 1`);
    limits[found[1]!] = Object.freeze({ ratePerSecond, burst });
  }
  return Object.freeze({ isEnabled: enabled === 'on', limits: Object.freeze(limits) });
}

function tlsConfig(get: (name: string) => string | undefined): TlsConfig | undefined {
  const certPath = get('TESSERA_TLS_CERT');
  const keyPath = get('TESSERA_TLS_KEY');
  if ((certPath === undefined) !== (keyPath === undefined)) fail('TESSERA_TLS_CERT and TESSERA_TLS_KEY must be set together');
  return certPath === undefined ? undefined : Object.freeze({ certPath, keyPath: keyPath! });
}

const GB = 1024 * 1024 * 1024;

function s3Config(get: (name: string) => string | undefined, region: string): S3Config | undefined {
  const endpoint = get('TESSERA_S3_ENDPOINT');
  if (endpoint === undefined) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) fail(`TESSERA_S3_ENDPOINT must be an http(s) URL without a path, got '${endpoint}'`);
  const accessKeyId = get('TESSERA_S3_ACCESS_KEY_ID');
  const secretAccessKey = get('TESSERA_S3_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined || secretAccessKey === undefined) fail('TESSERA_S3_ENDPOINT needs TESSERA_S3_ACCESS_KEY_ID and TESSERA_S3_SECRET_ACCESS_KEY');
  const pathStyle = get('TESSERA_S3_FORCE_PATH_STYLE') ?? 'true';
  if (pathStyle !== 'true' && pathStyle !== 'false') fail('TESSERA_S3_FORCE_PATH_STYLE must be true or false');
  return Object.freeze({ endpoint, region: get('TESSERA_S3_REGION') ?? region, accessKeyId, secretAccessKey, forcePathStyle: pathStyle === 'true' });
}

function eventsConfig(get: (name: string) => string | undefined, region: string): EventsConfig {
  const log = get('TESSERA_EVENT_LOG') ?? 'false';
  if (log !== 'true' && log !== 'false') fail('TESSERA_EVENT_LOG must be true or false');

  const webhookUrls = (get('TESSERA_EVENT_WEBHOOKS') ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => httpUrl('TESSERA_EVENT_WEBHOOKS', url));
  if (new Set(webhookUrls).size !== webhookUrls.length) fail('TESSERA_EVENT_WEBHOOKS lists the same URL twice');
  const webhookSecret = get('TESSERA_EVENT_WEBHOOK_SECRET');
  if (webhookUrls.length > 0 && webhookSecret === undefined) fail('TESSERA_EVENT_WEBHOOKS needs TESSERA_EVENT_WEBHOOK_SECRET (the HMAC key of X-Tessera-Signature)');
  if (webhookSecret !== undefined && webhookSecret.length < 16) fail('TESSERA_EVENT_WEBHOOK_SECRET must be at least 16 characters');

  const retryBaseMs = integer('TESSERA_EVENT_RETRY_BASE_MS', get('TESSERA_EVENT_RETRY_BASE_MS') ?? '1000', 1, 3_600_000);
  const retryMaxMs = integer('TESSERA_EVENT_RETRY_MAX_MS', get('TESSERA_EVENT_RETRY_MAX_MS') ?? '60000', 1, 86_400_000);
  if (retryMaxMs < retryBaseMs) fail('TESSERA_EVENT_RETRY_MAX_MS must not be below TESSERA_EVENT_RETRY_BASE_MS');

  return Object.freeze({
    isLogEnabled: log === 'true',
    webhookUrls: Object.freeze(webhookUrls),
    webhookSecret,
    eventBridge: eventBridgeConfig(get, region),
    maxAttempts: integer('TESSERA_EVENT_MAX_ATTEMPTS', get('TESSERA_EVENT_MAX_ATTEMPTS') ?? '8', 1, 1000),
    pollIntervalMs: integer('TESSERA_EVENT_POLL_MS', get('TESSERA_EVENT_POLL_MS') ?? '200', 10, 3_600_000),
    retryBaseMs,
    retryMaxMs,
  });
}

function eventBridgeConfig(get: (name: string) => string | undefined, region: string): EventBridgeConfig | undefined {
  const endpoint = get('TESSERA_EVENTBRIDGE_ENDPOINT');
  if (endpoint === undefined) return undefined;
  const accessKeyId = get('TESSERA_EVENTBRIDGE_ACCESS_KEY_ID');
  const secretAccessKey = get('TESSERA_EVENTBRIDGE_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    fail('TESSERA_EVENTBRIDGE_ENDPOINT needs TESSERA_EVENTBRIDGE_ACCESS_KEY_ID and TESSERA_EVENTBRIDGE_SECRET_ACCESS_KEY');
  }
  const busName = get('TESSERA_EVENTBRIDGE_BUS') ?? 'default';
  // An event bus name (PutEvents EventBusName: [/\.\-_A-Za-z0-9]+, 1-256) or an event bus ARN.
  if (!/^(?:[/.\-_A-Za-z0-9]{1,256}|arn:[\w-]+:events:[\w-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256})$/.test(busName)) {
    fail(`TESSERA_EVENTBRIDGE_BUS '${busName}' is not an event bus name or ARN`);
  }
  const busRegion = get('TESSERA_EVENTBRIDGE_REGION') ?? region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(busRegion)) fail(`TESSERA_EVENTBRIDGE_REGION '${busRegion}' is not a region name like us-east-1`);
  const source = get('TESSERA_EVENTBRIDGE_SOURCE');
  if (source !== undefined && !/^[.\-_A-Za-z0-9]{1,256}$/.test(source)) fail(`TESSERA_EVENTBRIDGE_SOURCE '${source}' is not a valid event source`);
  return Object.freeze({ endpoint: httpUrl('TESSERA_EVENTBRIDGE_ENDPOINT', endpoint), busName, region: busRegion, source, accessKeyId, secretAccessKey });
}

/** An absolute http(s) URL without user info (fetch refuses credentials in URLs), in normalised form. */
function httpUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(`${name}: '${text}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${name}: '${text}' must be an http or https URL`);
  if (url.username !== '' || url.password !== '') fail(`${name}: '${url.host}' URL must not contain user:password`);
  url.hash = '';
  return url.href;
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) fail(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) fail(`flag ${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set([
    'host', 'port', 'data-dir', 'region', 'account-id', 'admin-access-key-id', 'admin-secret-access-key', 'log-level',
    'clock-skew-seconds', 'datastore-transition-delay-ms', 'deleted-datastore-retention-seconds', 'max-active-datastores',
    'max-request-body-bytes', 'idempotency-window-seconds', 's3-endpoint', 's3-region', 's3-access-key-id', 's3-secret-access-key',
    's3-force-path-style', 'max-files-per-import-job', 'max-import-job-bytes', 'max-import-file-bytes', 'max-concurrent-import-jobs',
    'import-running-jobs', 'codec-threads', 'archive-after-seconds', 'frame-cache-mb', 'access-flush-ms', 'tiering-sweep-ms',
    'event-log', 'event-webhooks', 'event-webhook-secret', 'event-max-attempts', 'event-poll-ms', 'event-retry-base-ms',
    'event-retry-max-ms', 'eventbridge-endpoint', 'eventbridge-bus', 'eventbridge-region', 'eventbridge-source',
    'eventbridge-access-key-id', 'eventbridge-secret-access-key', 'audit-max-file-bytes', 'audit-batch-ms', 'metrics',
    'tls-cert', 'tls-key', 'throttling', 'throttle-limits', 'request-timeout-ms', 'headers-timeout-ms', 'oidc-config', 'lambda-authorizers',
    'max-concurrent-updates', 'max-concurrent-copies', 'max-concurrent-deletes', 'max-frames-per-copy', 'update-payload-bytes',
    'image-set-change-delay-ms', 'max-metadata-bytes',
  ]);
  for (const name of flags.keys()) if (!known.has(name)) fail(`unknown flag --${name}`);
  return flags;
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text)) fail(`${name} must be an integer, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) fail(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function fail(message: string): never {
  throw new ConfigError(message);
}
