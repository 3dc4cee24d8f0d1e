// Tessera's own routes beside the HealthImaging API (one table, exact paths). The edge matches them after
// authentication and before the AWS route table, so they share SigV4, request ids and the AWS error format.
import { SHAPES, Violations, type DatastoreId, type JobId, type RequestContext } from '../api/index.js';
import type { Outbox } from '../events/index.js';
import { readEventFeed } from './event-feed-route.js';

/** Who may read GET /metrics: SigV4 callers (default), anyone (a Prometheus on loopback), or nobody (404). */
export type MetricsAccess = 'sigv4' | 'open' | 'off';

/** A non-JSON 200 answer (the Prometheus text exposition). */
export interface RawContent {
  readonly contentType: string;
  readonly body: Buffer;
}

/** What these routes read: wired in app.ts. */
export interface TesseraServices {
  readonly eventFeed: Outbox;
  /** GET /metrics; when absent the route answers 404 like `off`. */
  readonly metrics?: { readonly access: MetricsAccess; scrape(): Promise<RawContent> };
  /** GET /importProgress?datastoreId=&jobId= (files scanned / imported / failed so far). */
  readonly importProgress: (datastoreId: DatastoreId, jobId: JobId) => Promise<object>;
}

export interface TesseraRoute {
  readonly method: 'GET';
  readonly path: string;
  /** The eventName of its audit records. */
  readonly eventName: string;
  /** How the route is protected; SigV4 when absent. */
  readonly access?: (services: TesseraServices) => MetricsAccess;
  /**
   * Validates the query, answers the JSON body or raw content (200) or throws an ApiError. `context` is
   * undefined only for routes with `open` access.
   */
  readonly handle: (query: URLSearchParams, context: RequestContext | undefined, services: TesseraServices) => Promise<string | RawContent>;
}

export const TESSERA_ROUTES: readonly TesseraRoute[] = [
  // The replayable change feed: the outbox in sequence order, for consumers catching up after downtime.
  { method: 'GET', path: '/events', eventName: 'ListEvents', handle: (query, _context, services) => readEventFeed(query, services.eventFeed) },
  // Import progress beyond GetDICOMImportJob's contract: counts so far, for consoles and `tessera import`.
  {
    method: 'GET',
    path: '/importProgress',
    eventName: 'GetImportProgress',
    handle: async (query, _context, services) => {
      const v = new Violations();
      const datastoreId = v.string('datastoreId', query.get('datastoreId') ?? undefined, SHAPES.DatastoreId, true) as DatastoreId;
      const jobId = v.string('jobId', query.get('jobId') ?? undefined, SHAPES.JobId, true) as JobId;
      v.throwIfAny();
      return JSON.stringify(await services.importProgress(datastoreId, jobId));
    },
  },
  // Prometheus scrape target; protected as TESSERA_METRICS says.
  {
    method: 'GET',
    path: '/metrics',
    eventName: 'GetMetrics',
    access: (services) => services.metrics?.access ?? 'off',
    handle: async (_query, _context, services) => services.metrics!.scrape(),
  },
];

export function matchTesseraRoute(method: string, rawPath: string): TesseraRoute | undefined {
  return TESSERA_ROUTES.find((route) => route.method === method && route.path === rawPath);
}
