// Keeps the QIDO-RS index in step with the image sets: an event sink on the outbox (delivery in order, at least once,
// its own cursor), so imports, STOW, updates, copies and deletions all reach it without touching their commit paths.
// QIDO therefore lags commits by the dispatcher's poll interval, as dicomweb.md §5.6 allows.
import type { DatastoreId, ImageSetId } from '../api/index.js';
import type { EventSink, OutboxEntry } from '../events/index.js';
import type { DataKeyLookup, ImageSetDocuments, ImageSetMetadataDocument, ImageSetRepository } from '../image-sets/index.js';
import type { DicomwebIndex, IndexedImageSet } from './dicomweb-index.js';
import { qidoRowsOf } from './qido-rows.js';

export class QidoIndexer implements EventSink {
  readonly name = 'dicomweb-qido-index';

  constructor(
    private readonly imageSets: ImageSetRepository,
    private readonly documents: ImageSetDocuments,
    private readonly keys: DataKeyLookup,
    private readonly index: DicomwebIndex,
  ) {}

  async deliver(events: readonly OutboxEntry[]): Promise<void> {
    for (const entry of events) {
      const detail = entry.event.detail as { datastoreId?: unknown; imageSetId?: unknown };
      if (!entry.event['detail-type'].startsWith('Image Set') || typeof detail.datastoreId !== 'string' || typeof detail.imageSetId !== 'string') continue;
      await this.sync(detail.datastoreId, detail.imageSetId);
    }
  }

  /** Rebuilds the rows of one image set from its current state: idempotent, so a replayed event does no harm. */
  async sync(datastoreId: string, imageSetId: string): Promise<void> {
    const imageSet = await this.imageSets.findImageSet(datastoreId as DatastoreId, imageSetId as ImageSetId);
    if (imageSet === undefined || !imageSet.isPrimary) {
      await this.index.replaceImageSetRows(datastoreId, imageSetId, undefined, undefined, Date.now());
      return;
    }
    const key = await this.keys.keyFor(datastoreId as DatastoreId);
    const version = await this.imageSets.findVersion(imageSet.datastoreId, imageSet.id, imageSet.latestVersion);
    if (key === undefined || version === undefined) return;
    const document = await this.documents.read<ImageSetMetadataDocument>(version.metadataBlobKey, key.dataKey);
    const rows = qidoRowsOf(document);
    // One transaction: the rows go from the old state to the new one, and a study the image set left is recomputed too.
    await this.index.replaceImageSetRows(datastoreId, imageSetId, rows?.series.studyInstanceUID, rows, imageSet.updatedAtMs);
  }

  /**
   * Rebuilds the QIDO rows of data stores from their image sets' latest documents (`tessera dicomweb reindex`), for when
   * this sink dead-lettered an event or the rows were damaged: rows of image sets that are gone or not primary are
   * removed, every live primary image set is written again (each in its own transaction, through sync, so QIDO sees an
   * image set's old rows or its new ones, never a mix), and study rows left without series are dropped.
   * `datastoreIds` undefined: every data store with rows, plus `liveDatastoreIds`.
   *
   * It may run beside the server, whose sink keeps writing: an image set that changes while it is rebuilt is synced again
   * (the server's event for that change comes after its commit, so whichever write is last reflects the newest state).
   */
  async rebuild(datastoreIds: readonly string[] | undefined, liveDatastoreIds: readonly string[] = []): Promise<QidoRebuildResult> {
    let removed = 0;
    let rebuilt = 0;
    const stores = new Set(datastoreIds ?? liveDatastoreIds);
    // Rows of image sets that are gone or no longer primary (also of data stores that are gone, when rebuilding all).
    for (const datastoreId of datastoreIds ?? [undefined]) {
      let after: IndexedImageSet | undefined;
      for (;;) {
        const page = await this.index.listIndexedImageSets(datastoreId, after, PAGE_SIZE);
        for (const indexed of page) {
          stores.add(indexed.datastoreId);
          const imageSet = await this.imageSets.findImageSet(indexed.datastoreId as DatastoreId, indexed.imageSetId as ImageSetId);
          if (imageSet !== undefined && imageSet.isPrimary) continue; // rebuilt below
          await this.syncUntilSettled(indexed.datastoreId, indexed.imageSetId);
          removed++;
        }
        if (page.length < PAGE_SIZE) break;
        after = page.at(-1);
      }
    }
    // Every live primary image set, from its latest document.
    for (const datastoreId of stores) {
      let after: { sortValue: string | number; id: string } | undefined;
      for (;;) {
        // By updatedAt, the order the index keeps for primaries: an image set updated meanwhile moves later, never skipped.
        const page = await this.imageSets.searchImageSets({
          datastoreId: datastoreId as DatastoreId,
          equals: [{ field: 'isPrimary', value: true }],
          range: undefined,
          sort: { field: 'updatedAt', order: 'ASC' },
          after,
          limit: PAGE_SIZE,
        });
        for (const row of page) {
          await this.syncUntilSettled(datastoreId, row.id);
          rebuilt++;
        }
        if (page.length < PAGE_SIZE) break;
        const last = page.at(-1)!;
        after = { sortValue: last.sortValue, id: last.id };
      }
    }
    let droppedStudies = 0;
    for (const datastoreId of datastoreIds ?? [undefined]) droppedStudies += await this.index.dropStudiesWithoutSeries(datastoreId);
    return { datastores: stores.size, rebuiltImageSets: rebuilt, removedImageSets: removed, droppedStudies };
  }

  /** sync, again while the image set changed under it (a concurrent writer may have written rows of an older state). */
  private async syncUntilSettled(datastoreId: string, imageSetId: string): Promise<void> {
    const stateOf = async () => {
      const imageSet = await this.imageSets.findImageSet(datastoreId as DatastoreId, imageSetId as ImageSetId);
      return imageSet === undefined ? 'gone' : `${imageSet.latestVersion}|${imageSet.isPrimary}|${imageSet.updatedAtMs}`;
    };
    for (let attempt = 0; attempt < MAX_SYNC_ATTEMPTS; attempt++) {
      const before = await stateOf();
      await this.sync(datastoreId, imageSetId);
      if ((await stateOf()) === before) return;
    }
  }
}

const PAGE_SIZE = 500;
/** An image set that keeps changing is left to the server's sink, which follows every change anyway. */
const MAX_SYNC_ATTEMPTS = 5;

export interface QidoRebuildResult {
  /** Data stores whose image sets were rebuilt. */
  readonly datastores: number;
  readonly rebuiltImageSets: number;
  /** Image sets whose rows were removed (gone, or not primary). */
  readonly removedImageSets: number;
  /** Study rows without any series, removed. */
  readonly droppedStudies: number;
}
