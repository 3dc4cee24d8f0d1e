// Serialises responses and errors exactly as the wire contract says (§6.2, §6.3, §6.5).
import type { ServerResponse } from 'node:http';
import type { ApiError } from '../../api/index.js';
import { ERROR_HEADERS, ERROR_STATUS } from './error-status.js';

/** JSON with timestamps as epoch seconds (millisecond precision) and absent members omitted. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, replaced: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : replaced;
  });
}

export function writeJson(response: ServerResponse, requestId: string, status: number, json: string, extraHeaders: Record<string, string> = {}): void {
  const body = Buffer.from(json, 'utf8');
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'x-amzn-RequestId': requestId,
    ...extraHeaders,
  });
  response.end(body);
}

export function writeError(response: ServerResponse, requestId: string, error: ApiError): void {
  writeJson(response, requestId, ERROR_STATUS[error.code], JSON.stringify({ message: error.message }), { 'x-amzn-ErrorType': error.code, ...ERROR_HEADERS[error.code] });
}

/** Raw bytes with their content headers; never compressed again here (GetImageSetMetadata is gzip already). */
export function writeBinary(response: ServerResponse, requestId: string, content: { body: Buffer; contentType: string; contentEncoding?: string }): void {
  response.writeHead(200, {
    'Content-Type': content.contentType,
    'Content-Length': content.body.length,
    'x-amzn-RequestId': requestId,
    ...(content.contentEncoding !== undefined ? { 'Content-Encoding': content.contentEncoding } : {}),
  });
  response.end(content.body);
}
