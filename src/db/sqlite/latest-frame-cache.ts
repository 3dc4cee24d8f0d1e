// Latest-version frame lookups of GetImageFrame, remembered between the commits that change them. Every writer of
// image_set_frames (import commits, update/copy finishes, deletions) runs in this process on this connection and calls
// invalidate() inside its transaction, so an entry is never older than the latest commit. Such commits are rare next to
// frame reads, so forgetting everything on each is cheaper than tracking entries per image set. A deployment where other
// processes write the index (not possible with the embedded SQLite today) would need a shared generation instead.
import type { StoredFrameRecord } from '../../image-sets/index.js';

export class LatestFrameCache {
  private readonly entries = new Map<string, StoredFrameRecord>();

  constructor(private readonly maxEntries = 100_000) {}

  get(datastoreId: string, imageSetId: string, frameId: string): StoredFrameRecord | undefined {
    return this.entries.get(`${datastoreId}/${imageSetId}/${frameId}`);
  }

  set(datastoreId: string, imageSetId: string, frameId: string, frame: StoredFrameRecord): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(`${datastoreId}/${imageSetId}/${frameId}`, frame);
  }

  invalidate(): void {
    this.entries.clear();
  }
}
