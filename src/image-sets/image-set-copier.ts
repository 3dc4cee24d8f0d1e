// CopyImageSet (behavior.md §12): checks the request against both documents at once, locks the source
// (COPYING_WITH_READ_ONLY_ACCESS) and the destination (COPYING; created when new), answers, then writes the destination's
// new version. Frames and whole pixel blobs are shared by reference, never re-encoded. Replayed after a restart.
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ValidationException,
  imageSetArn,
  newId,
  type DatastoreId,
  type ImageSetId,
  type ResourceScope,
} from '../api/index.js';
import { BackgroundTasks } from './background-tasks.js';
import {
  copyInconsistency,
  countSelectedFrames,
  mergeCopy,
  newCopyDocument,
  selectForCopy,
  selectedSopInstanceUIDs,
  type CopySelection,
} from './copy-documents.js';
import type { ImageSetDocuments } from './image-set-documents.js';
import { indexFieldsOf, wireMessage } from './image-set-index-fields.js';
import type { DataKeyLookup } from './image-set-reader.js';
import type { ImageSetRecord, ImageSetRepository, ImageSetVersionWrite, StoredImageSetOperation } from './image-set-repository.js';
import { STALE_VERSION_MESSAGE, VersionDocuments, serializeOrRefuse, imageSetEvent, locked, startedOrThrow } from './image-set-operation-support.js';
import { listFrameIds } from './metadata-document.js';
import type { ImageSetMetadataDocument } from './metadata-document-types.js';
import { levelsEqual, levelsOfDocument } from './metadata-levels.js';
import { parseMetadataPatch } from './metadata-patch.js';

export interface CopyImageSetInput {
  readonly datastoreId: DatastoreId;
  readonly sourceImageSetId: ImageSetId;
  readonly sourceLatestVersionId: string;
  readonly copiableAttributes: string | undefined;
  readonly destination: { readonly imageSetId: ImageSetId; readonly latestVersionId: string } | undefined;
  readonly force: boolean;
  readonly promoteToPrimary: boolean;
}

interface StoredCopy {
  readonly sourceImageSetId: ImageSetId;
  readonly sourceVersion: number;
  readonly copiableAttributes: string | undefined;
  readonly destinationImageSetId: ImageSetId;
  /** 0 for a new destination. */
  readonly destinationVersion: number;
  readonly isNewDestination: boolean;
  readonly destinationIsPrimary: boolean;
  readonly force: boolean;
}

/** A copy's outcome for its destination: the new document (with its JSON when already made), or why it fails. */
type Prepared =
  | { readonly document: ImageSetMetadataDocument; readonly json: string | undefined; readonly sopInstanceUIDs: readonly string[] }
  | { readonly failed: string };

export interface ImageSetCopierOptions {
  readonly repository: ImageSetRepository;
  readonly documents: ImageSetDocuments;
  readonly keys: DataKeyLookup;
  readonly scope: ResourceScope;
  /** AWS: 100 concurrent CopyImageSet requests per data store. */
  readonly maxConcurrentCopies: number;
  /** AWS: 1,000 image frames per CopyImageSet request (adjustable). */
  readonly maxFramesPerCopy: number;
  /** Quota on the metadata JSON of the destination's new version (AWS: 50 MB). */
  readonly maxMetadataBytes: number;
  readonly startDelayMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

export class ImageSetCopier {
  private readonly tasks: BackgroundTasks;
  private readonly versions: VersionDocuments;
  private readonly now: () => number;

  constructor(private readonly options: ImageSetCopierOptions) {
    this.tasks = new BackgroundTasks(options.onError);
    this.versions = new VersionDocuments(options.repository, options.documents, options.keys);
    this.now = options.now ?? Date.now;
  }

  async copy(input: CopyImageSetInput) {
    const promoteToPrimary = input.promoteToPrimary;
    const { repository } = this.options;
    const { datastoreId } = input;
    const source = await this.current(datastoreId, input.sourceImageSetId, input.sourceLatestVersionId);
    const dataKey = await this.versions.dataKey(datastoreId);
    const sourceDocument = await this.versions.read(datastoreId, source.id, source.latestVersion, dataKey);
    const selection = selectForCopy(sourceDocument, input.copiableAttributes === undefined ? undefined : parseMetadataPatch(input.copiableAttributes, 'copiableAttributes', 'copy'));
    const frames = countSelectedFrames(selection);
    if (frames > this.options.maxFramesPerCopy) {
      throw new ServiceQuotaExceededException(`The copy selects ${frames} image frames; one CopyImageSet copies at most ${this.options.maxFramesPerCopy}`);
    }

    let stored: StoredCopy;
    // The destination's new document, computed now for the checks and written by the work (a restart recomputes it).
    let prepared: Prepared;
    let create: Parameters<ImageSetRepository['beginOperation']>[0]['create'];
    if (input.destination !== undefined) {
      if (input.destination.imageSetId === source.id) throw new ValidationException('The source and destination image sets must differ');
      const destination = await this.current(datastoreId, input.destination.imageSetId, input.destination.latestVersionId);
      if (promoteToPrimary && !destination.isPrimary) {
        throw new ConflictException('promoteToPrimary with a destination merges into the primary image set of the series; the destination is not primary');
      }
      if (destination.isPrimary) {
        // A primary image set holds exactly its series (§5.2 invariant 1).
        for (const seriesUid of selection.keys()) {
          if (seriesUid !== destination.seriesInstanceUID) {
            throw new ValidationException(`Series ${seriesUid} cannot be copied into the primary image set of series ${destination.seriesInstanceUID}`);
          }
        }
      }
      const destinationDocument = await this.versions.read(datastoreId, destination.id, destination.latestVersion, dataKey);
      if (!input.force) {
        const inconsistency = copyInconsistency(sourceDocument, destinationDocument, selection);
        if (inconsistency !== undefined) throw new ValidationException(`${inconsistency}; use force=true to keep the destination's metadata`);
      }
      const merged = mergeCopy(destinationDocument, selection);
      prepared =
        merged.kind === 'merged'
          ? { ...serializeOrRefuse(merged.document, this.options.maxMetadataBytes), sopInstanceUIDs: selectedSopInstanceUIDs(selection) }
          : { failed: merged.message };
      stored = {
        sourceImageSetId: source.id,
        sourceVersion: source.latestVersion,
        copiableAttributes: input.copiableAttributes,
        destinationImageSetId: destination.id,
        destinationVersion: destination.latestVersion,
        isNewDestination: false,
        destinationIsPrimary: destination.isPrimary,
        force: input.force,
      };
      create = undefined;
    } else {
      const destinationId = newId<ImageSetId>();
      const document = newCopyDocument(sourceDocument, destinationId, selection);
      prepared = { ...serializeOrRefuse(document, this.options.maxMetadataBytes), sopInstanceUIDs: selectedSopInstanceUIDs(selection) };
      if (promoteToPrimary) await this.checkPromotion(datastoreId, document, selection, input.force);
      stored = {
        sourceImageSetId: source.id,
        sourceVersion: source.latestVersion,
        copiableAttributes: input.copiableAttributes,
        destinationImageSetId: destinationId,
        destinationVersion: 0,
        isNewDestination: true,
        destinationIsPrimary: promoteToPrimary,
        force: input.force,
      };
      create = { imageSetId: destinationId, isPrimary: promoteToPrimary, index: indexFieldsOf(document, source) };
    }

    const atMs = this.now();
    const operationId = newId<string>();
    const requestJson = JSON.stringify(stored);
    const result = await repository.beginOperation({
      datastoreId,
      operationId,
      kind: 'copy',
      requestJson,
      locks: [
        { imageSetId: source.id, expectedVersion: source.latestVersion, workflowStatus: 'COPYING_WITH_READ_ONLY_ACCESS' },
        ...(stored.isNewDestination ? [] : [{ imageSetId: stored.destinationImageSetId, expectedVersion: stored.destinationVersion, workflowStatus: 'COPYING' as const }]),
      ],
      create,
      events: (imageSets) => [
        imageSetEvent(this.options.scope, 'Image Set Copying With Read Only Access', imageSets[0]!, atMs),
        imageSetEvent(this.options.scope, 'Image Set Copying', imageSets[1]!, atMs),
      ],
      maxConcurrent: this.options.maxConcurrentCopies,
      atMs,
    });
    const { imageSets } = startedOrThrow(result, datastoreId, this.options.maxConcurrentCopies, 'CopyImageSet');
    this.tasks.start(`copy ${operationId} of image set ${source.id}`, () => this.finish(datastoreId, operationId, requestJson, prepared), this.options.startDelayMs ?? 0);
    const [lockedSource, lockedDestination] = [imageSets[0]!, imageSets[1]!];
    return {
      datastoreId,
      sourceImageSetProperties: { ...this.properties(lockedSource), latestVersionId: String(source.latestVersion) },
      destinationImageSetProperties: { ...this.properties(lockedDestination), latestVersionId: String(stored.destinationVersion + 1) },
    };
  }

  async resume(operation: StoredImageSetOperation): Promise<void> {
    this.tasks.start(`resuming copy ${operation.id}`, () => this.finish(operation.datastoreId, operation.id, operation.requestJson));
  }

  async close(): Promise<void> {
    await this.tasks.close();
  }

  private properties(imageSet: ImageSetRecord) {
    return {
      imageSetId: imageSet.id,
      imageSetState: imageSet.state,
      imageSetWorkflowStatus: imageSet.workflowStatus,
      createdAt: new Date(imageSet.createdAtMs),
      updatedAt: new Date(imageSet.updatedAtMs),
      imageSetArn: imageSetArn(this.options.scope, imageSet.datastoreId, imageSet.id),
    };
  }

  /**
   * A new primary image set must be the only one of its series (checked again, atomically, when the copy starts) and,
   * unless forced, share the Patient and Study metadata of the study's other primary image sets (§5.2 invariant 3).
   */
  private async checkPromotion(datastoreId: DatastoreId, document: ImageSetMetadataDocument, selection: CopySelection, force: boolean): Promise<void> {
    if (selection.size !== 1) throw new ValidationException('A primary image set holds one series; select instances of a single series to promote');
    const seriesUid = [...selection.keys()][0]!;
    const studyUid = document.Study.DICOM.StudyInstanceUID;
    if (typeof studyUid !== 'string' || studyUid === '') throw new ValidationException('The source has no StudyInstanceUID; it cannot become a primary image set');
    if ((await this.options.repository.findPrimary(datastoreId, studyUid, seriesUid)) !== undefined) {
      throw new ConflictException(`A primary image set already exists for series ${seriesUid}; copy into it with promoteToPrimary and its ID as destination`);
    }
    if (force) return;
    const levels = levelsOfDocument(document);
    for (const other of await this.options.repository.listStudyPrimaries(datastoreId, studyUid)) {
      const otherLevels = JSON.parse(other.levelsJson) as { patient: Record<string, unknown>; study: Record<string, unknown> };
      if (!levelsEqual(levels.patient, otherLevels.patient) || !levelsEqual(levels.study, otherLevels.study)) {
        throw new ConflictException(`Patient or Study metadata differ from the study's primary image set ${other.id}; update them first or use force=true`);
      }
    }
  }

  private async finish(datastoreId: DatastoreId, operationId: string, requestJson: string, prepared?: Prepared): Promise<void> {
    const stored = JSON.parse(requestJson) as StoredCopy;
    const destination = await this.options.repository.findImageSetAnyState(datastoreId, stored.destinationImageSetId);
    if (destination === undefined) throw new Error(`Image set ${stored.destinationImageSetId} of operation ${operationId} is gone`);
    let version: ImageSetVersionWrite;
    try {
      version = await this.writeDestination(datastoreId, stored, destination, prepared ?? (await this.prepare(datastoreId, stored)));
    } catch (error) {
      this.options.onError?.(error, `copy ${operationId} into image set ${stored.destinationImageSetId}`);
      version = await this.failedVersion(datastoreId, stored, error instanceof ValidationException ? error.message : 'The copy could not be completed');
    }
    const atMs = this.now();
    const failed = version.workflowStatus === 'COPY_FAILED';
    const event = imageSetEvent(
      this.options.scope,
      failed ? 'Image Set Copy Failed' : 'Image Set Copied',
      { datastoreId, id: stored.destinationImageSetId, state: 'ACTIVE', workflowStatus: version.workflowStatus, isPrimary: version.isPrimary },
      atMs,
    );
    await this.options.repository.finishOperation({ datastoreId, operationId, versions: [version], events: [event], atMs });
  }

  /** The destination's new document from the stored request (after a restart). */
  private async prepare(datastoreId: DatastoreId, stored: StoredCopy): Promise<Prepared> {
    const dataKey = await this.versions.dataKey(datastoreId);
    const sourceDocument = await this.versions.read(datastoreId, stored.sourceImageSetId, stored.sourceVersion, dataKey);
    const selection = selectForCopy(sourceDocument, stored.copiableAttributes === undefined ? undefined : parseMetadataPatch(stored.copiableAttributes, 'copiableAttributes', 'copy'));
    const sopInstanceUIDs = selectedSopInstanceUIDs(selection);
    if (stored.isNewDestination) return { document: newCopyDocument(sourceDocument, stored.destinationImageSetId, selection), json: undefined, sopInstanceUIDs };
    const merged = mergeCopy(await this.versions.read(datastoreId, stored.destinationImageSetId, stored.destinationVersion, dataKey), selection);
    return merged.kind === 'failed' ? { failed: merged.message } : { document: merged.document, json: undefined, sopInstanceUIDs };
  }

  private async writeDestination(datastoreId: DatastoreId, stored: StoredCopy, destination: ImageSetRecord, prepared: Prepared): Promise<ImageSetVersionWrite> {
    if ('failed' in prepared) return this.failedVersion(datastoreId, stored, prepared.failed);
    const { document } = prepared;
    const dataKey = await this.versions.dataKey(datastoreId);
    const version = stored.destinationVersion + 1;
    const metadataBlobKey = await this.options.documents.write(datastoreId, stored.destinationImageSetId, version, document, dataKey, prepared.json);
    return {
      imageSetId: stored.destinationImageSetId,
      version,
      workflowStatus: 'COPIED',
      message: undefined,
      isPrimary: stored.destinationIsPrimary,
      isForced: stored.force,
      metadataBlobKey,
      index: indexFieldsOf(document, destination),
      frameIds: listFrameIds(document),
      pixelBlobCopies: prepared.sopInstanceUIDs.map((sop) => ({ fromImageSetId: stored.sourceImageSetId, fromSopInstanceUID: sop, toSopInstanceUID: sop })),
    };
  }

  /**
   * COPY_FAILED keeps the destination's previous content; a new destination gets an empty document and is not primary
   * (it holds nothing to be primary for).
   */
  private async failedVersion(datastoreId: DatastoreId, stored: StoredCopy, message: string): Promise<ImageSetVersionWrite> {
    let metadataBlobKey: string;
    if (stored.isNewDestination) {
      const dataKey = await this.versions.dataKey(datastoreId);
      const empty: ImageSetMetadataDocument = {
        SchemaVersion: '1.1',
        DatastoreID: datastoreId,
        ImageSetID: stored.destinationImageSetId,
        Patient: { DICOM: {} },
        Study: { DICOM: {}, Series: {} },
      };
      metadataBlobKey = await this.options.documents.write(datastoreId, stored.destinationImageSetId, 1, empty, dataKey);
    } else {
      const previous = await this.options.repository.findVersion(datastoreId, stored.destinationImageSetId, stored.destinationVersion);
      if (previous === undefined) throw new Error(`Version ${stored.destinationVersion} of image set ${stored.destinationImageSetId} is missing`);
      metadataBlobKey = previous.metadataBlobKey;
    }
    return {
      imageSetId: stored.destinationImageSetId,
      version: stored.destinationVersion + 1,
      workflowStatus: 'COPY_FAILED',
      message: wireMessage(message),
      isPrimary: stored.isNewDestination ? false : stored.destinationIsPrimary,
      isForced: stored.force,
      metadataBlobKey,
      index: undefined,
      frameIds: stored.isNewDestination ? [] : undefined,
      pixelBlobCopies: [],
    };
  }

  /** The image set, ACTIVE and at the version the caller names. */
  private async current(datastoreId: DatastoreId, imageSetId: ImageSetId, latestVersionId: string): Promise<ImageSetRecord> {
    const imageSet = await this.options.repository.findImageSet(datastoreId, imageSetId);
    if (imageSet === undefined) throw new ResourceNotFoundException(`Image set ${imageSetId} does not exist`);
    if (imageSet.state === 'LOCKED') throw locked(imageSet.id, imageSet.workflowStatus);
    if (String(imageSet.latestVersion) !== latestVersionId) throw new ResourceNotFoundException(STALE_VERSION_MESSAGE);
    return imageSet;
  }


}
