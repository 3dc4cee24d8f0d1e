// The HTTP edge: fastify for connections and lifecycle; routing, auth and error writing on the raw request.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ApiError,
  InternalServerException,
  UnknownOperationException,
  ValidationException,
  type Authorizer,
  type RequestContext,
  type ResourceScope,
} from '../api/index.js';
import { buildAuditRecord, type AuditLog, type AuditScope, type AuditedCall } from '../audit/index.js';
import type { ApiHandlers, Authenticator } from './aws-rest-json/api-handlers.js';
import { BinaryResponse, BoundRequest } from './aws-rest-json/bound-request.js';
import { toWireJson, writeBinary, writeError, writeJson } from './aws-rest-json/response-writer.js';
import { ROUTES } from './aws-rest-json/route-table.js';
import { authorizationsOf } from './aws-rest-json/operation-authorization.js';
import { MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_URI_BYTES } from './aws-rest-json/body-limits.js';
import { Router, type RouteMatch } from './aws-rest-json/router.js';
import { TESSERA_ROUTES, matchTesseraRoute, type TesseraServices } from './tessera-routes.js';
import { serveDicomweb, type DicomwebEdgeOptions } from './dicomweb/dicomweb-edge.js';
import { isDicomwebPath } from './dicomweb/dicomweb-routes.js';

/** Per-request metrics (src/metrics/ implements it); called once per answered request, after the response. */
export interface RequestMetrics {
  /** `operation` is undefined when no operation matched; `errorCode` is set for error responses. */
  recordCall(operation: string | undefined, durationSeconds: number, errorCode?: string): void;
}

export interface HttpServerOptions {
  readonly handlers: ApiHandlers;
  /** What Tessera's own routes (GET /events) read. */
  readonly services: TesseraServices;
  readonly authenticator: Authenticator;
  /** Decides every authenticated call before its handler runs (DICOMweb routes use the same one). */
  readonly authorizer: Authorizer;
  /** Partition, region and account of the resource ARNs authorized. */
  readonly resourceScope: ResourceScope;
  readonly maxRequestBodyBytes: number;
  readonly logLevel: string;
  /** One CloudTrail-format record per API and /events call, denied and failed ones included. */
  readonly audit?: { readonly log: AuditLog; readonly scope: AuditScope };
  readonly metrics?: RequestMetrics;
  /** Serve HTTPS (TLS 1.2+) with this PEM certificate chain and key instead of plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Throws ThrottlingException when the account has used up the action's rate (src/throttling/); absent: no throttling. */
  readonly throttle?: { take(accountId: string, action: string): void };
  /** Deadlines for a whole request and for its headers (slow-client protection). */
  readonly timeouts?: { readonly requestMs: number; readonly headersMs: number };
  /** DICOMweb under /datastore/{datastoreId}/(studies|series|instances) (src/http/dicomweb/). */
  readonly dicomweb?: DicomwebEdgeOptions;
}

export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface HttpServer {
  readonly log: Logger;
  listen(host: string, port: number): Promise<{ readonly port: number }>;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive connections. */
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);
/** Event names of Tessera's own routes (they are not in the AWS route table). */
const TESSERA_EVENT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(TESSERA_ROUTES.map((route) => [`${route.method} ${route.path}`, route.eventName]));
/** Scrapes are not API calls: they do not move the per-operation call counts (their errors still count). */
const UNCOUNTED_OPERATIONS = new Set(['GetMetrics']);

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const router = new Router(ROUTES);
  // Node checks the two deadlines every connectionsCheckingInterval: often enough that they hold to about a second.
  const serverLimits = {
    maxHeaderSize: MAX_HEADER_BYTES,
    ...(options.timeouts !== undefined ? { headersTimeout: options.timeouts.headersMs, connectionsCheckingInterval: Math.min(1000, options.timeouts.headersMs) } : {}),
  };
  /** This operation's body limit, or undefined when the path is not an AWS operation (its own limits apply). */
  const bodyLimitOf = (method: string, rawPath: string): number | undefined => {
    try {
      const operation = router.match(method, rawPath)?.route.operation;
      return operation === undefined ? undefined : Math.min(MAX_BODY_BYTES[operation], options.maxRequestBodyBytes);
    } catch {
      return undefined;
    }
  };
  /** aws:SecureTransport of every authorization: whether this listener speaks TLS. */
  const secureTransport = options.tls !== undefined ? 'true' : 'false';
  const audit = options.audit;
  const metrics = options.metrics;
  const recordMetrics = (operation: string | undefined, startedAt: number, errorCode: string | undefined) => {
    if (metrics === undefined) return;
    metrics.recordCall(operation !== undefined && UNCOUNTED_OPERATIONS.has(operation) ? undefined : operation, (performance.now() - startedAt) / 1000, errorCode);
  };
  /** Appends the call's record; runs after the response is written, the AuditLog writes it with its next batch. */
  const recordCall = (call: AuditedCall, log: FastifyRequest['log'], startedAt = performance.now()) => {
    recordMetrics(call.operation, startedAt, call.error?.code);
    if (audit === undefined) return;
    try {
      audit.log.append(buildAuditRecord(call, audit.scope));
    } catch (error) {
      log.error({ err: error, requestId: call.requestId }, 'audit record could not be built');
    }
  };
  /** The call as far as the edge knows it before routing (error handlers of fastify). */
  const earlyCall = (request: FastifyRequest, requestId: string, error: ApiError): AuditedCall => {
    const url = request.raw.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    let match: RouteMatch | undefined;
    try {
      match = router.match(request.method, rawPath);
    } catch {
      match = undefined;
    }
    return {
      startMs: Date.now(),
      requestId,
      eventId: randomUUID(),
      operation: match?.route.operation ?? TESSERA_EVENT_NAMES[`${request.method} ${rawPath}`],
      method: request.method,
      rawPath,
      labels: match?.labels,
      rawQuery: queryStart < 0 ? '' : url.slice(queryStart + 1),
      body: EMPTY, // not read (too large or unparsable)
      principal: undefined,
      authorization: headerText(request.raw.headers.authorization),
      sourceIp: request.ip,
      userAgent: headerText(request.raw.headers['user-agent']),
      error: { code: error.code, message: error.message },
      resultDatastoreId: undefined,
    };
  };
  const app = Fastify({
    ...(options.tls !== undefined ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' as const, ...serverLimits } } : { http: serverLimits }),
    ...(options.timeouts !== undefined ? { requestTimeout: options.timeouts.requestMs } : {}),
    logger: { level: options.logLevel, redact: ['req.headers.authorization', 'req.headers["x-amz-security-token"]'] },
    // The audit trail records calls; per-request info logs would flood the frame path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxRequestBodyBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: false, // in-flight connections are served to the end; the listener is already closed
    keepAliveTimeout: 65_000, // longer than typical client/load-balancer idle timeouts
    // Malformed HTTP (bad method token, broken headers) is answered in the AWS format as well.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return;
      const body = JSON.stringify({ message: `The request could not be parsed: ${error.message}` });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `x-amzn-RequestId: ${randomUUID()}\r\nx-amzn-ErrorType: ValidationException\r\nConnection: close\r\n\r\n${body}`,
      );
      closeSoon(socket);
    },
    // fastify's own routing errors (bad URL, etc.) are answered in the AWS format too.
    frameworkErrors: (error, request, reply) => {
      const requestId = randomUUID();
      reply.hijack();
      const apiError = new ValidationException(`The request could not be parsed: ${error.message}`);
      writeError(reply.raw, requestId, apiError);
      recordCall(earlyCall(request, requestId, apiError), request.log);
    },
  });

  // Oversized URIs and bodies are refused before the body is read (and their senders cut off if they keep sending).
  app.addHook('onRequest', async (request, reply) => {
    const url = request.raw.url ?? '/';
    const queryStart = url.indexOf('?');
    const declared = Number(request.headers['content-length'] ?? 0);
    const limit = url.length > MAX_URI_BYTES ? undefined : bodyLimitOf(request.method, queryStart < 0 ? url : url.slice(0, queryStart));
    const refusal =
      url.length > MAX_URI_BYTES
        ? new ValidationException(`The request URI exceeds ${MAX_URI_BYTES} bytes`)
        : limit !== undefined && declared > limit
          ? new ValidationException(`The request body exceeds ${limit} bytes, the limit of this operation`)
          : undefined;
    if (refusal === undefined) return;
    const requestId = randomUUID();
    reply.hijack();
    // No `Connection: close`: Node would reset the socket under a client still sending, which then never reads the
    // answer. Node drains the body instead; a client still sending after a moment is disconnected.
    reply.raw.once('finish', () => closeSoon(request.raw.socket, () => request.raw.complete));
    writeError(reply.raw, requestId, refusal);
    recordCall(earlyCall(request, requestId, refusal), request.log);
    return reply;
  });

  // The raw body is needed as bytes: SigV4 hashes it, and the JSON is parsed only after authentication.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const requestId = randomUUID();
    const apiError =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new ValidationException(`The request body exceeds ${options.maxRequestBodyBytes} bytes`)
        : error.statusCode !== undefined && error.statusCode < 500
          ? new ValidationException(`The request could not be read: ${error.message}`)
          : new InternalServerException();
    if (apiError instanceof InternalServerException) request.log.error({ err: error, requestId }, 'request failed');
    reply.hijack();
    writeError(reply.raw, requestId, apiError);
    recordCall(earlyCall(request, requestId, apiError), request.log);
  });

  // Methods fastify does not route (PROPFIND, ...) still get the AWS error format.
  app.setNotFoundHandler((request, reply) => {
    reply.hijack();
    const requestId = randomUUID();
    const apiError = new UnknownOperationException(`No operation matches ${request.method} ${request.url.split('?')[0]}`);
    writeError(reply.raw, requestId, apiError);
    recordCall(earlyCall(request, requestId, apiError), request.log);
  });

  app.get('/health', async (_request, reply) => {
    reply.hijack();
    writeJson(reply.raw, randomUUID(), 200, '{"status":"ok"}');
  });

  const handleRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack(); // responses are written to the raw socket exactly as the contract says
    const startedAt = performance.now();
    const startMs = Date.now();
    const requestId = randomUUID();
    const raw = request.raw;
    const url = raw.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : url.slice(queryStart + 1);
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    if (options.dicomweb !== undefined && isDicomwebPath(rawPath)) {
      const outcome = await serveDicomweb(raw, reply.raw, { method: request.method, rawPath, rawQuery, body, requestId, protocol: request.protocol }, options.authenticator, { ...options.dicomweb, authorizer: options.authorizer, ...(options.throttle !== undefined ? { throttle: options.throttle } : {}), conditions: { 'aws:SecureTransport': secureTransport, 'aws:SourceIp': request.ip } }, (error) =>
        request.log.error({ err: error, requestId }, 'request failed'),
      );
      if (request.method === 'OPTIONS') return;
      const { operation, labels, principal, failure } = outcome;
      const audited = { startMs, requestId, eventId: randomUUID(), operation, method: request.method, rawPath, labels, rawQuery, body: EMPTY, principal };
      recordCall({ ...audited, authorization: principal === undefined ? headerText(raw.headers.authorization) : undefined, sourceIp: request.ip, userAgent: headerText(raw.headers['user-agent']), error: failure === undefined ? undefined : { code: failure.code, message: failure.message }, resultDatastoreId: undefined }, request.log, startedAt);
      return;
    }
    // Routing comes before authentication only to name the audit record; its errors still answer after authentication.
    const tesseraRoute = matchTesseraRoute(request.method, rawPath);
    let match: RouteMatch | undefined;
    let routeError: unknown;
    if (tesseraRoute === undefined) {
      try {
        match = router.match(request.method, rawPath);
      } catch (error) {
        routeError = error;
      }
    }
    let principal: RequestContext['principal'] | undefined;
    let failure: ApiError | undefined;
    let resultDatastoreId: string | undefined;
    try {
      // Chunked bodies carry no Content-Length: their size is checked once read.
      if (match !== undefined && body.length > Math.min(MAX_BODY_BYTES[match.route.operation], options.maxRequestBodyBytes)) {
        throw new ValidationException(`The request body exceeds ${Math.min(MAX_BODY_BYTES[match.route.operation], options.maxRequestBodyBytes)} bytes, the limit of this operation`);
      }
      const access = tesseraRoute?.access?.(options.services) ?? 'sigv4';
      // A switched-off route does not exist, whoever asks.
      if (access === 'off') throw new UnknownOperationException(`No operation matches ${request.method} ${rawPath}`);
      let context: RequestContext | undefined;
      if (access === 'sigv4') {
        principal = await options.authenticator.authenticate({ method: request.method, rawPath, rawQuery, headers: raw.headers, body });
        context = { requestId, principal, sourceIp: request.ip, userAgent: raw.headers['user-agent'] };
      }
      // Tessera's own routes first: their exact paths are disjoint from the AWS table, so the order only saves work.
      if (tesseraRoute !== undefined) {
        // Tessera's own routes are authorized as `tessera:<eventName>` on `*` (the admin has tessera:*).
        if (principal !== undefined) await options.authorizer.authorize(principal, { action: `tessera:${tesseraRoute.eventName}`, resourceArn: '*', conditions: { 'aws:SecureTransport': secureTransport, 'aws:SourceIp': request.ip } });
        const answer = await tesseraRoute.handle(new URLSearchParams(rawQuery), context, options.services);
        if (typeof answer === 'string') writeJson(reply.raw, requestId, 200, answer);
        else writeBinary(reply.raw, requestId, answer);
      } else {
        if (context === undefined) throw new InternalServerException();
        if (routeError !== undefined) throw routeError;
        if (match === undefined) throw new UnknownOperationException(`No operation matches ${request.method} ${rawPath}`);
        options.throttle?.take(context.principal.arn.split(':')[4] ?? '', match.route.operation);
        const query = new URLSearchParams(rawQuery);
        for (const authorization of authorizationsOf({ operation: match.route.operation, labels: match.labels, query, body }, options.resourceScope)) {
          await options.authorizer.authorize(context.principal, { ...authorization, conditions: { ...authorization.conditions, 'aws:SecureTransport': secureTransport, 'aws:SourceIp': request.ip } });
        }
        const result = await match.route.handle(new BoundRequest(match.labels, new URLSearchParams(rawQuery), body, raw.headers), context, options.handlers);
        if (result instanceof BinaryResponse) writeBinary(reply.raw, requestId, result.content);
        else {
          writeJson(reply.raw, requestId, 200, toWireJson(result));
          if (match.route.operation === 'CreateDatastore') resultDatastoreId = (result as { datastoreId?: string }).datastoreId;
        }
      }
    } catch (error) {
      if (error instanceof ApiError) {
        if (error instanceof InternalServerException) request.log.error({ err: error.cause ?? error, requestId }, 'request failed');
        failure = error;
      } else {
        request.log.error({ err: error, requestId }, 'unexpected error');
        failure = new InternalServerException();
      }
      writeError(reply.raw, requestId, failure);
    }
    if (audit === undefined) {
      recordMetrics(match?.route.operation ?? (tesseraRoute !== undefined ? tesseraRoute.eventName : undefined), startedAt, failure?.code);
    } else {
      recordCall(
        {
          startMs,
          requestId,
          eventId: randomUUID(),
          operation: match?.route.operation ?? (tesseraRoute !== undefined ? TESSERA_EVENT_NAMES[`${request.method} ${tesseraRoute.path}`] : undefined),
          method: request.method,
          rawPath,
          labels: match?.labels,
          rawQuery,
          body,
          principal,
          authorization: principal === undefined ? headerText(raw.headers.authorization) : undefined,
          sourceIp: request.ip,
          userAgent: headerText(raw.headers['user-agent']),
          error: failure === undefined ? undefined : { code: failure.code, message: failure.message },
          resultDatastoreId,
        },
        request.log,
        startedAt,
      );
    }
  };
  app.all('*', handleRequest);
  // STOW-RS bodies are Part 10 files: their own size limit (dicomweb.md §6.2), not the JSON one.
  if (options.dicomweb !== undefined) {
    const bodyLimit = options.dicomweb.maxStowBodyBytes;
    app.post('/datastore/:datastoreId/studies', { bodyLimit }, handleRequest);
    app.post('/datastore/:datastoreId/studies/:study', { bodyLimit }, handleRequest);
  }

  // Which sockets carry a request now (headers complete, response not finished), for close().
  const openSockets = new Set<Socket>();
  const busySockets = new Set<Socket>();
  // With TLS, requests arrive on the TLS socket, which 'secureConnection' hands out ('connection' gives the TCP one).
  app.server.on(options.tls !== undefined ? 'secureConnection' : 'connection', (socket: Socket) => {
    openSockets.add(socket);
    socket.once('close', () => {
      openSockets.delete(socket);
      busySockets.delete(socket);
    });
  });
  app.server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): void }) => {
    busySockets.add(request.socket);
    response.once('close', () => busySockets.delete(request.socket));
  });

  return {
    log: app.log,
    async listen(host: string, port: number) {
      await app.listen({ host, port });
      const address = app.server.address();
      return { port: typeof address === 'object' && address !== null ? address.port : port };
    },
    async close() {
      // Node stops enforcing its request deadlines once closing starts: a client stalled mid-headers would hold the
      // shutdown for ever. Sockets without a request in progress go now; requests in progress get the request timeout.
      for (const socket of openSockets) if (!busySockets.has(socket)) socket.destroy();
      const deadline = setTimeout(() => app.server.closeAllConnections(), options.timeouts?.requestMs ?? 300_000).unref();
      // Keep-alive sockets that were busy when closing started become idle after their response: close them too,
      // or the process would wait for clients to hang up.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
        clearTimeout(deadline);
      }
    },
  };
}

/**
 * A refused client may keep sending (a body never read, headers never finished) and never close its side, which would
 * hold the socket, and a graceful shutdown, for ever: it gets a moment to read the answer, then the socket is destroyed.
 */
function closeSoon(socket: { destroy(): void; destroyed: boolean }, isDone: () => boolean = () => false): void {
  setTimeout(() => socket.destroyed || isDone() || socket.destroy(), LINGER_MS).unref();
}
const LINGER_MS = 1000;

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
