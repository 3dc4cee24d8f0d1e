// GetImageSet, GetImageSetMetadata and GetImageFrame: reads of stored versions and frames.
import {
  ResourceNotFoundException,
  imageSetArn,
  type DatastoreId,
  type ImageSetId,
  type PageTokens,
  type ResourceScope,
} from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import type { DataKey } from '../keys/index.js';
import type { ImageSetRepository, ImageSetWorkflowStatus } from './image-set-repository.js';
import type { StorageTiering } from './storage-tiering.js';
import type { FrameCache } from './frame-cache.js';

export interface ImageSetProperties {
  readonly datastoreId: DatastoreId;
  readonly imageSetId: ImageSetId;
  readonly versionId: string;
  readonly imageSetState: string;
  readonly imageSetWorkflowStatus: ImageSetWorkflowStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt?: Date;
  readonly message?: string;
  readonly imageSetArn: string;
  readonly isPrimary: boolean;
  readonly storageTier: string;
  readonly lastAccessedAt?: Date;
  /** Present when the version was made with force=true (behavior.md §10). */
  readonly overrides?: { readonly forced: boolean };
}

export interface BinaryContent {
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding?: string;
}

export interface DataKeyLookup {
  keyFor(datastoreId: DatastoreId): Promise<{ readonly dataKey: DataKey } | undefined>;
}

/** Content-Type of GetImageFrame by stored transfer syntax (wire contract §6.4). */
const FRAME_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.1': 'application/octet-stream',
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.90': 'image/j2c', // JPEG 2000 lossless stores: undocumented, image/j2c as behavior.md §7.2 recommends
  '1.2.840.10008.1.2.4.91': 'image/j2c',
  '1.2.840.10008.1.2.4.202': 'image/jph',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
  '1.2.840.10008.1.2.4.112': 'image/jxl',
};

/** ImageSetProperties of ListImageSetVersions; note the wire quirk `ImageSetWorkflowStatus` (wire contract §4.12). */
export interface ImageSetVersionProperties {
  readonly imageSetId: ImageSetId;
  readonly versionId: string;
  readonly imageSetState: string;
  readonly ImageSetWorkflowStatus: ImageSetWorkflowStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt?: Date;
  readonly message?: string;
  readonly isPrimary: boolean;
  readonly overrides?: { readonly forced: boolean };
}

const DEFAULT_PAGE_SIZE = 50;

export class ImageSetReader {
  constructor(
    private readonly repository: ImageSetRepository,
    private readonly blobs: SealedBlobStore,
    private readonly keys: DataKeyLookup,
    private readonly scope: ResourceScope,
    private readonly pageTokens: PageTokens,
    private readonly tiering: StorageTiering,
    private readonly frameCache: FrameCache,
  ) {}

  async listImageSetVersions(
    datastoreId: DatastoreId,
    imageSetId: ImageSetId,
    nextToken: string | undefined,
    maxResults: number | undefined,
  ): Promise<{ imageSetPropertiesList: ImageSetVersionProperties[]; nextToken?: string }> {
    const imageSet = await this.repository.findImageSet(datastoreId, imageSetId);
    if (imageSet === undefined) throw notFound(imageSetId);
    const scope = `ListImageSetVersions|${datastoreId}|${imageSetId}`;
    const before = nextToken === undefined ? undefined : this.pageTokens.decode<{ version: number }>(scope, nextToken).version;
    const limit = maxResults ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.listVersions(datastoreId, imageSetId, before, limit + 1);
    const page = rows.slice(0, limit);
    return {
      imageSetPropertiesList: page.map((version) => {
        const isLatest = version.version === imageSet.latestVersion;
        return {
          imageSetId,
          versionId: String(version.version),
          // The latest version carries the image set's current state (LOCKED while a change runs).
          imageSetState: isLatest ? imageSet.state : 'ACTIVE',
          ImageSetWorkflowStatus: isLatest ? imageSet.workflowStatus : version.workflowStatus,
          createdAt: new Date(version.createdAtMs),
          updatedAt: new Date(isLatest ? imageSet.updatedAtMs : version.updatedAtMs),
          ...(isLatest && imageSet.message !== undefined ? { message: imageSet.message } : !isLatest && version.message !== undefined ? { message: version.message } : {}),
          isPrimary: version.isPrimary,
          ...(version.isForced ? { overrides: { forced: true } } : {}),
        };
      }),
      ...(rows.length > limit ? { nextToken: this.pageTokens.encode(scope, { version: page.at(-1)!.version }) } : {}),
    };
  }

  async getImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId, versionId: string | undefined): Promise<ImageSetProperties> {
    // A deleted image set still answers GetImageSet (DELETED, deletedAt); its versions are gone.
    const imageSet = await this.repository.findImageSetAnyState(datastoreId, imageSetId);
    if (imageSet === undefined) throw notFound(imageSetId);
    const pendingAccessMs = this.tiering.pendingAccessMs(datastoreId, imageSetId);
    const lastAccessedAtMs = pendingAccessMs ?? imageSet.lastAccessedAtMs;
    const base = {
      datastoreId,
      imageSetId,
      imageSetArn: imageSetArn(this.scope, datastoreId, imageSetId),
      storageTier: pendingAccessMs !== undefined ? 'FREQUENT_ACCESS' : imageSet.storageTier,
      ...(lastAccessedAtMs !== undefined ? { lastAccessedAt: new Date(lastAccessedAtMs) } : {}),
    };
    if (versionId === undefined || Number(versionId) === imageSet.latestVersion) {
      const latest = imageSet.state === 'DELETED' ? undefined : await this.repository.findVersion(datastoreId, imageSetId, imageSet.latestVersion);
      return {
        ...base,
        versionId: String(imageSet.latestVersion),
        imageSetState: imageSet.state,
        imageSetWorkflowStatus: imageSet.workflowStatus,
        createdAt: new Date(imageSet.createdAtMs),
        updatedAt: new Date(imageSet.updatedAtMs),
        ...(imageSet.deletedAtMs !== undefined ? { deletedAt: new Date(imageSet.deletedAtMs) } : {}),
        ...(imageSet.message !== undefined ? { message: imageSet.message } : {}),
        isPrimary: imageSet.isPrimary,
        ...(latest?.isForced === true ? { overrides: { forced: true } } : {}),
      };
    }
    const version = await this.repository.findVersion(datastoreId, imageSetId, Number(versionId));
    if (version === undefined) throw new ResourceNotFoundException(`Version ${versionId} of image set ${imageSetId} does not exist`);
    return {
      ...base,
      versionId: String(version.version),
      imageSetState: 'ACTIVE', // an older version is a finished state of the image set
      imageSetWorkflowStatus: version.workflowStatus,
      createdAt: new Date(version.createdAtMs),
      updatedAt: new Date(version.updatedAtMs),
      ...(version.message !== undefined ? { message: version.message } : {}),
      isPrimary: version.isPrimary,
      ...(version.isForced ? { overrides: { forced: true } } : {}),
    };
  }

  /** The stored gzip bytes as they are: no re-serialisation. */
  async getImageSetMetadata(datastoreId: DatastoreId, imageSetId: ImageSetId, versionId: string | undefined): Promise<BinaryContent> {
    const imageSet = await this.repository.findImageSet(datastoreId, imageSetId);
    if (imageSet === undefined) throw notFound(imageSetId);
    const wanted = versionId === undefined ? imageSet.latestVersion : Number(versionId);
    const version = await this.repository.findVersion(datastoreId, imageSetId, wanted);
    if (version === undefined) {
      // Only a copy's new destination has no readable latest version, until the copy ends.
      if (versionId === undefined) throw new ResourceNotFoundException(`Image set ${imageSetId} is being created by a copy (${imageSet.workflowStatus}); its metadata is not readable yet`);
      throw new ResourceNotFoundException(`Version ${wanted} of image set ${imageSetId} does not exist`);
    }
    const key = await this.dataKey(datastoreId);
    const body = await this.blobs.get(version.metadataBlobKey, key);
    this.tiering.noteAccess(datastoreId, imageSetId);
    return { body, contentType: 'application/json', contentEncoding: 'gzip' };
  }

  async getImageFrame(datastoreId: DatastoreId, imageSetId: ImageSetId, imageFrameId: string): Promise<BinaryContent> {
    const frame = await this.repository.findLatestFrame(datastoreId, imageSetId, imageFrameId);
    if (frame === undefined) {
      if ((await this.repository.findImageSet(datastoreId, imageSetId)) === undefined) throw notFound(imageSetId);
      throw new ResourceNotFoundException(`Image frame ${imageFrameId} does not exist in image set ${imageSetId}`);
    }
    const key = await this.dataKey(datastoreId); // also refuses a deleted data store before the cache is consulted
    let body = this.frameCache.get(frame.blobKey);
    if (body === undefined) {
      body = await this.blobs.get(frame.blobKey, key);
      this.frameCache.set(frame.blobKey, body);
    }
    this.tiering.noteAccess(datastoreId, imageSetId);
    return {
      body,
      contentType: FRAME_CONTENT_TYPES[frame.storedTransferSyntaxUID] ?? 'application/octet-stream',
    };
  }

  private async dataKey(datastoreId: DatastoreId): Promise<DataKey> {
    const found = await this.keys.keyFor(datastoreId);
    if (found === undefined) throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
    return found.dataKey;
  }
}

function notFound(imageSetId: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Image set ${imageSetId} does not exist`);
}
