// FileAuditLog: append-only JSON lines in <data>/audit, group-committed (one write + fdatasync per batch of a few ms),
// rotated by size into numbered files; the hash chain continues across files and restarts.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { sealRecord, type ChainHead } from './audit-chain.js';
import { auditFileName, readChainHead } from './audit-files.js';
import type { AuditLog } from './audit-log.js';
import type { AuditRecord } from './audit-record.js';

export interface FileAuditLogOptions {
  readonly dir: string;
  /** A file is closed and the next one started before it would grow past this (one record larger than it gets its own file). */
  readonly maxFileBytes: number;
  /** How long the first record of a batch waits for others before the batch is written. */
  readonly batchMs: number;
  readonly onError: (error: unknown, message: string) => void;
  /** Told when the newest file ends mid-record at start (a crash or a truncation); it is left as found for `audit verify`. */
  readonly onTornFile?: (path: string) => void;
}

export class FileAuditLog implements AuditLog {
  private queue: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private isClosed = false;

  private constructor(
    private readonly options: FileAuditLogOptions,
    private head: ChainHead,
    private fileNumber: number,
    private file: FileHandle,
    private fileBytes: number,
  ) {}

  static async open(options: FileAuditLogOptions): Promise<FileAuditLog> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const { head, lastFile } = await readChainHead(options.dir);
    let number = lastFile?.number ?? 1;
    let size = lastFile?.size ?? 0;
    if (lastFile?.torn === true) {
      options.onTornFile?.(lastFile.path);
      number++;
      size = 0;
    }
    const file = await open(join(options.dir, auditFileName(number)), 'a', 0o600);
    if (size === 0) await syncDir(options.dir);
    return new FileAuditLog(options, head, number, file, size);
  }

  append(record: AuditRecord): void {
    if (this.isClosed) return;
    this.queue.push(record);
    if (this.timer === undefined && this.writing === undefined) this.timer = setTimeout(() => this.startWrite(), this.options.batchMs);
  }

  async flush(): Promise<void> {
    while (this.writing !== undefined || this.queue.length > 0) {
      if (this.writing === undefined) this.startWrite();
      await this.writing;
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.flush();
    this.isClosed = true;
    await this.file.close();
  }

  private startWrite(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing !== undefined || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.write(batch)
      .catch((error: unknown) => this.options.onError(error, `audit records could not be written (${batch.length} lost)`))
      .finally(() => {
        this.writing = undefined;
        // Records that came in during the write have waited one batch already: write them at once.
        if (this.queue.length > 0 && !this.isClosed) this.startWrite();
      });
  }

  private async write(batch: readonly AuditRecord[]): Promise<void> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const record of batch) {
      const sealed = sealRecord(record, this.head);
      const bytes = Buffer.from(`${sealed.line}\n`, 'utf8');
      if (this.fileBytes + pendingBytes > 0 && this.fileBytes + pendingBytes + bytes.length > this.options.maxFileBytes) {
        await this.writeAndSync(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await this.rotate();
      }
      pending.push(bytes);
      pendingBytes += bytes.length;
      this.head = sealed.head;
    }
    await this.writeAndSync(pending, pendingBytes);
  }

  private async writeAndSync(buffers: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    const data = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers, bytes);
    let offset = 0;
    while (offset < data.length) offset += (await this.file.write(data, offset, data.length - offset)).bytesWritten;
    await this.file.datasync();
    this.fileBytes += bytes;
  }

  private async rotate(): Promise<void> {
    await this.file.close();
    this.fileNumber++;
    this.file = await open(join(this.options.dir, auditFileName(this.fileNumber)), 'a', 0o600);
    this.fileBytes = 0;
    await syncDir(this.options.dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the entry still becomes durable with the next metadata sync.
  } finally {
    await handle.close();
  }
}
