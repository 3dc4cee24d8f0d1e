// AWS Signature Version 4 verification (Authorization header and presigned query) per wire contract §7.
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../api/errors.js';
import { decodeAwsChunked, isAwsChunked, STREAMING_SIGNED_PAYLOAD } from './aws-chunked.js';
import {
  canonicalHeaderValue,
  canonicalQueryString,
  canonicalUri,
  formatAmzDate,
  parseAmzDate,
  parseQuery,
  type QueryParam,
} from './sigv4-canonical.js';

export interface SigV4Request {
  method: string;
  rawPath: string;   // path exactly as received, still percent-encoded, without the query
  rawQuery: string;  // query string as received, without '?', '' when none
  headers: Readonly<Record<string, string | string[] | undefined>>; // Node's req.headers (lower-case names)
  body: Buffer;      // raw body bytes (empty buffer when none)
  /**
   * Given only by routes that take bodies signed with STREAMING-AWS4-HMAC-SHA256-PAYLOAD (STOW-RS): called with the
   * payload (chunk-decoded, every chunk signature checked; or the body itself when it is not chunk-framed). Other
   * routes refuse that signing mode.
   */
  onStreamingPayload?: (payload: Buffer) => void;
}

export type SecretLookup<P> = (accessKeyId: string, sessionToken: string | undefined) =>
  Promise<{ secretAccessKey: string; principal: P } | undefined>;

export interface VerifiedRequest<P> {
  accessKeyId: string; region: string; principal: P; signedAt: Date; isPresigned: boolean; sessionToken?: string;
}

export interface SigV4VerifierOptions<P> {
  service: string;            // 'medical-imaging'
  region: string;             // the only region this server serves
  clockSkewMs: number;        // 5 minutes by default in the server
  maxPresignExpiresSeconds?: number; // default 604800 (7 days)
  lookupSecret: SecretLookup<P>;
  now?: () => number;         // ms since epoch; default Date.now
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const DEFAULT_MAX_PRESIGN_EXPIRES = 604_800;
// Entries are per (secret, day): a few hundred covers any realistic key population, and a miss costs only 4 HMACs.
const SIGNING_KEY_CACHE_MAX = 512;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
const CONTENT_SHA256_MISMATCH = "The provided 'x-amz-content-sha256' header does not match what was computed.";
const PRESIGN_REQUIRED =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

const HEX_SIGNATURE = /^[0-9a-f]{64}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
/** RFC 9110 token characters, lower-case only: header names as every signer writes them. */
const SIGNED_HEADERS = /^[!#$%&'*+\-.^_`|~0-9a-z]+(?:;[!#$%&'*+\-.^_`|~0-9a-z]+)*$/;
const SCOPE_DATE = /^\d{8}$/;

const Q_ALGORITHM = 'X-Amz-Algorithm';
const Q_CREDENTIAL = 'X-Amz-Credential';
const Q_DATE = 'X-Amz-Date';
const Q_EXPIRES = 'X-Amz-Expires';
const Q_SIGNED_HEADERS = 'X-Amz-SignedHeaders';
const Q_SIGNATURE = 'X-Amz-Signature';
const Q_SECURITY_TOKEN = 'X-Amz-Security-Token';
const Q_CONTENT_SHA256 = 'X-Amz-Content-Sha256';
/** Query parameters the presigned form reads (canonical keys equal the names: all unreserved). */
const PRESIGN_PARAMS: ReadonlySet<string> = new Set([
  Q_ALGORITHM, Q_CREDENTIAL, Q_DATE, Q_EXPIRES, Q_SIGNED_HEADERS, Q_SIGNATURE, Q_SECURITY_TOKEN, Q_CONTENT_SHA256,
]);

/** `<access key id>/<date>/<region>/<service>/<terminator>`, split. */
interface Credential {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
}

/** What either form yields before the secret is known. */
interface ParsedAuth {
  credential: Credential;
  signedHeaders: string;
  signedHeaderNames: string[];
  signature: string;
  amzDate: string;
  signedAtMs: number;
  sessionToken: string | undefined;
  /** Declared payload hash (x-amz-content-sha256 header, or the hoisted query parameter when presigned). */
  declaredPayloadHash: string | undefined;
  /** Seconds; only for the presigned form. */
  expiresSeconds: number | undefined;
}

function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.join(',');
}

/** One-shot hashing (Node ≥ 20.12): cheaper than a Hash object on the per-request path. */
function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function describeSkew(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${ms / 1000} s.`;
}

function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new IncompleteSignatureException(`Query parameter '${name}' is not validly percent-encoded.`);
  }
}

export class SigV4Verifier<P> {
  private readonly service: string;
  private readonly region: string;
  private readonly clockSkewMs: number;
  private readonly maxPresignExpiresSeconds: number;
  private readonly lookupSecret: SecretLookup<P>;
  private readonly now: () => number;
  /** kSigning by sha256(secret)/date/region/service, in least-recently-used order. */
  private readonly signingKeys = new Map<string, Buffer>();

  constructor(options: SigV4VerifierOptions<P>) {
    this.service = options.service;
    this.region = options.region;
    this.clockSkewMs = options.clockSkewMs;
    this.maxPresignExpiresSeconds = options.maxPresignExpiresSeconds ?? DEFAULT_MAX_PRESIGN_EXPIRES;
    this.lookupSecret = options.lookupSecret;
    this.now = options.now ?? Date.now;
  }

  async verify(request: SigV4Request): Promise<VerifiedRequest<P>> {
    const query = parseQuery(request.rawQuery);
    const authorization = request.headers.authorization;
    // X-Amz-Algorithm/Credential/Signature mark a presigned request; the other X-Amz-* names are too generic.
    const presigned = query.some((p) => p.key === Q_SIGNATURE || p.key === Q_CREDENTIAL || p.key === Q_ALGORITHM);
    if (authorization === undefined && !presigned) throw new MissingAuthenticationTokenException();
    if (authorization !== undefined && presigned) {
      throw new IncompleteSignatureException(
        'Only one authentication mechanism is allowed: the Authorization header or the X-Amz-* query parameters, not both.');
    }

    const auth = authorization !== undefined
      ? this.parseAuthorizationHeader(authorization, request.headers)
      : this.parsePresignedQuery(query, request.headers);
    this.checkScope(auth);
    this.checkClock(auth);

    const cred = auth.credential;
    const found = await this.lookupSecret(cred.accessKeyId, auth.sessionToken);
    if (found === undefined) throw new UnrecognizedClientException();

    const declared = auth.declaredPayloadHash;
    const isStreaming = declared === STREAMING_SIGNED_PAYLOAD;
    if (isStreaming && (request.onStreamingPayload === undefined || auth.expiresSeconds !== undefined)) {
      throw new InvalidSignatureException(`x-amz-content-sha256: ${STREAMING_SIGNED_PAYLOAD} is accepted only on STOW-RS requests signed in the Authorization header.`);
    }
    // The body is hashed only when the signature covers it (STOW-RS bodies may be a gigabyte).
    const bodyHash = declared === UNSIGNED_PAYLOAD || isStreaming ? UNSIGNED_PAYLOAD : request.body.length === 0 ? EMPTY_SHA256 : sha256Hex(request.body);
    if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && !isStreaming &&
        (!HEX_SHA256.test(declared) || declared.toLowerCase() !== bodyHash)) {
      throw new InvalidSignatureException(CONTENT_SHA256_MISMATCH);
    }

    let canonicalHeaders = '';
    for (const name of auth.signedHeaderNames) {
      canonicalHeaders += `${name}:${canonicalHeaderValue(request.headers[name])}\n`;
    }
    // Everything but the payload hash, so a second candidate costs only the hashing.
    const canonicalPrefix = `${request.method}\n${canonicalUri(request.rawPath)}\n` +
      `${canonicalQueryString(query, auth.expiresSeconds === undefined ? undefined : Q_SIGNATURE)}\n` +
      `${canonicalHeaders}\n${auth.signedHeaders}\n`;
    const scope = `${cred.scopeDate}/${cred.scopeRegion}/${cred.scopeService}/${TERMINATOR}`;
    const signingKey = this.signingKey(found.secretAccessKey, cred.scopeDate, cred.scopeRegion);
    // A malformed signature cannot match; decoding it only when well-formed keeps lengths equal for timingSafeEqual.
    const provided = HEX_SIGNATURE.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined;

    const matches = (payloadHash: string): boolean => {
      if (provided === undefined) return false;
      const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${scope}\n${sha256Hex(canonicalPrefix + payloadHash)}`;
      return timingSafeEqual(hmac(signingKey, stringToSign), provided);
    };

    let ok = matches(declared ?? bodyHash);
    // S3-style presigners sign the literal UNSIGNED-PAYLOAD instead of the (empty) body's hash.
    if (!ok && declared === undefined && auth.expiresSeconds !== undefined && request.body.length === 0) {
      ok = matches(UNSIGNED_PAYLOAD);
    }
    if (!ok) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    if (isStreaming) request.onStreamingPayload!(this.streamingPayload(request, { signingKey, amzDate: auth.amzDate, scope, seedSignature: auth.signature }));

    const verified: VerifiedRequest<P> = {
      accessKeyId: cred.accessKeyId,
      region: cred.scopeRegion,
      principal: found.principal,
      signedAt: new Date(auth.signedAtMs),
      isPresigned: auth.expiresSeconds !== undefined,
    };
    if (auth.sessionToken !== undefined) verified.sessionToken = auth.sessionToken;
    return verified;
  }

  /** The payload of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD request whose seed signature matched. */
  private streamingPayload(request: SigV4Request, signing: Parameters<typeof decodeAwsChunked>[1]): Buffer {
    const payload = isAwsChunked(request.body, request.headers['content-encoding']) ? decodeAwsChunked(request.body, signing) : request.body;
    const declaredLength = headerValue(request.headers, 'x-amz-decoded-content-length');
    if (declaredLength !== undefined && declaredLength.trim() !== String(payload.length)) {
      throw new IncompleteSignatureException(`x-amz-decoded-content-length is ${declaredLength} but the payload has ${payload.length} bytes.`);
    }
    return payload;
  }

  private parseAuthorizationHeader(value: string | string[], headers: SigV4Request['headers']): ParsedAuth {
    if (typeof value !== 'string') {
      if (value.length !== 1) throw new IncompleteSignatureException('Exactly one Authorization header is allowed.');
      value = value[0];
    }
    const trimmed = value.trim();
    const space = trimmed.search(/\s/);
    const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
    if (algorithm === '') {
      throw new IncompleteSignatureException(
        `Authorization header is empty; expected '${ALGORITHM} Credential=..., SignedHeaders=..., Signature=...'.`);
    }
    if (algorithm !== ALGORITHM) {
      throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${algorithm}'; only '${ALGORITHM}' is accepted.`);
    }

    let credential: string | undefined;
    let signedHeaders: string | undefined;
    let signature: string | undefined;
    const rest = space < 0 ? '' : trimmed.slice(space + 1);
    for (const part of rest.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq < 0) {
        throw new IncompleteSignatureException(
          `'${item}' not a valid key=value pair (missing equal-sign) in Authorization header.`);
      }
      const key = item.slice(0, eq);
      const val = item.slice(eq + 1);
      const duplicate = key === 'Credential' ? credential !== undefined
        : key === 'SignedHeaders' ? signedHeaders !== undefined
        : key === 'Signature' ? signature !== undefined
        : false;
      if (duplicate) throw new IncompleteSignatureException(`Authorization header has more than one '${key}' parameter.`);
      if (key === 'Credential') credential = val;
      else if (key === 'SignedHeaders') signedHeaders = val;
      else if (key === 'Signature') signature = val;
      // Other keys are ignored, as AWS does.
    }
    const missing: string[] = [];
    if (credential === undefined) missing.push("Authorization header requires 'Credential' parameter.");
    if (signature === undefined) missing.push("Authorization header requires 'Signature' parameter.");
    if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
    const amzDate = headerValue(headers, 'x-amz-date');
    if (amzDate === undefined) missing.push("Authorization header requires existence of a 'X-Amz-Date' header.");
    if (missing.length > 0) throw new IncompleteSignatureException(missing.join(' '));

    const names = this.parseSignedHeaders(signedHeaders!, 'SignedHeaders');
    if (!names.includes('x-amz-date')) {
      throw new IncompleteSignatureException("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const sessionToken = headerValue(headers, 'x-amz-security-token');
    // An unsigned token could be swapped in transit; both SDKs always sign it.
    if (sessionToken !== undefined && !names.includes('x-amz-security-token')) {
      throw new IncompleteSignatureException("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
    }
    // Built as one literal: spreading into it was measurably slower on this hot path.
    return {
      credential: this.parseCredential(credential!),
      signedHeaders: signedHeaders!,
      signedHeaderNames: names,
      signature: signature!,
      amzDate: amzDate!,
      signedAtMs: this.parseDate(amzDate!, 'X-Amz-Date header'),
      sessionToken,
      declaredPayloadHash: headerValue(headers, 'x-amz-content-sha256'),
      expiresSeconds: undefined,
    };
  }

  private parsePresignedQuery(query: readonly QueryParam[], headers: SigV4Request['headers']): ParsedAuth {
    const values = new Map<string, string>();
    for (const p of query) {
      if (!PRESIGN_PARAMS.has(p.key)) continue;
      if (values.has(p.key)) throw new IncompleteSignatureException(`Query parameter '${p.key}' must appear only once.`);
      values.set(p.key, decodeParam(p.key, p.rawValue));
    }
    const algorithm = values.get(Q_ALGORITHM);
    const credential = values.get(Q_CREDENTIAL);
    const amzDate = values.get(Q_DATE);
    const expires = values.get(Q_EXPIRES);
    const signedHeaders = values.get(Q_SIGNED_HEADERS);
    const signature = values.get(Q_SIGNATURE);
    if (algorithm === undefined || credential === undefined || amzDate === undefined || expires === undefined ||
        signedHeaders === undefined || signature === undefined) {
      throw new IncompleteSignatureException(PRESIGN_REQUIRED);
    }
    if (algorithm !== ALGORITHM) {
      throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${algorithm}'; only '${ALGORITHM}' is accepted.`);
    }
    if (!/^\d{1,10}$/.test(expires)) {
      throw new IncompleteSignatureException(`X-Amz-Expires must be a whole number of seconds, not '${expires}'.`);
    }
    const expiresSeconds = Number(expires);
    if (expiresSeconds < 1 || expiresSeconds > this.maxPresignExpiresSeconds) {
      throw new InvalidSignatureException(
        `X-Amz-Expires must be between 1 and ${this.maxPresignExpiresSeconds} seconds, not ${expiresSeconds}.`);
    }
    return {
      credential: this.parseCredential(credential),
      signedHeaders,
      signedHeaderNames: this.parseSignedHeaders(signedHeaders, 'X-Amz-SignedHeaders'),
      signature,
      amzDate,
      signedAtMs: this.parseDate(amzDate, 'X-Amz-Date query parameter'),
      sessionToken: values.get(Q_SECURITY_TOKEN),
      // When the signer hoisted x-amz-content-sha256 into the query, that value is what it signed.
      declaredPayloadHash: headerValue(headers, 'x-amz-content-sha256') ?? values.get(Q_CONTENT_SHA256),
      expiresSeconds,
    };
  }

  private parseSignedHeaders(value: string, label: string): string[] {
    if (!SIGNED_HEADERS.test(value)) {
      throw new IncompleteSignatureException(
        `${label} must be a ';'-separated list of lower-case header names, not '${value}'.`);
    }
    const names = value.split(';');
    if (!names.includes('host')) {
      throw new IncompleteSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
    }
    return names;
  }

  private parseCredential(credential: string): Credential {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[0] === '' || parts[2] === '') {
      throw new IncompleteSignatureException(
        `Credential must have the form '<access key id>/<yyyymmdd>/<region>/${this.service}/${TERMINATOR}', not '${credential}'.`);
    }
    return {
      accessKeyId: parts[0], scopeDate: parts[1], scopeRegion: parts[2], scopeService: parts[3], scopeTerminator: parts[4],
    };
  }

  private parseDate(value: string, label: string): number {
    const ms = parseAmzDate(value);
    if (ms === undefined) {
      throw new IncompleteSignatureException(`Invalid ${label} '${value}': expected yyyyMMdd'T'HHmmss'Z'.`);
    }
    return ms;
  }

  private checkScope(auth: ParsedAuth): void {
    const c = auth.credential;
    if (c.scopeTerminator !== TERMINATOR) {
      throw new IncompleteSignatureException(
        `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${c.scopeTerminator}'.`);
    }
    if (c.scopeService !== this.service) {
      throw new IncompleteSignatureException(`Credential should be scoped to correct service: '${this.service}'.`);
    }
    if (!SCOPE_DATE.test(c.scopeDate) || c.scopeDate !== auth.amzDate.slice(0, 8)) {
      throw new IncompleteSignatureException(
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
        `'${c.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from 'X-Amz-Date'.`);
    }
    if (c.scopeRegion !== this.region) {
      throw new InvalidSignatureException(`Credential should be scoped to a valid region, not '${c.scopeRegion}'.`);
    }
  }

  private checkClock(auth: ParsedAuth): void {
    const now = this.now();
    const skew = this.clockSkewMs;
    if (auth.signedAtMs > now + skew) {
      throw new InvalidSignatureException(
        `Signature expired: ${auth.amzDate} is now later than ${formatAmzDate(now + skew)} ` +
        `(${formatAmzDate(now)} + ${describeSkew(skew)})`);
    }
    if (auth.expiresSeconds === undefined) {
      if (auth.signedAtMs < now - skew) {
        throw new InvalidSignatureException(
          `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - skew)} ` +
          `(${formatAmzDate(now)} - ${describeSkew(skew)})`);
      }
      return;
    }
    // A presigned URL is meant to be used later, so only its own expiry bounds the past.
    const expiresAt = auth.signedAtMs + auth.expiresSeconds * 1000;
    if (now > expiresAt) {
      throw new InvalidSignatureException(
        `Signature expired: the presigned request expired at ${formatAmzDate(expiresAt)} ` +
        `(X-Amz-Date ${auth.amzDate} + X-Amz-Expires ${auth.expiresSeconds} s); it is now ${formatAmzDate(now)}.`);
    }
  }

  private signingKey(secret: string, date: string, region: string): Buffer {
    // Keyed on a digest so the cache never holds secrets; the digest is far cheaper than the 4-HMAC derivation.
    const cacheKey = `${hash('sha256', secret, 'base64')}/${date}/${region}/${this.service}`;
    const cached = this.signingKeys.get(cacheKey);
    if (cached !== undefined) {
      this.signingKeys.delete(cacheKey); // re-insert to mark as most recently used
      this.signingKeys.set(cacheKey, cached);
      return cached;
    }
    const kDate = hmac(`AWS4${secret}`, date);
    const kRegion = hmac(kDate, region);
    const kService = hmac(kRegion, this.service);
    const kSigning = hmac(kService, TERMINATOR);
    if (this.signingKeys.size >= SIGNING_KEY_CACHE_MAX) {
      this.signingKeys.delete(this.signingKeys.keys().next().value!);
    }
    this.signingKeys.set(cacheKey, kSigning);
    return kSigning;
  }
}
