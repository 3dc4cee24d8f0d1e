// Bodies signed chunk by chunk (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD, Content-Encoding: aws-chunked),
// as AWS documents for STOW-RS uploads: `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` … `0;chunk-signature=<sig>\r\n\r\n`,
// where each signature chains on the one before, starting from the request's own (seed) signature.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IncompleteSignatureException, InvalidSignatureException } from '../api/errors.js';

export const STREAMING_SIGNED_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const CHUNK_HEADER = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/;
/** A chunk header is short; anything longer without CRLF is not one. */
const MAX_CHUNK_HEADER = 16 + ';chunk-signature='.length + 64;

export interface ChunkSigning {
  /** kSigning of the request's credential scope. */
  readonly signingKey: Buffer;
  readonly amzDate: string;
  /** `<date>/<region>/<service>/aws4_request` */
  readonly scope: string;
  /** The request's Authorization signature: the first chunk's "previous signature". */
  readonly seedSignature: string;
}

/** The signature of one chunk (S3 API reference, "Transferring payload in multiple chunks"). */
export function chunkSignature(signing: Omit<ChunkSigning, 'seedSignature'>, previousSignature: string, data: Uint8Array): string {
  const stringToSign =
    `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${previousSignature}\n${EMPTY_SHA256}\n` +
    createHash('sha256').update(data).digest('hex');
  return createHmac('sha256', signing.signingKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Whether a body declared as streaming-signed is actually chunk-framed. curl's `--aws-sigv4` (AWS's own STOW-RS example)
 * sends the header but the raw file, which is then taken as it is (dicomweb.md §6.2), like UNSIGNED-PAYLOAD.
 */
export function isAwsChunked(body: Buffer, contentEncoding: string | string[] | undefined): boolean {
  const encodings = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '')).toLowerCase().split(',').map((e) => e.trim());
  if (encodings.includes('aws-chunked')) return true;
  const end = body.indexOf('\r\n');
  return end > 0 && end <= MAX_CHUNK_HEADER && CHUNK_HEADER.test(body.toString('latin1', 0, end));
}

/** The payload of a chunk-signed body, every chunk signature checked in order; throws on any framing or signature error. */
export function decodeAwsChunked(body: Buffer, signing: ChunkSigning): Buffer {
  const chunks: Buffer[] = [];
  let previous = signing.seedSignature;
  let offset = 0;
  for (;;) {
    const end = body.indexOf('\r\n', offset);
    if (end < 0 || end - offset > MAX_CHUNK_HEADER) throw new IncompleteSignatureException(`aws-chunked body: no chunk header at byte ${offset}`);
    const header = CHUNK_HEADER.exec(body.toString('latin1', offset, end));
    if (header === null) throw new IncompleteSignatureException(`aws-chunked body: malformed chunk header at byte ${offset}`);
    const size = Number.parseInt(header[1]!, 16);
    const dataStart = end + 2;
    const dataEnd = dataStart + size;
    if (dataEnd + 2 > body.length || body[dataEnd] !== 0x0d || body[dataEnd + 1] !== 0x0a) {
      throw new IncompleteSignatureException(`aws-chunked body: chunk at byte ${offset} is cut short or not followed by CRLF`);
    }
    const data = body.subarray(dataStart, dataEnd);
    const expected = chunkSignature(signing, previous, data);
    if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(header[2]!, 'hex'))) {
      throw new InvalidSignatureException(`aws-chunked body: the signature of the chunk at byte ${offset} does not match`);
    }
    previous = expected;
    offset = dataEnd + 2;
    if (size === 0) break;
    chunks.push(data);
  }
  // The final chunk ends the body; trailing headers belong to the -TRAILER variants, which are not accepted.
  if (offset !== body.length) throw new IncompleteSignatureException('aws-chunked body: data after the final chunk');
  return Buffer.concat(chunks);
}
