// Tessera's own routes beside the HealthImaging API (one table, exact paths). The edge matches them after
// authentication and before the AWS route table, so they share SigV4, request ids and the AWS error format.
import type { RequestContext } from '../api/index.js';
import type { Outbox } from '../events/index.js';
import { readEventFeed } from './event-feed-route.js';

/** What these routes read: wired in app.ts. */
export interface TesseraServices {
  readonly eventFeed: Outbox;
}

export interface TesseraRoute {
  readonly method: 'GET';
  readonly path: string;
  /** Validates the query, answers the JSON body (200) or throws an ApiError. */
  readonly handle: (query: URLSearchParams, context: RequestContext, services: TesseraServices) => Promise<string>;
}

export const TESSERA_ROUTES: readonly TesseraRoute[] = [
  // The replayable change feed: the outbox in sequence order, for consumers catching up after downtime.
  { method: 'GET', path: '/events', handle: (query, _context, services) => readEventFeed(query, services.eventFeed) },
];

export function matchTesseraRoute(method: string, rawPath: string): TesseraRoute | undefined {
  return TESSERA_ROUTES.find((route) => route.method === method && route.path === rawPath);
}
