// Storage tiers (behavior.md §15): accesses are coalesced in memory and written in batches, so a frame read never
// waits for a database write; a periodic sweep moves idle image sets to ARCHIVE_INSTANT_ACCESS.
import type { ImageSetRepository } from './image-set-repository.js';

export interface StorageTieringOptions {
  /** Idle time after which an image set moves to ARCHIVE_INSTANT_ACCESS (AWS: 30 days). */
  readonly archiveAfterMs: number;
  readonly flushIntervalMs: number;
  readonly sweepIntervalMs: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

export class StorageTiering {
  private pending = new Map<string, { datastoreId: string; imageSetId: string; atMs: number }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;

  constructor(
    private readonly repository: ImageSetRepository,
    private readonly options: StorageTieringOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timers.push(setInterval(() => void this.flush().catch((e: unknown) => this.options.onError?.(e, 'storage tier flush')), this.options.flushIntervalMs));
    this.timers.push(setInterval(() => void this.sweep().catch((e: unknown) => this.options.onError?.(e, 'storage tier sweep')), this.options.sweepIntervalMs));
    for (const timer of this.timers) timer.unref();
  }

  /** GetImageSetMetadata, GetImageFrame (and later WADO-RS, copies, updates) count as accesses. */
  noteAccess(datastoreId: string, imageSetId: string): void {
    this.pending.set(`${datastoreId}/${imageSetId}`, { datastoreId, imageSetId, atMs: this.now() });
  }

  /** An access not yet written, so GetImageSet shows it at once. */
  pendingAccessMs(datastoreId: string, imageSetId: string): number | undefined {
    return this.pending.get(`${datastoreId}/${imageSetId}`)?.atMs;
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.repository.recordAccesses(batch);
  }

  async sweep(): Promise<number> {
    await this.flush(); // a pending access must win over the sweep
    return this.repository.archiveIdle(this.now() - this.options.archiveAfterMs);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    await this.flush();
  }
}
