// JsonLinesFileSink: appends one event envelope per line to a file (e.g. <data>/events/events.jsonl), fsync per batch.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventSink } from '../event-sink.js';
import type { OutboxEntry } from '../outbox.js';

/** Far longer than any envelope: a torn last line is always found within this tail. */
const TAIL_BYTES = 1024 * 1024;

export class JsonLinesFileSink implements EventSink {
  readonly name = 'log';
  private file: FileHandle | undefined;

  constructor(private readonly path: string) {}

  async deliver(events: readonly OutboxEntry[]): Promise<void> {
    const file = this.file ?? (this.file = await openForAppend(this.path));
    try {
      await file.writeFile(events.map((entry) => `${JSON.stringify(entry.event)}\n`).join(''));
      await file.sync();
    } catch (error) {
      // A half-written batch is cut off when the file is opened again, before the retry appends it whole.
      this.file = undefined;
      await file.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }
}

/** Opens in append mode (owner-only: events name data stores and buckets); a torn last line left by a crash is cut off. */
async function openForAppend(path: string): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await open(path, 'a+', 0o600);
  try {
    const { size } = await file.stat();
    if (size > 0) {
      const tailLength = Math.min(size, TAIL_BYTES);
      const tail = Buffer.alloc(tailLength);
      await file.read(tail, 0, tailLength, size - tailLength);
      if (tail[tailLength - 1] !== 0x0a) {
        const lastNewline = tail.lastIndexOf(0x0a);
        await file.truncate(lastNewline >= 0 ? size - tailLength + lastNewline + 1 : size - tailLength);
        await file.sync();
      }
    }
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}
