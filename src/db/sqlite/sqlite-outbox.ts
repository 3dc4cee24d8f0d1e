// The outbox table (events are inserted inside the transaction of the change they describe) and the
// delivery bookkeeping of its sinks: per-sink cursors and dead letters.
import type Database from 'better-sqlite3';
import type { DeadLetter, EventDeliveryStore, EventEnvelope, Outbox, OutboxEntry } from '../../events/index.js';

type Db = Database.Database;

const insertStatements = new WeakMap<Db, Database.Statement>();
const appendListeners = new WeakMap<Db, Set<() => void>>();
const notifyScheduled = new WeakSet<Db>();

/** Call only inside a transaction that also writes the state change. */
export function insertOutboxEvent(db: Db, event: EventEnvelope, atMs: number): void {
  let statement = insertStatements.get(db);
  if (statement === undefined) {
    statement = db.prepare('INSERT INTO outbox (event_id, detail_type, event_json, created_at_ms) VALUES (?, ?, ?, ?)');
    insertStatements.set(db, statement);
  }
  statement.run(event.id, event['detail-type'], JSON.stringify(event), atMs);
  scheduleNotify(db);
}

/**
 * better-sqlite3 transactions are synchronous, so by the time a macrotask runs the transaction that inserted
 * the event has committed (or rolled back, which costs the listeners one empty read). One notification per
 * turn of the event loop, however many events were written.
 */
function scheduleNotify(db: Db): void {
  const listeners = appendListeners.get(db);
  if (listeners === undefined || listeners.size === 0 || notifyScheduled.has(db)) return;
  notifyScheduled.add(db);
  setImmediate(() => {
    notifyScheduled.delete(db);
    for (const listener of appendListeners.get(db) ?? []) listener();
  });
}

export class SqliteOutbox implements Outbox {
  private readonly readStatement;

  constructor(private readonly db: Db) {
    this.readStatement = db.prepare<[number, number], { sequence: number; event_json: string }>(
      'SELECT sequence, event_json FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?',
    );
  }

  async readAfter(afterSequence: number, limit: number): Promise<OutboxEntry[]> {
    return this.readStatement.all(afterSequence, limit).map((row) => ({ sequence: row.sequence, event: JSON.parse(row.event_json) as EventEnvelope }));
  }

  onAppend(listener: () => void): () => void {
    let listeners = appendListeners.get(this.db);
    if (listeners === undefined) appendListeners.set(this.db, (listeners = new Set()));
    // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const entry = () => listener();
    listeners.add(entry);
    return () => listeners.delete(entry);
  }
}

export class SqliteEventDeliveryStore implements EventDeliveryStore {
  private readonly statements;
  private readonly deadLetterTransaction;

  constructor(db: Db) {
    this.statements = {
      readCursor: db.prepare<[string], { last_sequence: number }>('SELECT last_sequence FROM event_sink_cursors WHERE sink_name = ?'),
      // A cursor never moves back: a late write of an older position (two processes, a replay) is ignored.
      saveCursor: db.prepare(
        `INSERT INTO event_sink_cursors (sink_name, last_sequence, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (sink_name) DO UPDATE SET last_sequence = excluded.last_sequence, updated_at_ms = excluded.updated_at_ms
         WHERE excluded.last_sequence > event_sink_cursors.last_sequence`,
      ),
      insertDeadLetter: db.prepare(
        `INSERT OR REPLACE INTO event_dead_letters (sink_name, sequence, attempts, last_error, failed_at_ms)
         VALUES (@sinkName, @sequence, @attempts, @lastError, @failedAtMs)`,
      ),
      listDeadLetters: db.prepare<[string], { sink_name: string; sequence: number; attempts: number; last_error: string; failed_at_ms: number }>(
        'SELECT * FROM event_dead_letters WHERE sink_name = ? ORDER BY sequence',
      ),
    };
    this.deadLetterTransaction = db.transaction((letter: DeadLetter) => {
      this.statements.insertDeadLetter.run({ ...letter });
      this.statements.saveCursor.run(letter.sinkName, letter.sequence, letter.failedAtMs);
    });
  }

  async readCursor(sinkName: string): Promise<number> {
    return this.statements.readCursor.get(sinkName)?.last_sequence ?? 0;
  }

  async saveCursor(sinkName: string, lastSequence: number, atMs: number): Promise<void> {
    this.statements.saveCursor.run(sinkName, lastSequence, atMs);
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetterTransaction.immediate(letter);
  }

  async listDeadLetters(sinkName: string): Promise<DeadLetter[]> {
    return this.statements.listDeadLetters.all(sinkName).map((row) => ({
      sinkName: row.sink_name,
      sequence: row.sequence,
      attempts: row.attempts,
      lastError: row.last_error,
      failedAtMs: row.failed_at_ms,
    }));
  }
}
