// GET /events?after=<sequence>&limit=<n>: the outbox as an ordered, replayable change feed.
import { ValidationException } from '../api/index.js';
import type { Outbox } from '../events/index.js';

export const EVENT_FEED_DEFAULT_LIMIT = 100;
export const EVENT_FEED_MAX_LIMIT = 1000;

/** `{"events":[{"sequence":n,"event":{…envelope}}],"nextAfter":n}`; nextAfter is `after` again when nothing is newer. */
export async function readEventFeed(query: URLSearchParams, feed: Outbox): Promise<string> {
  const after = wholeNumber(query, 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = wholeNumber(query, 'limit', 1, EVENT_FEED_MAX_LIMIT) ?? EVENT_FEED_DEFAULT_LIMIT;
  const entries = await feed.readAfter(after, limit);
  return JSON.stringify({
    events: entries.map((entry) => ({ sequence: entry.sequence, event: entry.event })),
    nextAfter: entries.length > 0 ? entries[entries.length - 1]!.sequence : after,
  });
}

function wholeNumber(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ValidationException(`1 validation error detected: Value '${text.slice(0, 64)}' at '${name}' failed to satisfy constraint: Member must be a whole number between ${min} and ${max}`);
  }
  return value;
}
