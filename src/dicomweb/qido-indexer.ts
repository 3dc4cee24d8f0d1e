// Keeps the QIDO-RS index in step with the image sets: an event sink on the outbox (delivery in order, at least once,
// its own cursor), so imports, STOW, updates, copies and deletions all reach it without touching their commit paths.
// QIDO therefore lags commits by the dispatcher's poll interval, as dicomweb.md §5.6 allows.
import type { DatastoreId, ImageSetId } from '../api/index.js';
import type { EventSink, OutboxEntry } from '../events/index.js';
import type { DataKeyLookup, ImageSetDocuments, ImageSetMetadataDocument, ImageSetRepository } from '../image-sets/index.js';
import type { DicomwebIndex } from './dicomweb-index.js';
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
    const previousStudy = await this.index.studyOfImageSet(datastoreId, imageSetId);
    if (imageSet === undefined || !imageSet.isPrimary) {
      await this.index.replaceImageSetRows(datastoreId, imageSetId, previousStudy, undefined, Date.now());
      return;
    }
    const key = await this.keys.keyFor(datastoreId as DatastoreId);
    const version = await this.imageSets.findVersion(imageSet.datastoreId, imageSet.id, imageSet.latestVersion);
    if (key === undefined || version === undefined) return;
    const document = await this.documents.read<ImageSetMetadataDocument>(version.metadataBlobKey, key.dataKey);
    const rows = qidoRowsOf(document);
    if (previousStudy !== undefined && previousStudy !== rows?.series.studyInstanceUID) {
      await this.index.replaceImageSetRows(datastoreId, imageSetId, previousStudy, undefined, imageSet.updatedAtMs);
    }
    await this.index.replaceImageSetRows(datastoreId, imageSetId, rows?.series.studyInstanceUID, rows, imageSet.updatedAtMs);
  }
}
