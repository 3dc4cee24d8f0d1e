// What UpdateImageSetMetadata and CopyImageSet share: their errors for refused locks, and image set events.
import {
  ConflictException,
  type DatastoreId,
  type ImageSetId,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  imageSetArn,
  type ResourceScope,
} from '../api/index.js';
import { buildEvent, type DetailType, type EventEnvelope } from '../events/index.js';
import type { DataKey } from '../keys/index.js';
import type { ImageSetDocuments } from './image-set-documents.js';
import type { DataKeyLookup } from './image-set-reader.js';
import type { BeginOperationResult, ImageSetRecord, ImageSetRepository } from './image-set-repository.js';
import type { ImageSetMetadataDocument } from './metadata-document-types.js';

/** The exact message AWS answers for a stale latestVersionId, as ResourceNotFoundException (behavior.md §10). */
export const STALE_VERSION_MESSAGE = 'Requested version(s) of ImageSet(s) is not the latest.';

export function locked(imageSetId: string, workflowStatus: string): ConflictException {
  return new ConflictException(`Image set ${imageSetId} is locked (${workflowStatus}); try again when the operation has finished`);
}

/** Maps the repository's refusal to the API error; returns the started operation. */
export function startedOrThrow(result: BeginOperationResult, datastoreId: string, quota: number, operation: string) {
  switch (result.kind) {
    case 'started':
      return { imageSets: result.imageSets };
    case 'not-found':
      throw new ResourceNotFoundException(`Image set ${result.imageSetId} does not exist`);
    case 'locked':
      throw locked(result.imageSetId, result.workflowStatus);
    case 'stale':
      throw new ResourceNotFoundException(STALE_VERSION_MESSAGE);
    case 'quota-exceeded':
      throw new ServiceQuotaExceededException(`Datastore ${datastoreId} already runs ${quota} ${operation} requests`);
    case 'primary-exists':
      throw new ConflictException('A primary image set already exists for this series');
  }
}

export function imageSetEvent(
  scope: ResourceScope,
  detailType: DetailType,
  imageSet: Pick<ImageSetRecord, 'datastoreId' | 'id' | 'state' | 'workflowStatus' | 'isPrimary'>,
  atMs: number,
): EventEnvelope {
  return buildEvent(
    { accountId: scope.accountId, region: scope.region },
    detailType,
    [imageSetArn(scope, imageSet.datastoreId, imageSet.id)],
    {
      datastoreId: imageSet.datastoreId,
      imageSetId: imageSet.id,
      imageSetState: imageSet.state,
      imageSetWorkflowStatus: imageSet.workflowStatus,
      isPrimary: imageSet.isPrimary,
    },
    new Date(atMs),
  );
}

/** The stored documents of image set versions, as updates and copies read them. */
export class VersionDocuments {
  constructor(
    private readonly repository: ImageSetRepository,
    private readonly documents: ImageSetDocuments,
    private readonly keys: DataKeyLookup,
  ) {}

  /** A version the caller named as current: a missing one means it was not the latest. */
  async read(datastoreId: DatastoreId, imageSetId: ImageSetId, version: number, dataKey: DataKey): Promise<ImageSetMetadataDocument> {
    const record = await this.repository.findVersion(datastoreId, imageSetId, version);
    if (record === undefined) throw new ResourceNotFoundException(STALE_VERSION_MESSAGE);
    return this.documents.read<ImageSetMetadataDocument>(record.metadataBlobKey, dataKey);
  }

  async dataKey(datastoreId: DatastoreId): Promise<DataKey> {
    const found = await this.keys.keyFor(datastoreId);
    if (found === undefined) throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
    return found.dataKey;
  }
}

/** A document with its JSON, made once for the size quota and reused for the write. */
export interface SerializedDocument {
  readonly document: ImageSetMetadataDocument;
  readonly json: string;
}

/**
 * Quota "ImageSetMetadata size per Import, Copy, Update" (AWS: 50 MB) on the JSON of the version to be written: the
 * JSON, or the message saying by how much it is too large.
 */
export function serializeWithinQuota(document: ImageSetMetadataDocument, maxBytes: number): SerializedDocument | { readonly overQuota: string } {
  const json = JSON.stringify(document);
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > maxBytes ? { overQuota: `The image set metadata would be ${bytes} bytes; the quota is ${maxBytes} bytes` } : { document, json };
}

/** serializeWithinQuota for requests: over the quota is a ServiceQuotaExceededException. */
export function serializeOrRefuse(document: ImageSetMetadataDocument, maxBytes: number): SerializedDocument {
  const serialized = serializeWithinQuota(document, maxBytes);
  if ('overQuota' in serialized) throw new ServiceQuotaExceededException(serialized.overQuota);
  return serialized;
}
