// UpdateImageSetMetadata (behavior.md §10–11): validates and computes the new document at once (rule violations are
// ValidationExceptions), locks the image set (and, with includeStudyImageSets, the study's other primary image sets),
// answers LOCKED/UPDATING, then writes the new version(s). The stored request is replayed if a restart interrupts it.
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
  newId,
  type DatastoreId,
  type ImageSetId,
  type ResourceScope,
} from '../api/index.js';
import type { DetailType } from '../events/index.js';
import type { DataKey } from '../keys/index.js';
import { BackgroundTasks } from './background-tasks.js';
import type { ImageSetDocuments } from './image-set-documents.js';
import { indexFieldsOf, wireMessage } from './image-set-index-fields.js';
import type { DataKeyLookup } from './image-set-reader.js';
import type {
  ImageSetRecord,
  ImageSetRepository,
  ImageSetVersionWrite,
  StoredImageSetOperation,
} from './image-set-repository.js';
import { listFrameIds } from './metadata-document.js';
import type { ImageSetMetadataDocument } from './metadata-document-types.js';
import { levelsEqual } from './metadata-levels.js';
import { parseMetadataPatch } from './metadata-patch.js';
import { applyMetadataUpdates } from './metadata-updates.js';
import { STALE_VERSION_MESSAGE, VersionDocuments, serializeOrRefuse, imageSetEvent, locked, startedOrThrow } from './image-set-operation-support.js';

export type MetadataUpdates =
  | { readonly kind: 'dicom'; readonly updatableAttributes: string | undefined; readonly removableAttributes: string | undefined }
  | { readonly kind: 'revert'; readonly revertToVersionId: number };

export interface UpdateImageSetMetadataInput {
  readonly datastoreId: DatastoreId;
  readonly imageSetId: ImageSetId;
  readonly latestVersionId: string;
  readonly force: boolean;
  readonly includeStudyImageSets: boolean;
  readonly updates: MetadataUpdates;
}

/** The request as stored with the operation: everything needed to compute the same result again. */
interface StoredUpdate {
  readonly imageSetId: ImageSetId;
  readonly version: number;
  readonly isPrimary: boolean;
  readonly force: boolean;
  readonly includeStudyImageSets: boolean;
  readonly hasStudySiblings: boolean;
  readonly updates: MetadataUpdates;
  /** Study siblings the update propagates to (§11.5), at the versions they were locked at. */
  readonly siblings: readonly { readonly imageSetId: ImageSetId; readonly version: number }[];
}

type Outcome =
  | {
      readonly kind: 'updated';
      readonly document: ImageSetMetadataDocument;
      readonly renamedInstances: readonly { readonly from: string; readonly to: string }[];
      readonly siblings: readonly { readonly imageSetId: ImageSetId; readonly version: number; readonly document: ImageSetMetadataDocument }[];
    }
  | { readonly kind: 'failed'; readonly message: string };

export interface ImageSetUpdaterOptions {
  readonly repository: ImageSetRepository;
  readonly documents: ImageSetDocuments;
  readonly keys: DataKeyLookup;
  readonly scope: ResourceScope;
  /** AWS: 100 concurrent UpdateImageSetMetadata requests per data store. */
  readonly maxConcurrentUpdates: number;
  /** Decoded bytes allowed per updatableAttributes / removableAttributes (quota "UpdateImageSetMetadata payload", 10 KB). */
  readonly maxPayloadBytes: number;
  /** Quota on the metadata JSON of the new version (AWS: 50 MB). */
  readonly maxMetadataBytes: number;
  /** Holds accepted updates this long before their work starts (crash tests; clients' LOCKED handling). */
  readonly startDelayMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

export class ImageSetUpdater {
  private readonly tasks: BackgroundTasks;
  private readonly versions: VersionDocuments;
  private readonly now: () => number;

  constructor(private readonly options: ImageSetUpdaterOptions) {
    this.tasks = new BackgroundTasks(options.onError);
    this.versions = new VersionDocuments(options.repository, options.documents, options.keys);
    this.now = options.now ?? Date.now;
  }

  async update(input: UpdateImageSetMetadataInput) {
    const { repository } = this.options;
    if (input.updates.kind === 'dicom') {
      for (const [name, text] of [['updatableAttributes', input.updates.updatableAttributes], ['removableAttributes', input.updates.removableAttributes]] as const) {
        if (text !== undefined && Buffer.byteLength(text, 'utf8') > this.options.maxPayloadBytes) {
          throw new ValidationException(`${name} exceeds ${this.options.maxPayloadBytes} bytes, the UpdateImageSetMetadata payload quota`);
        }
      }
    }
    const imageSet = await repository.findImageSet(input.datastoreId, input.imageSetId);
    if (imageSet === undefined) throw new ResourceNotFoundException(`Image set ${input.imageSetId} does not exist`);
    if (imageSet.state === 'LOCKED') throw locked(imageSet.id, imageSet.workflowStatus);
    if (String(imageSet.latestVersion) !== input.latestVersionId) throw new ResourceNotFoundException(STALE_VERSION_MESSAGE);
    const dataKey = await this.versions.dataKey(input.datastoreId);

    const studyPrimaries = imageSet.isPrimary ? await repository.listStudyPrimaries(input.datastoreId, imageSet.studyInstanceUID) : [];
    const others = studyPrimaries.filter((other) => other.id !== imageSet.id);
    const draft: StoredUpdate = {
      imageSetId: imageSet.id,
      version: imageSet.latestVersion,
      isPrimary: imageSet.isPrimary,
      force: input.force,
      includeStudyImageSets: input.includeStudyImageSets,
      hasStudySiblings: others.length > 0,
      updates: input.updates,
      siblings: [],
    };
    // Computed now so that every rule violation is answered synchronously; the work writes this result (a restart
    // computes it again from the stored request, which gives the same documents).
    const outcome = await this.compute(input.datastoreId, draft, dataKey, others);
    const mainJson = outcome.kind === 'updated' ? serializeOrRefuse(outcome.document, this.options.maxMetadataBytes).json : undefined;
    const siblings = outcome.kind === 'updated' ? outcome.siblings.map((s) => ({ imageSetId: s.imageSetId, version: s.version })) : [];
    const stored: StoredUpdate = { ...draft, siblings };

    const atMs = this.now();
    const operationId = newId<string>();
    const requestJson = JSON.stringify(stored);
    const result = await repository.beginOperation({
      datastoreId: input.datastoreId,
      operationId,
      kind: 'update',
      requestJson,
      locks: [
        { imageSetId: imageSet.id, expectedVersion: imageSet.latestVersion, workflowStatus: 'UPDATING' },
        ...siblings.map((s) => ({ imageSetId: s.imageSetId, expectedVersion: s.version, workflowStatus: 'UPDATING_FOR_STUDY_CONSISTENCY' as const })),
      ],
      create: undefined,
      // No detail-type exists for UPDATING_FOR_STUDY_CONSISTENCY (§17): siblings only report their new version.
      events: (imageSets) => [this.event('Image Set Updating', imageSets[0]!, atMs)],
      maxConcurrent: this.options.maxConcurrentUpdates,
      atMs,
    });
    const started = startedOrThrow(result, input.datastoreId, this.options.maxConcurrentUpdates, 'UpdateImageSetMetadata');
    this.tasks.start(`update ${operationId} of image set ${imageSet.id}`, () => this.finish(input.datastoreId, operationId, requestJson, { outcome, mainJson }), this.options.startDelayMs ?? 0);
    const lockedSet = started.imageSets[0]!;
    return {
      datastoreId: input.datastoreId,
      imageSetId: imageSet.id,
      latestVersionId: String(imageSet.latestVersion + 1),
      imageSetState: lockedSet.state,
      imageSetWorkflowStatus: lockedSet.workflowStatus,
      createdAt: new Date(lockedSet.createdAtMs),
      updatedAt: new Date(lockedSet.updatedAtMs),
    };
  }

  /** Finishes updates a restart interrupted (their image sets are still LOCKED). */
  async resume(operation: StoredImageSetOperation): Promise<void> {
    this.tasks.start(`resuming update ${operation.id}`, () => this.finish(operation.datastoreId, operation.id, operation.requestJson));
  }

  async close(): Promise<void> {
    await this.tasks.close();
  }

  private async finish(
    datastoreId: DatastoreId,
    operationId: string,
    requestJson: string,
    computed?: { readonly outcome: Outcome; readonly mainJson: string | undefined },
  ): Promise<void> {
    const stored = JSON.parse(requestJson) as StoredUpdate;
    let versions: ImageSetVersionWrite[];
    const main = await this.options.repository.findImageSetAnyState(datastoreId, stored.imageSetId);
    if (main === undefined) throw new Error(`Image set ${stored.imageSetId} of operation ${operationId} is gone`);
    try {
      const dataKey = await this.versions.dataKey(datastoreId);
      const outcome = computed?.outcome ?? (await this.compute(datastoreId, stored, dataKey, undefined));
      if (outcome.kind === 'failed') {
        versions = [await this.failedVersion(datastoreId, stored, outcome.message)];
      } else {
        const renamed = outcome.renamedInstances.map((r) => ({ fromImageSetId: main.id, fromSopInstanceUID: r.from, toSopInstanceUID: r.to }));
        versions = [await this.writeVersion(datastoreId, stored.version, stored.force, outcome.document, dataKey, main, renamed, computed?.mainJson)];
        for (const sibling of outcome.siblings) {
          const record = await this.options.repository.findImageSetAnyState(datastoreId, sibling.imageSetId);
          if (record === undefined) throw new Error(`Image set ${sibling.imageSetId} of operation ${operationId} is gone`);
          versions.push(await this.writeVersion(datastoreId, sibling.version, false, sibling.document, dataKey, record, []));
        }
      }
    } catch (error) {
      // Nothing may stay LOCKED: an unexpected failure ends the update UPDATE_FAILED with the old content.
      this.options.onError?.(error, `update ${operationId} of image set ${stored.imageSetId}`);
      versions = [await this.failedVersion(datastoreId, stored, error instanceof ValidationException ? error.message : 'The update could not be completed')];
    }
    const at = this.now();
    const events = versions.map((v) =>
      this.event(v.workflowStatus === 'UPDATE_FAILED' ? 'Image Set Update Failed' : 'Image Set Updated', { datastoreId, id: v.imageSetId, state: 'ACTIVE', workflowStatus: v.workflowStatus, isPrimary: v.isPrimary }, at),
    );
    await this.options.repository.finishOperation({ datastoreId, operationId, versions, events, atMs: at });
  }

  private async writeVersion(
    datastoreId: DatastoreId,
    previousVersion: number,
    isForced: boolean,
    document: ImageSetMetadataDocument,
    dataKey: DataKey,
    record: ImageSetRecord,
    pixelBlobCopies: ImageSetVersionWrite['pixelBlobCopies'],
    json?: string,
  ): Promise<ImageSetVersionWrite> {
    const version = previousVersion + 1;
    const metadataBlobKey = await this.options.documents.write(datastoreId, record.id, version, document, dataKey, json);
    return {
      imageSetId: record.id,
      version,
      workflowStatus: 'UPDATED',
      message: undefined,
      isPrimary: record.isPrimary,
      isForced,
      metadataBlobKey,
      index: indexFieldsOf(document, record),
      frameIds: listFrameIds(document),
      pixelBlobCopies,
    };
  }

  /** A failed update still takes the next version number; its content is the previous version's (§10). */
  private async failedVersion(datastoreId: DatastoreId, stored: StoredUpdate, message: string): Promise<ImageSetVersionWrite> {
    const previous = await this.options.repository.findVersion(datastoreId, stored.imageSetId, stored.version);
    if (previous === undefined) throw new Error(`Version ${stored.version} of image set ${stored.imageSetId} is missing`);
    return {
      imageSetId: stored.imageSetId,
      version: stored.version + 1,
      workflowStatus: 'UPDATE_FAILED',
      message: wireMessage(message),
      isPrimary: stored.isPrimary,
      isForced: stored.force,
      metadataBlobKey: previous.metadataBlobKey,
      index: undefined,
      frameIds: undefined,
      pixelBlobCopies: [],
    };
  }

  /**
   * The new document(s). `others` (the study's other primary image sets) is given on the request path; on replay the
   * siblings stored with the operation are used.
   */
  private async compute(datastoreId: DatastoreId, stored: StoredUpdate, dataKey: DataKey, others: readonly ImageSetRecord[] | undefined): Promise<Outcome> {
    const current = await this.versions.read(datastoreId, stored.imageSetId, stored.version, dataKey);
    if (stored.updates.kind === 'revert') {
      const target = stored.updates.revertToVersionId;
      if (stored.includeStudyImageSets) throw new ValidationException('includeStudyImageSets cannot be combined with revertToVersionId');
      if (target >= stored.version) throw new ValidationException(`revertToVersionId ${target} must be an earlier version than the latest (${stored.version})`);
      const old = await this.options.repository.findVersion(datastoreId, stored.imageSetId, target);
      if (old === undefined) throw new ResourceNotFoundException(`Version ${target} of image set ${stored.imageSetId} does not exist`);
      const document = await this.options.documents.read<ImageSetMetadataDocument>(old.metadataBlobKey, dataKey);
      if (stored.isPrimary && others !== undefined) {
        // Reverting must not break study consistency with the other primary image sets (§11.4).
        for (const other of others) {
          const levels = JSON.parse(other.levelsJson) as { patient: Record<string, unknown>; study: Record<string, unknown> };
          if (!levelsEqual(levels.patient, document.Patient.DICOM) || !levelsEqual(levels.study, document.Study.DICOM)) {
            throw new ConflictException(`Version ${target} has Patient or Study metadata that differ from the study's other primary image set ${other.id}`);
          }
        }
      }
      return { kind: 'updated', document, renamedInstances: [], siblings: [] };
    }
    const updates = stored.updates;
    const result = applyMetadataUpdates(
      current,
      {
        removable: updates.removableAttributes === undefined ? undefined : parseMetadataPatch(updates.removableAttributes, 'removableAttributes', 'remove'),
        updatable: updates.updatableAttributes === undefined ? undefined : parseMetadataPatch(updates.updatableAttributes, 'updatableAttributes', 'update'),
      },
      { force: stored.force, isPrimary: stored.isPrimary, hasStudySiblings: stored.hasStudySiblings, includeStudyImageSets: stored.includeStudyImageSets },
    );
    if (result.kind === 'failed') return result;
    if (!stored.includeStudyImageSets || !result.patientAndStudyChanged) {
      return { kind: 'updated', document: result.document, renamedInstances: result.renamedInstances, siblings: [] };
    }
    // §11.5: the Patient and Study levels go to every other primary image set of the study, in the same operation.
    if (others !== undefined) {
      const busy = others.find((o) => o.state === 'LOCKED');
      if (busy !== undefined) throw locked(busy.id, busy.workflowStatus);
    }
    const targets = others !== undefined ? others.map((o) => ({ imageSetId: o.id, version: o.latestVersion })) : stored.siblings;
    const siblings = [];
    for (const target of targets) {
      const document = await this.versions.read(datastoreId, target.imageSetId, target.version, dataKey);
      siblings.push({
        imageSetId: target.imageSetId,
        version: target.version,
        document: { ...document, Patient: { DICOM: result.document.Patient.DICOM }, Study: { DICOM: result.document.Study.DICOM, Series: document.Study.Series } },
      });
    }
    return { kind: 'updated', document: result.document, renamedInstances: result.renamedInstances, siblings };
  }



  private event(detailType: DetailType, imageSet: Pick<ImageSetRecord, 'datastoreId' | 'id' | 'state' | 'workflowStatus' | 'isPrimary'>, atMs: number) {
    return imageSetEvent(this.options.scope, detailType, imageSet, atMs);
  }
}
