// Finds the image set (and its latest metadata document) a DICOMweb request addresses: the primary image set of the
// series, or the one named by `imageSetId` (dicomweb.md §3). Documents are immutable per version, so they are cached.
import { ResourceNotFoundException, type DatastoreId, type ImageSetId } from '../api/index.js';
import type { DataKey } from '../keys/index.js';
import type { DataKeyLookup, ImageSetDocuments, ImageSetMetadataDocument, ImageSetRecord, ImageSetRepository } from '../image-sets/index.js';

export interface ResolvedImageSet {
  readonly datastoreId: DatastoreId;
  readonly imageSet: ImageSetRecord;
  readonly version: number;
  readonly document: ImageSetMetadataDocument;
  readonly dataKey: DataKey;
  /** The `imageSetId` the request named (echoed into BulkDataURIs), if any. */
  readonly requestedImageSetId: string | undefined;
}

export interface SeriesAddress {
  readonly datastoreId: DatastoreId;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly imageSetId: string | undefined;
}

const DOCUMENT_CACHE_ENTRIES = 64;

export class ImageSetResolver {
  /** Parsed documents by metadata blob key (blobs never change), most recently used last. */
  private readonly documents = new Map<string, ImageSetMetadataDocument>();

  constructor(
    private readonly repository: ImageSetRepository,
    private readonly documentStore: ImageSetDocuments,
    private readonly keys: DataKeyLookup,
  ) {}

  async resolveSeries(address: SeriesAddress): Promise<ResolvedImageSet> {
    const { datastoreId, studyInstanceUID, seriesInstanceUID, imageSetId } = address;
    const key = await this.keys.keyFor(datastoreId);
    if (key === undefined) throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
    let imageSet: ImageSetRecord | undefined;
    if (imageSetId !== undefined) {
      imageSet = await this.repository.findImageSet(datastoreId, imageSetId as ImageSetId);
      if (imageSet === undefined) throw new ResourceNotFoundException(`Image set ${imageSetId} does not exist`);
      if (imageSet.studyInstanceUID !== studyInstanceUID) throw new ResourceNotFoundException(`Study ${studyInstanceUID} is not in image set ${imageSetId}`);
    } else {
      imageSet = await this.repository.findPrimary(datastoreId, studyInstanceUID, seriesInstanceUID);
      if (imageSet === undefined) {
        const study = await this.repository.listStudyPrimaries(datastoreId, studyInstanceUID);
        throw new ResourceNotFoundException(study.length === 0 ? `Study ${studyInstanceUID} does not exist` : `Series ${seriesInstanceUID} does not exist in study ${studyInstanceUID}`);
      }
    }
    // While an update or copy holds the image set LOCKED, latestVersion is still the last completed one (dicomweb.md §3).
    const version = await this.repository.findVersion(datastoreId, imageSet.id, imageSet.latestVersion);
    if (version === undefined) throw new ResourceNotFoundException(`Image set ${imageSet.id} has no readable version`);
    const document = await this.document(version.metadataBlobKey, key.dataKey);
    if (document.Study.Series[seriesInstanceUID] === undefined) {
      throw new ResourceNotFoundException(`Series ${seriesInstanceUID} does not exist in ${imageSetId !== undefined ? `image set ${imageSetId}` : `study ${studyInstanceUID}`}`);
    }
    return { datastoreId, imageSet, version: version.version, document, dataKey: key.dataKey, requestedImageSetId: imageSetId };
  }

  private async document(blobKey: string, dataKey: DataKey): Promise<ImageSetMetadataDocument> {
    const cached = this.documents.get(blobKey);
    if (cached !== undefined) {
      this.documents.delete(blobKey);
      this.documents.set(blobKey, cached);
      return cached;
    }
    const document = await this.documentStore.read<ImageSetMetadataDocument>(blobKey, dataKey);
    this.documents.set(blobKey, document);
    if (this.documents.size > DOCUMENT_CACHE_ENTRIES) this.documents.delete(this.documents.keys().next().value!);
    return document;
  }
}
