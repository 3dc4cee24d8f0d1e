// Hand-made SigV4 requests (signed by the AWS signer) for what the SDK cannot send: bad bodies, odd paths, presigning.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ADMIN, REGION } from './server.js';

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: () => unknown;
}

export function signer(credentials: { accessKeyId: string; secretAccessKey: string } = ADMIN, region = REGION): SignatureV4 {
  return new SignatureV4({ service: 'medical-imaging', region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true });
}

export async function buildSignedRequest(port: number, request: RawRequest, sign = signer()): Promise<HttpRequest> {
  const body = request.body;
  const httpRequest = new HttpRequest({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    method: request.method,
    path: request.path,
    query: request.query ?? {},
    headers: {
      host: `127.0.0.1:${port}`,
      ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
      ...request.headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  return (await sign.sign(httpRequest)) as HttpRequest;
}

export async function send(port: number, request: HttpRequest): Promise<RawResponse> {
  const query = Object.entries(request.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${encodeRfc3986(k)}=${encodeRfc3986(String(x))}`))
    .join('&');
  const url = `http://127.0.0.1:${port}${request.path}${query ? `?${query}` : ''}`;
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k !== 'host' && k !== 'content-length'));
  const response = await fetch(url, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: request.body as string } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

export async function signedFetch(port: number, request: RawRequest, sign = signer()): Promise<RawResponse> {
  return send(port, await buildSignedRequest(port, request, sign));
}

export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
