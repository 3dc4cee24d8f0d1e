// One DICOMweb request at the edge: CORS preflight, SigV4 (like every route), authorization when an Authorizer is wired,
// then the handler; returns what the audit record and metrics need.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnknownOperationException, type ApiError, type Authorizer, type Principal, type ResourceScope } from '../../api/index.js';
import type { Authenticator } from '../aws-rest-json/api-handlers.js';
import { asApiError, handleDicomweb, writeDicomwebError, writePreflight, type DicomwebServices } from './dicomweb-handler.js';
import { authorizationRequestOf, matchDicomwebRoute, type DicomwebMatch } from './dicomweb-routes.js';

export interface DicomwebEdgeOptions {
  readonly services: DicomwebServices;
  readonly scope: ResourceScope;
  /** IAM policy evaluation (src/iam/); the edge passes its own. Without it every authenticated key may call every route. */
  readonly authorizer?: Authorizer;
  /** Per-account token buckets (src/throttling/; dicomweb.md §8: 50/s, burst 100); throws ThrottlingException. */
  readonly throttle?: { take(accountId: string, action: string): void };
  /** Global condition keys of every request (aws:SecureTransport), added to each route's own. */
  readonly conditions?: Readonly<Record<string, string>>;
  /** Largest STOW-RS body (dicomweb.md §6.2: 1 GB). */
  readonly maxStowBodyBytes: number;
}

export interface DicomwebOutcome {
  readonly operation: string | undefined;
  readonly labels: Record<string, string> | undefined;
  readonly principal: Principal | undefined;
  readonly failure: ApiError | undefined;
}

export async function serveDicomweb(
  raw: IncomingMessage,
  response: ServerResponse,
  call: { readonly method: string; readonly rawPath: string; readonly rawQuery: string; readonly body: Buffer; readonly requestId: string; readonly protocol: string },
  authenticator: Authenticator,
  options: DicomwebEdgeOptions,
  onInternalError: (error: unknown) => void,
): Promise<DicomwebOutcome> {
  if (call.method === 'OPTIONS') {
    writePreflight(response, raw.headers);
    return { operation: undefined, labels: undefined, principal: undefined, failure: undefined };
  }
  let match: DicomwebMatch | undefined;
  let principal: Principal | undefined;
  try {
    let routeError: unknown;
    try {
      match = matchDicomwebRoute(call.method, call.rawPath);
    } catch (error) {
      routeError = error;
    }
    // Authentication comes first: an unsigned request learns nothing about routes or UIDs. STOW-RS bodies may be signed
    // chunk by chunk (AWS's documented upload): the authenticator hands back the checked payload.
    let body = call.body;
    const isStow = match?.route.operation === 'StoreDICOM' || match?.route.operation === 'StoreDICOMStudy';
    principal = await authenticator.authenticate({
      method: call.method,
      rawPath: call.rawPath,
      rawQuery: call.rawQuery,
      headers: raw.headers,
      body: call.body,
      ...(isStow ? { onStreamingPayload: (payload: Buffer) => (body = payload) } : {}),
    });
    if (routeError !== undefined) throw routeError;
    if (match === undefined) throw new UnknownOperationException(`No DICOMweb service matches ${call.method} ${call.rawPath}`);
    const authorization = authorizationRequestOf(match, options.scope);
    await options.authorizer?.authorize(principal, { ...authorization, conditions: { ...authorization.conditions, ...options.conditions } });
    options.throttle?.take(principal.arn.split(':')[4] ?? '', match.route.operation);
    await handleDicomweb(match, { query: new URLSearchParams(call.rawQuery), headers: raw.headers, body, protocol: call.protocol, requestId: call.requestId }, response, options.services);
    return { operation: match.route.operation, labels: { datastoreId: match.datastoreId, ...match.labels }, principal, failure: undefined };
  } catch (error) {
    const failure = asApiError(error);
    if (failure.code === 'InternalServerException') onInternalError(error);
    writeDicomwebError(response, raw.headers, call.requestId, failure);
    return { operation: match?.route.operation, labels: match === undefined ? undefined : { datastoreId: match.datastoreId, ...match.labels }, principal, failure };
  }
}
