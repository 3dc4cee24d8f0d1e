// The outbox table: events are inserted inside the transaction of the change they describe.
import type Database from 'better-sqlite3';
import type { EventEnvelope, Outbox, OutboxEntry } from '../../events/index.js';

type Db = Database.Database;

const insertStatements = new WeakMap<Db, Database.Statement>();

/** Call only inside a transaction that also writes the state change. */
export function insertOutboxEvent(db: Db, event: EventEnvelope, atMs: number): void {
  let statement = insertStatements.get(db);
  if (statement === undefined) {
    statement = db.prepare('INSERT INTO outbox (event_id, detail_type, event_json, created_at_ms) VALUES (?, ?, ?, ?)');
    insertStatements.set(db, statement);
  }
  statement.run(event.id, event['detail-type'], JSON.stringify(event), atMs);
}

export class SqliteOutbox implements Outbox {
  private readonly readStatement;

  constructor(db: Db) {
    this.readStatement = db.prepare<[number, number], { sequence: number; event_json: string }>(
      'SELECT sequence, event_json FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?',
    );
  }

  async readAfter(afterSequence: number, limit: number): Promise<OutboxEntry[]> {
    return this.readStatement.all(afterSequence, limit).map((row) => ({ sequence: row.sequence, event: JSON.parse(row.event_json) as EventEnvelope }));
  }
}
