// A minimal AWS Signature Version 4 signer (Authorization header form) for the requests Tessera sends itself,
// such as PutEvents; the server must not depend on the SDK's signer, which is a dev dependency here.
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigV4SignInput {
  readonly method: string;
  readonly url: URL;
  /** Headers to send and sign (any case); `host` and `x-amz-date` are added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly service: string;
  readonly region: string;
  readonly credentials: SigV4Credentials;
  readonly nowMs: number;
}

/** The headers to send: the given ones plus x-amz-date, x-amz-security-token (if any) and authorization; host is signed, not returned. */
export function signSigV4(input: SigV4SignInput): Record<string, string> {
  const amzDate = new Date(input.nowMs).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scopeDate = amzDate.slice(0, 8);
  const signed = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) signed.set(name.toLowerCase(), value);
  signed.set('host', input.url.host); // exactly what fetch sends: no port when it is the scheme's default
  signed.set('x-amz-date', amzDate);
  if (input.credentials.sessionToken !== undefined) signed.set('x-amz-security-token', input.credentials.sessionToken);

  const names = [...signed.keys()].sort();
  const canonicalHeaders = names.map((name) => `${name}:${signed.get(name)!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    canonicalPath(input.url.pathname),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${scopeDate}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  let key: Buffer = hmac(`AWS4${input.credentials.secretAccessKey}`, scopeDate);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');

  const headers: Record<string, string> = { ...input.headers, 'x-amz-date': amzDate };
  if (input.credentials.sessionToken !== undefined) headers['x-amz-security-token'] = input.credentials.sessionToken;
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** RFC 3986 encoding, the only one SigV4 accepts (encodeURIComponent leaves !'()* alone). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Every service but S3 signs the path encoded once more on top of the URL's own encoding. */
function canonicalPath(pathname: string): string {
  return pathname === '' ? '/' : pathname.split('/').map(encode).join('/');
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([key, value]) => [encode(key), encode(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak !== bk ? (ak < bk ? -1 : 1) : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
