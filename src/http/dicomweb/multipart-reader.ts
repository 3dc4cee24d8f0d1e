// Reads a multipart/related request body (RFC 2387; STOW-RS, PS3.18 §10.5.1.2) into its parts' bytes.
import { ValidationException } from '../../api/index.js';

export interface MultipartPart {
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined || boundary === '') throw new ValidationException('The multipart/related request has no boundary');
  return boundary;
}

export function readMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new ValidationException('The request body does not contain its multipart boundary');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break; // closing delimiter "--"
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    if (headerEnd < 0) throw new ValidationException('A multipart body part has no header end');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`, 'latin1'), headerEnd + 4);
    if (next < 0) throw new ValidationException('The multipart body is not closed');
    const headers = body.subarray(afterDelimiter, headerEnd).toString('latin1');
    const contentType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    parts.push({ contentType, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}
