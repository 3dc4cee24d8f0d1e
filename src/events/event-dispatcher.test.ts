// EventDispatcher against a real SQLite index: order, batching, wake-up on commit, backoff, dead letters, restarts, stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, type DatastoreId } from '../api/index.js';
import { SqliteDb } from '../db/sqlite/sqlite-db.js';
import { buildEvent } from './event-envelope.js';
import { EventDispatcher, type EventDispatcherOptions } from './event-dispatcher.js';
import { EventDeliveryError, type EventSink } from './event-sink.js';
import type { OutboxEntry } from './outbox.js';

async function tempIndex() {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-events-'));
  const path = join(dir, 'index.sqlite');
  const opened: SqliteDb[] = [];
  return {
    path,
    open: () => {
      const db = SqliteDb.open(path);
      opened.push(db);
      return db;
    },
    cleanup: async () => {
      for (const db of opened) db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Commits `count` state changes, each with its event, the way the features do; returns their event ids. */
async function commitEvents(db: SqliteDb, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newId<DatastoreId>();
    const event = buildEvent({ accountId: '123456789012', region: 'us-east-1' }, 'Data Store Creating', [], { datastoreId: id, datastoreName: `ds-${i}`, datastoreStatus: 'CREATING' }, new Date());
    const datastore = {
      id, name: `ds-${i}`, status: 'CREATING' as const, kmsKeyArn: undefined, lambdaAuthorizerArn: undefined,
      losslessStorageFormat: 'HTJ2K' as const, wrappedDataKey: undefined, createdAtMs: Date.now(), updatedAtMs: Date.now(),
    };
    const result = await db.datastores.create({
      datastore,
      tags: {},
      event,
      idempotency: { operation: 'CreateDatastore', clientToken: newId(), requestHash: 'h', notBeforeMs: 0 },
      maxActiveDatastores: 1_000_000,
    });
    assert.equal(result.kind, 'created');
    ids.push(event.id);
  }
  return ids;
}

/** A sink that records what it accepted; `refuse` decides per event whether to throw instead. */
class RecordingSink implements EventSink {
  readonly accepted: OutboxEntry[] = [];
  readonly batchSizes: number[] = [];
  calls = 0;
  constructor(
    readonly name: string,
    private readonly refuse: (entry: OutboxEntry, call: number) => boolean = () => false,
  ) {}

  async deliver(events: readonly OutboxEntry[]): Promise<void> {
    this.calls++;
    this.batchSizes.push(events.length);
    // All or nothing, like the log file sink: one refused event fails the whole batch.
    const refused = events.find((entry) => this.refuse(entry, this.calls));
    if (refused !== undefined) throw new Error(`refused ${refused.sequence}`);
    this.accepted.push(...events);
  }

  ids(): string[] {
    return this.accepted.map((entry) => entry.event.id);
  }
}

function options(db: SqliteDb, sinks: EventSink[], extra: Partial<EventDispatcherOptions> = {}): EventDispatcherOptions {
  return { outbox: db.outbox, store: db.eventDelivery, sinks, pollIntervalMs: 20, maxAttempts: 8, retryBaseMs: 1, retryMaxMs: 1, ...extra };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('delivers every event in outbox order, in batches, and stores the cursor', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    const ids = await commitEvents(db, 25);
    const sink = new RecordingSink('a');
    const dispatcher = new EventDispatcher(options(db, [sink], { batchSize: 10 }));
    dispatcher.start();
    await until(() => sink.accepted.length === 25);
    await dispatcher.stop();
    assert.deepEqual(sink.ids(), ids);
    assert.deepEqual(sink.batchSizes, [10, 10, 5]);
    const sequences = sink.accepted.map((e) => e.sequence);
    assert.deepEqual(sequences, [...sequences].sort((x, y) => x - y));
    assert.equal(await db.eventDelivery.readCursor('a'), sequences.at(-1));
  } finally {
    await index.cleanup();
  }
});

test('a commit wakes the dispatcher at once instead of at the next poll', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    const sink = new RecordingSink('a');
    const dispatcher = new EventDispatcher(options(db, [sink], { pollIntervalMs: 600_000 }));
    dispatcher.start();
    await new Promise((r) => setTimeout(r, 50)); // the lane has read the empty outbox and sleeps for 10 minutes
    const started = Date.now();
    const ids = await commitEvents(db, 2);
    await until(() => sink.accepted.length === 2, 2_000);
    assert.ok(Date.now() - started < 2_000);
    assert.deepEqual(sink.ids(), ids);
    await dispatcher.stop();
  } finally {
    await index.cleanup();
  }
});

test('a failing sink is retried alone with capped exponential backoff; the event is delivered once it recovers', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    const ids = await commitEvents(db, 3);
    const delays: number[] = [];
    const sink = new RecordingSink('flaky', (_entry, call) => call <= 5);
    const healthy = new RecordingSink('healthy');
    const dispatcher = new EventDispatcher(
      options(db, [sink, healthy], {
        retryBaseMs: 100,
        retryMaxMs: 500,
        sleep: async (ms) => {
          delays.push(ms);
        },
      }),
    );
    dispatcher.start();
    await until(() => sink.accepted.length === 3 && healthy.accepted.length === 3);
    await dispatcher.stop();
    assert.deepEqual(delays, [100, 200, 400, 500, 500]);
    assert.deepEqual(sink.ids(), ids);
    assert.deepEqual(healthy.ids(), ids, 'one failing sink does not hold up another');
    // First the whole batch, then the head event alone while it fails, then full batches again.
    assert.deepEqual(sink.batchSizes, [3, 1, 1, 1, 1, 1, 2]);
    assert.deepEqual(await db.eventDelivery.listDeadLetters('flaky'), []);
  } finally {
    await index.cleanup();
  }
});

test('after maxAttempts an event is dead-lettered and delivery goes on with the next one', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    const ids = await commitEvents(db, 5);
    const poisoned = ids[2]!;
    const sink = new RecordingSink('strict', (entry) => entry.event.id === poisoned);
    const dispatcher = new EventDispatcher(options(db, [sink], { maxAttempts: 3 }));
    dispatcher.start();
    await until(() => sink.accepted.length === 4);
    await dispatcher.stop();
    assert.deepEqual(sink.ids(), ids.filter((id) => id !== poisoned));
    const all = await db.outbox.readAfter(0, 100);
    const letters = await db.eventDelivery.listDeadLetters('strict');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.sequence, all[2]!.sequence);
    assert.equal(letters[0]!.attempts, 3);
    assert.match(letters[0]!.lastError, /refused/);
    assert.equal(await db.eventDelivery.readCursor('strict'), all[4]!.sequence);
  } finally {
    await index.cleanup();
  }
});

test('a partial delivery (EventDeliveryError.deliveredCount) advances the cursor past what got through', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    const ids = await commitEvents(db, 4);
    const got: string[] = [];
    let isFirstCall = true;
    const sink: EventSink = {
      name: 'partial',
      async deliver(events) {
        if (isFirstCall) {
          isFirstCall = false;
          got.push(...events.slice(0, 2).map((e) => e.event.id));
          throw new EventDeliveryError('third refused once', 2);
        }
        got.push(...events.map((e) => e.event.id));
      },
    };
    const dispatcher = new EventDispatcher(options(db, [sink]));
    dispatcher.start();
    await until(() => got.length === 4);
    await dispatcher.stop();
    assert.deepEqual(got, ids, 'nothing delivered twice, nothing skipped');
  } finally {
    await index.cleanup();
  }
});

test('the cursor survives a restart: a new dispatcher on the reopened index sends only what is new', async () => {
  const index = await tempIndex();
  try {
    let db = index.open();
    const first = await commitEvents(db, 5);
    const before = new RecordingSink('durable');
    let dispatcher = new EventDispatcher(options(db, [before]));
    dispatcher.start();
    await until(() => before.accepted.length === 5);
    await dispatcher.stop();
    db.close();

    db = index.open();
    const second = await commitEvents(db, 3);
    const after = new RecordingSink('durable');
    const fresh = new RecordingSink('added-later');
    dispatcher = new EventDispatcher(options(db, [after, fresh]));
    dispatcher.start();
    await until(() => after.accepted.length === 3 && fresh.accepted.length === 8);
    await new Promise((r) => setTimeout(r, 60)); // a few more polls: nothing else arrives
    await dispatcher.stop();
    assert.deepEqual(before.ids(), first);
    assert.deepEqual(after.ids(), second);
    assert.deepEqual(fresh.ids(), [...first, ...second], 'a sink seen for the first time starts at the beginning of the outbox');
  } finally {
    await index.cleanup();
  }
});

test('stop() lets the batch in flight finish and stores its cursor', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    await commitEvents(db, 3);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    let seen: readonly OutboxEntry[] = [];
    let closed = false;
    const sink: EventSink = {
      name: 'slow',
      async deliver(events) {
        entered();
        await released;
        seen = events;
      },
      async close() {
        closed = true;
      },
    };
    const dispatcher = new EventDispatcher(options(db, [sink]));
    dispatcher.start();
    await inFlight;
    let isStopped = false;
    const stopping = dispatcher.stop().then(() => (isStopped = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(isStopped, false, 'stop waits for the batch in flight');
    release();
    await stopping;
    assert.equal(seen.length, 3);
    assert.equal(await db.eventDelivery.readCursor('slow'), seen[2]!.sequence);
    assert.ok(closed);
  } finally {
    await index.cleanup();
  }
});

test('stop() interrupts a backoff wait', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    await commitEvents(db, 1);
    const sink = new RecordingSink('down', () => true);
    const dispatcher = new EventDispatcher(options(db, [sink], { retryBaseMs: 600_000, retryMaxMs: 600_000 }));
    dispatcher.start();
    await until(() => sink.calls === 1);
    const started = Date.now();
    await dispatcher.stop();
    assert.ok(Date.now() - started < 1_000);
    assert.equal(await db.eventDelivery.readCursor('down'), 0);
  } finally {
    await index.cleanup();
  }
});

test('the delivery store never moves a cursor back', async () => {
  const index = await tempIndex();
  try {
    const db = index.open();
    assert.equal(await db.eventDelivery.readCursor('x'), 0);
    await db.eventDelivery.saveCursor('x', 7, 1);
    await db.eventDelivery.saveCursor('x', 5, 2);
    assert.equal(await db.eventDelivery.readCursor('x'), 7);
    await db.eventDelivery.deadLetter({ sinkName: 'x', sequence: 9, attempts: 8, lastError: 'boom', failedAtMs: 3 });
    assert.equal(await db.eventDelivery.readCursor('x'), 9);
    assert.deepEqual(await db.eventDelivery.listDeadLetters('x'), [{ sinkName: 'x', sequence: 9, attempts: 8, lastError: 'boom', failedAtMs: 3 }]);
  } finally {
    await index.cleanup();
  }
});
