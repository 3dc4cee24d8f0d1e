// The EventDeliveryStore port: per-sink delivery cursors and the dead letters of events a sink never accepted.

export interface DeadLetter {
  readonly sinkName: string;
  readonly sequence: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAtMs: number;
}

export interface EventDeliveryStore {
  /** The last outbox sequence delivered to the sink (or dead-lettered for it); 0 when it never delivered. */
  readCursor(sinkName: string): Promise<number>;
  saveCursor(sinkName: string, lastSequence: number, atMs: number): Promise<void>;
  /** Records the dead letter and moves the sink's cursor to its sequence, atomically. */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** Oldest first. */
  listDeadLetters(sinkName: string): Promise<DeadLetter[]>;
}
