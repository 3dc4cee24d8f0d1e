// multipart/related bodies (RFC 2387, PS3.18 §8.6.1.2): random boundary, CRLF line ends, parts streamed as they come.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export interface PartHeaders {
  readonly contentType: string;
  readonly contentLocation?: string;
}

export function newBoundary(): string {
  return `tessera-${randomBytes(12).toString('hex')}`;
}

export function partHead(boundary: string, headers: PartHeaders): Buffer {
  return Buffer.from(
    `--${boundary}\r\nContent-Type: ${headers.contentType}\r\n${headers.contentLocation !== undefined ? `Content-Location: ${headers.contentLocation}\r\n` : ''}\r\n`,
    'latin1',
  );
}

export function closingDelimiter(boundary: string): Buffer {
  return Buffer.from(`--${boundary}--\r\n`, 'latin1');
}

/**
 * Writes parts one by one, waiting for the socket to drain, so a large frame list is never held in memory at once.
 * Returns false when the client went away.
 */
export async function writeParts(
  response: ServerResponse,
  boundary: string,
  parts: AsyncIterable<{ readonly headers: PartHeaders; readonly body: Uint8Array }>,
): Promise<boolean> {
  for await (const part of parts) {
    if (response.destroyed) return false;
    response.write(partHead(boundary, part.headers));
    const isDrained = response.write(part.body);
    response.write('\r\n');
    if (!isDrained) await drained(response);
  }
  response.end(closingDelimiter(boundary));
  return true;
}

/**
 * Writes a body as its chunks come, waiting for the socket to drain. Returns false when the client went away; an error of
 * the chunks propagates (the edge then cuts the response short: its headers are already sent).
 */
export async function writeChunks(response: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<boolean> {
  for await (const chunk of chunks) {
    if (response.destroyed) return false;
    if (!response.write(chunk)) await drained(response);
  }
  return !response.destroyed;
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
