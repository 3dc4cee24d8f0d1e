// Tests for the SigV4 verifier against real signatures from the AWS JS signer (@smithy/signature-v4).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import {
  ApiError,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../api/errors.js';
import { SigV4Verifier, type SigV4Request, type SigV4VerifierOptions } from './sigv4-verifier.js';
import { canonicalHeaderValue, canonicalQueryString, canonicalUri, parseQuery, recodeComponent } from './sigv4-canonical.js';

const SERVICE = 'medical-imaging';
const REGION = 'us-east-1';
const HOST = '127.0.0.1:18080';
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/odd=chars';
const NOW = Date.parse('2026-11-28T15:00:00Z');
const FIVE_MIN = 5 * 60_000;
const ARN_PATH = '/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F12345678901234567890123456789012';
const DATASTORE_ID = '12345678901234567890123456789012';

/** The request shape the smithy signer takes (structurally @smithy/types HttpRequest). */
interface WireRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

interface Principal { user: string }

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function signer(opts: { service?: string; region?: string; sessionToken?: string; secret?: string; applyChecksum?: boolean } = {}): SignatureV4 {
  return new SignatureV4({
    service: opts.service ?? SERVICE,
    region: opts.region ?? REGION,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: opts.applyChecksum ?? true,
    credentials: {
      accessKeyId: AKID,
      secretAccessKey: opts.secret ?? SECRET,
      ...(opts.sessionToken === undefined ? {} : { sessionToken: opts.sessionToken }),
    },
  });
}

/** escapeUri as the SDK's query builder applies it (RFC 3986). */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Builds the wire query the way @smithy's buildQueryString does (sorted keys, repeated keys for lists). */
function wireQuery(query: WireRequest['query']): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (Array.isArray(value)) for (const v of value) parts.push(`${escapeUri(key)}=${escapeUri(v)}`);
    else if (value === null) parts.push(escapeUri(key));
    else parts.push(`${escapeUri(key)}=${escapeUri(value)}`);
  }
  return parts.join('&');
}

/** What the server would see for this signed request (Node lower-cases header names). */
function toSigV4Request(signed: WireRequest, body: Buffer | string = Buffer.alloc(0)): SigV4Request {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: wireQuery(signed.query),
    headers,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/** Headers as the JS v3 SDK sends them (x-amz-content-sha256 is added by the signer). */
function jsHeaders(body?: string): Record<string, string> {
  return {
    host: HOST,
    'amz-sdk-invocation-id': '0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b',
    'amz-sdk-request': 'attempt=1; max=3',
    'x-amz-user-agent': 'aws-sdk-js/3.958.0',
    'user-agent': 'aws-sdk-js/3.958.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.19.0 api/medical-imaging#3.958.0',
    ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
  };
}

function wire(method: string, path: string, headers: Record<string, string>, query: WireRequest['query'] = {}, body?: string): WireRequest {
  return { method, protocol: 'http:', hostname: '127.0.0.1', port: 18080, path, query, headers, ...(body === undefined ? {} : { body }) };
}

async function sign(request: WireRequest, opts: Parameters<typeof signer>[0] & { at?: number; unsignable?: string[] } = {}): Promise<WireRequest> {
  const signed = await signer(opts).sign(request, {
    signingDate: new Date(opts.at ?? NOW),
    ...(opts.unsignable === undefined ? {} : { unsignableHeaders: new Set(opts.unsignable) }),
  });
  return signed as WireRequest;
}

async function presign(request: WireRequest, opts: Parameters<typeof signer>[0] & { at?: number; expiresIn?: number } = {}): Promise<WireRequest> {
  const signed = await signer(opts).presign(request, { signingDate: new Date(opts.at ?? NOW), expiresIn: opts.expiresIn ?? 3600 });
  return signed as WireRequest;
}

function verifier(overrides: Partial<SigV4VerifierOptions<Principal>> = {}): {
  v: SigV4Verifier<Principal>; lookups: Array<[string, string | undefined]>;
} {
  const lookups: Array<[string, string | undefined]> = [];
  const v = new SigV4Verifier<Principal>({
    service: SERVICE,
    region: REGION,
    clockSkewMs: FIVE_MIN,
    now: () => NOW,
    lookupSecret: async (akid, token) => {
      lookups.push([akid, token]);
      return akid === AKID ? { secretAccessKey: SECRET, principal: { user: 'alice' } } : undefined;
    },
    ...overrides,
  });
  return { v, lookups };
}

async function rejects(
  promise: Promise<unknown>,
  errorClass: new (...args: never[]) => ApiError,
  message: RegExp | string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';

describe('SigV4Verifier: accepted requests', () => {
  test('AWS test-suite vector get-vanilla (independent of the smithy signer)', async () => {
    const { v } = verifier({ service: 'service', now: () => Date.parse('2015-08-30T12:36:00Z') });
    const result = await v.verify({
      method: 'GET',
      rawPath: '/',
      rawQuery: '',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    });
    assert.equal(result.accessKeyId, 'AKIDEXAMPLE');
  });

  test('JS-style GET', async () => {
    const signed = await sign(wire('GET', `/datastore/${DATASTORE_ID}`, jsHeaders()));
    assert.match(signed.headers.authorization,
      /SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent,/);
    const { v, lookups } = verifier();
    const result = await v.verify(toSigV4Request(signed));
    assert.deepEqual(result, {
      accessKeyId: AKID, region: REGION, principal: { user: 'alice' }, signedAt: new Date(NOW), isPresigned: false,
    });
    assert.deepEqual(lookups, [[AKID, undefined]]);
  });

  test('JS-style POST with JSON body and x-amz-content-sha256', async () => {
    const body = '{"datastoreName":"brain","clientToken":"c8f0d7e5-0b1a-4c3d-9e8f-7a6b5c4d3e2f"}';
    const signed = await sign(wire('POST', '/datastore', jsHeaders(body), {}, body));
    assert.equal(signed.headers['x-amz-content-sha256'], sha256Hex(body));
    assert.match(signed.headers.authorization, /SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent,/);
    const { v } = verifier();
    const result = await v.verify(toSigV4Request(signed, body));
    assert.equal(result.principal.user, 'alice');
    // Verifying the same request again exercises the signing-key cache.
    assert.equal((await v.verify(toSigV4Request(signed, body))).accessKeyId, AKID);
  });

  test('botocore-style POST without x-amz-content-sha256', async () => {
    const body = '{"datastoreName": "brain", "clientToken": "c8f0d7e5-0b1a-4c3d-9e8f-7a6b5c4d3e2f"}';
    const headers = {
      host: HOST,
      'accept-encoding': 'identity',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'amz-sdk-invocation-id': '6a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      'amz-sdk-request': 'attempt=1',
      'user-agent': 'aws-cli/2.9.19 Python/3.11 botocore/2.0.0',
    };
    const signed = await sign(wire('POST', '/datastore', headers, {}, body), {
      applyChecksum: false, unsignable: ['accept-encoding', 'content-length', 'amz-sdk-invocation-id', 'amz-sdk-request'],
    });
    assert.equal(signed.headers['x-amz-content-sha256'], undefined);
    assert.match(signed.headers.authorization, /SignedHeaders=content-type;host;x-amz-date,/);
    const { v } = verifier();
    assert.equal((await v.verify(toSigV4Request(signed, body))).accessKeyId, AKID);
  });

  test('path with an encoded ARN (double encoding in the canonical URI)', async () => {
    const signed = await sign(wire('GET', ARN_PATH, jsHeaders()));
    const { v } = verifier();
    assert.equal((await v.verify(toSigV4Request(signed))).region, REGION);
  });

  test('repeated query keys and values needing encoding, in any order on the wire', async () => {
    const query = { tagKeys: ['a b', 'env'], nextToken: 'a b+c/=' };
    const signed = await sign(wire('DELETE', ARN_PATH, jsHeaders(), query));
    const { v } = verifier();
    const request = toSigV4Request(signed);
    assert.equal(request.rawQuery, 'nextToken=a%20b%2Bc%2F%3D&tagKeys=a%20b&tagKeys=env');
    await v.verify(request);
    // botocore keeps model order; the verifier sorts regardless.
    await v.verify({ ...request, rawQuery: 'tagKeys=env&tagKeys=a%20b&nextToken=a%20b%2Bc%2F%3D' });
    // Lower-case percent-escapes decode to the same bytes.
    await v.verify({ ...request, rawQuery: 'tagKeys=a%20b&tagKeys=env&nextToken=a%20b%2bc%2f%3d' });
  });

  test('empty path label (/datastore/)', async () => {
    const signed = await sign(wire('GET', '/datastore/', jsHeaders()));
    const { v } = verifier();
    await v.verify(toSigV4Request(signed));
  });

  test('dot segments are normalised like the signer does', async () => {
    const signed = await sign(wire('GET', '/datastore/./x/../abc', jsHeaders()));
    const { v } = verifier();
    await v.verify(toSigV4Request(signed));
  });

  test('header values with extra whitespace are trimmed and collapsed', async () => {
    const headers = { ...jsHeaders(), 'amz-sdk-request': '  attempt=1;   max=3\t' };
    const signed = await sign(wire('GET', '/datastore', headers));
    const { v } = verifier();
    await v.verify(toSigV4Request(signed));
  });

  test('unsigned headers may change without breaking the signature', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const { v } = verifier();
    const request = toSigV4Request(signed);
    await v.verify({ ...request, headers: { ...request.headers, 'user-agent': 'something-else' } });
  });

  test('session token in the header is signed and passed to lookupSecret', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { sessionToken: SESSION_TOKEN });
    assert.match(signed.headers.authorization, /x-amz-security-token/);
    const { v, lookups } = verifier();
    const result = await v.verify(toSigV4Request(signed));
    assert.equal(result.sessionToken, SESSION_TOKEN);
    assert.deepEqual(lookups, [[AKID, SESSION_TOKEN]]);
  });

  test('clock skew at exactly the limit is accepted', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { at: NOW - FIVE_MIN });
    const { v } = verifier();
    assert.equal((await v.verify(toSigV4Request(signed))).signedAt.getTime(), NOW - FIVE_MIN);
  });

  test('presigned GET', async () => {
    const query = { maxResults: '10', nextToken: 'a b+c/=' };
    const signed = await presign(wire('GET', '/datastore', { host: HOST }, query), { at: NOW - 30 * 60_000 });
    assert.equal(signed.query['X-Amz-SignedHeaders'], 'host');
    assert.equal(signed.headers.authorization, undefined);
    const { v, lookups } = verifier();
    const result = await v.verify(toSigV4Request(signed));
    assert.equal(result.isPresigned, true);
    assert.equal(result.signedAt.getTime(), NOW - 30 * 60_000);
    assert.deepEqual(lookups, [[AKID, undefined]]);
  });

  test('presigned GET with a session token', async () => {
    const signed = await presign(wire('GET', ARN_PATH, { host: HOST }), { sessionToken: SESSION_TOKEN });
    assert.equal(signed.query['X-Amz-Security-Token'], SESSION_TOKEN);
    const { v, lookups } = verifier();
    const result = await v.verify(toSigV4Request(signed));
    assert.equal(result.sessionToken, SESSION_TOKEN);
    assert.deepEqual(lookups, [[AKID, SESSION_TOKEN]]);
  });

  test('presigned GET signed with UNSIGNED-PAYLOAD (S3-style presigner)', async () => {
    // A non-buffer body makes the smithy signer use the literal UNSIGNED-PAYLOAD.
    const request = { ...wire('GET', '/datastore', { host: HOST }), body: { pipe() {} } };
    const signed = await presign(request);
    const { v } = verifier();
    assert.equal((await v.verify(toSigV4Request(signed))).isPresigned, true);
  });

  test('a rotated secret for the same key id is not served from the signing-key cache', async () => {
    const { v } = verifier();
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    await v.verify(toSigV4Request(signed));
    const rotated = new SigV4Verifier<Principal>({
      service: SERVICE, region: REGION, clockSkewMs: FIVE_MIN, now: () => NOW,
      lookupSecret: async () => ({ secretAccessKey: 'another-secret', principal: { user: 'alice' } }),
    });
    await rejects(rotated.verify(toSigV4Request(signed)), InvalidSignatureException, MISMATCH);
    const resigned = await sign(wire('GET', '/datastore', jsHeaders()), { secret: 'another-secret' });
    await rotated.verify(toSigV4Request(resigned));
  });
});

describe('SigV4Verifier: rejected requests', () => {
  test('missing Authorization and no presign parameters', async () => {
    const { v, lookups } = verifier();
    await rejects(
      v.verify({ method: 'GET', rawPath: '/datastore', rawQuery: 'maxResults=10', headers: { host: HOST }, body: Buffer.alloc(0) }),
      MissingAuthenticationTokenException, 'Missing Authentication Token');
    assert.equal(lookups.length, 0);
  });

  test('Authorization without Signature', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace(/, Signature=[0-9a-f]+$/, '');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      IncompleteSignatureException, "Authorization header requires 'Signature' parameter.");
  });

  test('Authorization with a non key=value part', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace('SignedHeaders=', 'SignedHeaders ');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      IncompleteSignatureException, /not a valid key=value pair \(missing equal-sign\)/);
  });

  test('unsupported algorithm', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      IncompleteSignatureException, /^Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/);
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization: 'Bearer abc' } }),
      IncompleteSignatureException, /'Bearer'/);
  });

  test('malformed Credential', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace(`Credential=${AKID}/`, 'Credential=');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      IncompleteSignatureException, /^Credential must have the form '<access key id>\/<yyyymmdd>\/<region>\/medical-imaging\/aws4_request'/);
  });

  test('host not among the signed headers', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { unsignable: ['host'] });
    assert.doesNotMatch(signed.headers.authorization, /host/);
    await rejects(verifier().v.verify(toSigV4Request(signed)),
      IncompleteSignatureException, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  });

  test('x-amz-date header missing', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const { 'x-amz-date': _dropped, ...headers } = request.headers;
    await rejects(verifier().v.verify({ ...request, headers }),
      IncompleteSignatureException, /requires existence of a 'X-Amz-Date' header/);
  });

  test('unsigned session token', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, 'x-amz-security-token': SESSION_TOKEN } }),
      IncompleteSignatureException, /'X-Amz-Security-Token' must be a 'SignedHeader'/);
  });

  test('credential scoped to another service', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { service: 'execute-api' });
    const { v, lookups } = verifier();
    await rejects(v.verify(toSigV4Request(signed)),
      IncompleteSignatureException, "Credential should be scoped to correct service: 'medical-imaging'.");
    assert.equal(lookups.length, 0);
  });

  test('credential scoped to another region', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { region: 'eu-west-1' });
    await rejects(verifier().v.verify(toSigV4Request(signed)),
      InvalidSignatureException, "Credential should be scoped to a valid region, not 'eu-west-1'.");
  });

  test('credential with a wrong terminator', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace('/aws4_request,', '/aws5_request,');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      IncompleteSignatureException, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.");
  });

  test('credential date not matching X-Amz-Date', async () => {
    const at = Date.parse('2026-11-28T00:01:00Z');
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { at });
    const request = toSigV4Request(signed);
    await rejects(
      verifier({ now: () => at }).v.verify({ ...request, headers: { ...request.headers, 'x-amz-date': '20261127T235900Z' } }),
      IncompleteSignatureException, /^Date in Credential scope does not match .*'20261128' != '20261127'/);
  });

  test('unknown access key', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const { v, lookups } = verifier({ lookupSecret: async () => undefined });
    await rejects(v.verify(toSigV4Request(signed)),
      UnrecognizedClientException, 'The security token included in the request is invalid.');
    assert.equal(lookups.length, 0);
  });

  test('tampered body (botocore style: caught by the signature)', async () => {
    const body = '{"datastoreName": "brain"}';
    const signed = await sign(wire('POST', '/datastore', { host: HOST, 'content-type': 'application/json' }, {}, body),
      { applyChecksum: false });
    await rejects(verifier().v.verify(toSigV4Request(signed, '{"datastoreName": "brian"}')),
      InvalidSignatureException, MISMATCH);
  });

  test('tampered body (JS style: caught by x-amz-content-sha256)', async () => {
    const body = '{"datastoreName":"brain"}';
    const signed = await sign(wire('POST', '/datastore', jsHeaders(body), {}, body));
    await rejects(verifier().v.verify(toSigV4Request(signed, '{"datastoreName":"brian"}')),
      InvalidSignatureException, /x-amz-content-sha256' header does not match/);
  });

  test('tampered path', async () => {
    const signed = await sign(wire('GET', `/datastore/${DATASTORE_ID}`, jsHeaders()));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, rawPath: '/datastore/12345678901234567890123456789013' }),
      InvalidSignatureException, MISMATCH);
    // Decoding the path before verifying also breaks it: the signer double-encodes what it sent.
    const arnSigned = toSigV4Request(await sign(wire('GET', ARN_PATH, jsHeaders())));
    await rejects(verifier().v.verify({ ...arnSigned, rawPath: decodeURIComponent(ARN_PATH) }),
      InvalidSignatureException, MISMATCH);
  });

  test('tampered query', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders(), { maxResults: '10' }));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, rawQuery: 'maxResults=50' }), InvalidSignatureException, MISMATCH);
    await rejects(verifier().v.verify({ ...request, rawQuery: 'maxResults=10&nextToken=x' }), InvalidSignatureException, MISMATCH);
  });

  test('tampered signed header', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, 'amz-sdk-request': 'attempt=2; max=3' } }),
      InvalidSignatureException, MISMATCH);
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, host: 'evil.example:18080' } }),
      InvalidSignatureException, MISMATCH);
  });

  test('tampered method', async () => {
    const signed = await sign(wire('GET', `/datastore/${DATASTORE_ID}`, jsHeaders()));
    await rejects(verifier().v.verify({ ...toSigV4Request(signed), method: 'DELETE' }), InvalidSignatureException, MISMATCH);
  });

  test('malformed signature value', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()));
    const request = toSigV4Request(signed);
    const authorization = signed.headers.authorization.replace(/Signature=[0-9a-f]+$/, 'Signature=abc');
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization } }),
      InvalidSignatureException, MISMATCH);
  });

  test('clock skew: signed too long ago', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { at: Date.parse('2026-11-28T14:40:00Z') });
    const { v, lookups } = verifier();
    await rejects(v.verify(toSigV4Request(signed)), InvalidSignatureException,
      'Signature expired: 20261128T144000Z is now earlier than 20261128T145500Z (20261128T150000Z - 5 min.)');
    assert.equal(lookups.length, 0);
  });

  test('clock skew: signed in the future', async () => {
    const signed = await sign(wire('GET', '/datastore', jsHeaders()), { at: Date.parse('2026-11-28T15:10:00Z') });
    await rejects(verifier().v.verify(toSigV4Request(signed)), InvalidSignatureException,
      'Signature expired: 20261128T151000Z is now later than 20261128T150500Z (20261128T150000Z + 5 min.)');
  });

  test('wrong x-amz-content-sha256 (signed, but not the body hash)', async () => {
    const body = '{"datastoreName":"brain"}';
    const headers = { ...jsHeaders(body), 'x-amz-content-sha256': sha256Hex('{}') };
    const signed = await sign(wire('POST', '/datastore', headers, {}, body));
    await rejects(verifier().v.verify(toSigV4Request(signed, body)),
      InvalidSignatureException, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  });

  test('both an Authorization header and presign parameters', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 x=y' } }),
      IncompleteSignatureException, /Only one authentication mechanism is allowed/);
  });

  test('presigned: expired', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }), { at: NOW - 2 * 3600_000, expiresIn: 3600 });
    await rejects(verifier().v.verify(toSigV4Request(signed)), InvalidSignatureException,
      'Signature expired: the presigned request expired at 20261128T140000Z (X-Amz-Date 20261128T130000Z + X-Amz-Expires 3600 s); it is now 20261128T150000Z.');
  });

  test('presigned: signed in the future', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }), { at: NOW + 10 * 60_000 });
    await rejects(verifier().v.verify(toSigV4Request(signed)), InvalidSignatureException,
      /^Signature expired: 20261128T151000Z is now later than 20261128T150500Z/);
  });

  test('presigned: X-Amz-Expires above the configured maximum', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }), { expiresIn: 3600 });
    await rejects(verifier({ maxPresignExpiresSeconds: 600 }).v.verify(toSigV4Request(signed)), InvalidSignatureException,
      'X-Amz-Expires must be between 1 and 600 seconds, not 3600.');
  });

  test('presigned: X-Amz-Expires not a number', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, rawQuery: request.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=1h') }),
      IncompleteSignatureException, /^X-Amz-Expires must be a whole number of seconds/);
  });

  test('presigned: missing parameter', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, rawQuery: request.rawQuery.replace(/&?X-Amz-SignedHeaders=[^&]*/, '') }),
      IncompleteSignatureException, /^Query-string authentication version 4 requires/);
  });

  test('presigned: tampered query', async () => {
    const signed = await presign(wire('GET', '/datastore', { host: HOST }, { maxResults: '10' }));
    const request = toSigV4Request(signed);
    await rejects(verifier().v.verify({ ...request, rawQuery: request.rawQuery.replace('maxResults=10', 'maxResults=11') }),
      InvalidSignatureException, MISMATCH);
  });

  test('presigned: a non-empty body is not covered by UNSIGNED-PAYLOAD', async () => {
    const request = { ...wire('POST', '/datastore', { host: HOST }), body: { pipe() {} } };
    const signed = await presign(request);
    await rejects(verifier().v.verify(toSigV4Request(signed, '{"datastoreName":"x"}')), InvalidSignatureException, MISMATCH);
  });
});

describe('sigv4-canonical', () => {
  test('canonicalUri normalises dot and empty segments and double-encodes', () => {
    assert.equal(canonicalUri(''), '/');
    assert.equal(canonicalUri('/'), '/');
    assert.equal(canonicalUri('/datastore/'), '/datastore/');
    assert.equal(canonicalUri('/a/./b/../c//d/'), '/a/c/d/');
    assert.equal(canonicalUri('/..'), '/');
    assert.equal(canonicalUri('/tags/arn%3Aaws%2Fx'), '/tags/arn%253Aaws%252Fx');
    assert.equal(canonicalUri('/caf\u00e9 x'), '/caf%C3%A9%20x');
  });

  test('recodeComponent decodes and re-encodes RFC 3986 style', () => {
    assert.equal(recodeComponent('a%20b%2Bc%2F%3D'), 'a%20b%2Bc%2F%3D');
    assert.equal(recodeComponent('a%2bb%7e'), 'a%2Bb~');
    assert.equal(recodeComponent('a+b c'), 'a%2Bb%20c');
    assert.equal(recodeComponent('100%'), '100%25');
    assert.equal(recodeComponent('%zz'), '%25zz');
    assert.equal(recodeComponent('plain-value_1.0~'), 'plain-value_1.0~');
  });

  test('canonicalQueryString sorts by key then value and drops the excluded key', () => {
    const params = parseQuery('tagKeys=env&b=&tagKeys=a%20b&a-b=1&a=2&X-Amz-Signature=ff&flag');
    assert.equal(canonicalQueryString(params), 'X-Amz-Signature=ff&a=2&a-b=1&b=&flag=&tagKeys=a%20b&tagKeys=env');
    assert.equal(canonicalQueryString(params, 'X-Amz-Signature'), 'a=2&a-b=1&b=&flag=&tagKeys=a%20b&tagKeys=env');
    assert.equal(canonicalQueryString(parseQuery('')), '');
  });

  test('canonicalHeaderValue trims, collapses and joins', () => {
    assert.equal(canonicalHeaderValue('  a   b\t\tc  '), 'a b c');
    assert.equal(canonicalHeaderValue('plain'), 'plain');
    assert.equal(canonicalHeaderValue([' a ', 'b  c']), 'a,b c');
    assert.equal(canonicalHeaderValue(undefined), '');
  });
});
