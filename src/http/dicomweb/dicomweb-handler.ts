// The DICOMweb edge: binds a matched route to the dicomweb feature and writes DICOM JSON, multipart/related and Part 10
// responses; errors use the AWS JSON error style (dicomweb.md §8); CORS for browser viewers (§7.3).
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ApiError, InternalServerException, ValidationException, type DatastoreId } from '../../api/index.js';
import {
  assertAcceptsDicomJson,
  dicomJsonText,
  negotiateBulkdata,
  type QidoService,
  type StowService,
  type WadoService,
} from '../../dicomweb/index.js';
import { ERROR_HEADERS, ERROR_STATUS } from '../aws-rest-json/error-status.js';
import type { DicomwebMatch } from './dicomweb-routes.js';
import { boundaryOf, readMultipart } from './multipart-reader.js';
import { closingDelimiter, newBoundary, partHead, writeChunks, writeParts } from './multipart-writer.js';

export interface DicomwebServices {
  readonly wado: WadoService;
  readonly qido: QidoService;
  readonly stow: StowService;
}

export interface DicomwebRequest {
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** `http` or `https`, for the absolute URLs of responses. */
  readonly protocol: string;
  readonly requestId: string;
}

/** Headers every DICOMweb response carries, so a browser viewer on another origin can read it. */
export function corsHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const origin = headers.origin;
  return {
    'Access-Control-Allow-Origin': typeof origin === 'string' && origin !== '' ? origin : '*',
    'Access-Control-Expose-Headers': 'Content-Type, Content-Length, Content-Location, Warning, x-amzn-RequestId, x-amzn-ErrorType, WWW-Authenticate',
    Vary: 'Origin',
  };
}

/** The answer to a CORS preflight (no authentication: browsers send preflights without credentials). */
export function writePreflight(response: ServerResponse, headers: IncomingHttpHeaders): void {
  const requested = headers['access-control-request-headers'];
  response.writeHead(204, {
    ...corsHeaders(headers),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers':
      typeof requested === 'string' && requested !== ''
        ? requested
        : 'Authorization, Accept, Content-Type, Content-Encoding, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token, X-Amz-User-Agent, X-Amz-Decoded-Content-Length',
    'Access-Control-Max-Age': '600',
  });
  response.end();
}

/** AWS-style error body; only written when nothing of the response went out yet. */
export function writeDicomwebError(response: ServerResponse, requestHeaders: IncomingHttpHeaders, requestId: string, error: ApiError): void {
  if (response.headersSent) {
    response.destroy(); // a multipart body cut short: the client sees the broken stream, never a wrong ending
    return;
  }
  const body = Buffer.from(JSON.stringify({ message: error.message }), 'utf8');
  response.writeHead(ERROR_STATUS[error.code], {
    ...corsHeaders(requestHeaders),
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': error.code,
    ...ERROR_HEADERS[error.code],
  });
  response.end(body);
}

export async function handleDicomweb(match: DicomwebMatch, request: DicomwebRequest, response: ServerResponse, services: DicomwebServices): Promise<void> {
  const { labels } = match;
  const datastoreId = match.datastoreId as DatastoreId;
  const accept = header(request.headers, 'accept');
  const host = header(request.headers, 'host') ?? 'localhost';
  const urls = { serviceRoot: `${request.protocol}://${host}/datastore/${datastoreId}` };
  const imageSetId = optionalImageSetId(request.query);
  const series = { datastoreId, studyInstanceUID: labels.study!, seriesInstanceUID: labels.series!, imageSetId };
  const instance = { ...series, sopInstanceUID: labels.sop! };
  const base = { ...corsHeaders(request.headers), 'x-amzn-RequestId': request.requestId };
  const json = (status: number, value: unknown, extra: Record<string, string> = {}) => jsonText(status, dicomJsonText(value), extra);
  const jsonText = (status: number, text: string, extra: Record<string, string> = {}) => {
    const body = Buffer.from(text, 'utf8');
    response.writeHead(status, { ...base, 'Content-Type': 'application/dicom+json', 'Content-Length': body.length, ...extra });
    response.end(body);
  };

  switch (match.route.operation) {
    case 'GetDICOMSeriesMetadata':
      assertAcceptsDicomJson(accept);
      return jsonText(200, await services.wado.seriesMetadata(series, urls));
    case 'GetDICOMInstanceMetadata':
      assertAcceptsDicomJson(accept);
      return json(200, await services.wado.instanceMetadata(instance, urls));
    case 'GetDICOMInstanceFrames': {
      const frames = await services.wado.frames(instance, labels.frames!, accept, urls);
      const iterator = frames.parts[Symbol.asyncIterator]();
      // The first frame is read before the status line goes out, so a frame that cannot be read is still a clean error.
      const first = await iterator.next();
      const boundary = newBoundary();
      const partType = `${frames.mediaType}; transfer-syntax=${frames.transferSyntaxUID}`;
      response.writeHead(200, {
        ...base,
        'Content-Type': `multipart/related; type="${frames.mediaType}"; transfer-syntax=${frames.transferSyntaxUID}; boundary=${boundary}`,
      });
      let index = 0;
      const parts = (async function* () {
        let next = first;
        while (!next.done) {
          yield { headers: { contentType: partType, contentLocation: frames.contentLocation(frames.frameNumbers[index++]!) }, body: next.value };
          next = await iterator.next();
        }
      })();
      await writeParts(response, boundary, parts);
      return;
    }
    case 'GetDICOMInstance': {
      const result = await services.wado.instance(instance, accept);
      const contentType = `application/dicom; transfer-syntax=${result.transferSyntaxUID}`;
      if (!result.isMultipart) {
        // Without a known length the body goes out chunked (encapsulated frames are sized only as they are read).
        response.writeHead(200, { ...base, 'Content-Type': contentType, ...(result.length !== undefined ? { 'Content-Length': result.length } : {}) });
        if (await writeChunks(response, result.chunks)) response.end();
        return;
      }
      const boundary = newBoundary();
      response.writeHead(200, { ...base, 'Content-Type': `multipart/related; type="application/dicom"; transfer-syntax=${result.transferSyntaxUID}; boundary=${boundary}` });
      response.write(partHead(boundary, { contentType }));
      if (!(await writeChunks(response, result.chunks))) return;
      response.write('\r\n');
      response.end(closingDelimiter(boundary));
      return;
    }
    case 'GetDICOMBulkdata': {
      const { isMultipart } = negotiateBulkdata(accept);
      const bytes = await services.wado.bulkdata(instance, labels.hash!);
      if (!isMultipart) {
        response.writeHead(200, { ...base, 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
        response.end(bytes);
        return;
      }
      const boundary = newBoundary();
      response.writeHead(200, { ...base, 'Content-Type': `multipart/related; type="application/octet-stream"; boundary=${boundary}` });
      response.write(partHead(boundary, { contentType: 'application/octet-stream' }));
      response.write(bytes);
      response.write('\r\n');
      response.end(closingDelimiter(boundary));
      return;
    }
    case 'SearchDICOMStudies':
    case 'SearchDICOMSeries':
    case 'SearchDICOMInstances':
    case 'SearchDICOMStudyInstances':
    case 'SearchDICOMAllSeries':
    case 'SearchDICOMAllInstances': {
      assertAcceptsDicomJson(accept);
      const result = await services.qido.search(
        { operation: match.route.operation, datastoreId, studyInstanceUID: labels.study, seriesInstanceUID: labels.series },
        request.query,
        urls,
      );
      return json(200, result.matches, result.warning !== undefined ? { Warning: `299 ${host}: "${result.warning.replace(/"/g, "'")}"` } : {});
    }
    case 'StoreDICOM':
    case 'StoreDICOMStudy': {
      assertAcceptsDicomJson(accept);
      const contentType = header(request.headers, 'content-type') ?? '';
      const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
      let parts: Buffer[];
      if (mediaType === 'application/dicom') parts = [request.body];
      else if (mediaType === 'multipart/related') {
        const type = /;\s*type="?([^";]+)"?/i.exec(contentType)?.[1]?.toLowerCase();
        // Only Part 10 parts; the metadata + bulk data form is not offered (dicomweb.md §6.2).
        if (type !== undefined && type !== 'application/dicom') return unsupportedMediaType(response, base, contentType);
        parts = readMultipart(request.body, boundaryOf(contentType))
          .filter((part) => part.contentType === undefined || part.contentType.toLowerCase().startsWith('application/dicom'))
          .map((part) => part.body);
      } else return unsupportedMediaType(response, base, contentType);
      const result = await services.stow.store({ datastoreId, studyInstanceUID: labels.study, parts, urls });
      return json(result.status, result.response);
    }
  }
}

/** 415: STOW-RS takes application/dicom, alone or as multipart/related parts (dicomweb.md §6.2). */
function unsupportedMediaType(response: ServerResponse, base: Record<string, string>, contentType: string): void {
  const body = Buffer.from(JSON.stringify({ message: `Unsupported Content-Type ${contentType || '(none)'}: send application/dicom or multipart/related; type="application/dicom"` }), 'utf8');
  response.writeHead(415, { ...base, 'Content-Type': 'application/json', 'Content-Length': body.length, 'x-amzn-ErrorType': 'UnsupportedMediaTypeException' });
  response.end(body);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function optionalImageSetId(query: URLSearchParams): string | undefined {
  const value = query.get('imageSetId');
  if (value === null) return undefined;
  if (!/^[0-9a-f]{32}$/.test(value)) throw new ValidationException(`Invalid imageSetId ${value}`);
  return value;
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new InternalServerException();
}
