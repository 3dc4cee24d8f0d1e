// A byte-budgeted LRU of decrypted, immutable blobs (frames): a hot frame is served without a file read or a decrypt.
export class FrameCache {
  private readonly entries = new Map<string, Buffer>();
  private sizeBytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(key: string): Buffer | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.budgetBytes / 8) return; // one huge blob must not flush the whole cache
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.sizeBytes -= previous.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.sizeBytes += value.length;
    for (const [oldest, buffer] of this.entries) {
      if (this.sizeBytes <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.sizeBytes -= buffer.length;
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.sizeBytes -= value.length;
  }

  get usedBytes(): number {
    return this.sizeBytes;
  }
}
