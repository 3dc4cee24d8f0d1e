// What the HTTP edge needs from the application: one method per implemented operation (wired in app.ts).
import type {
  CreateDatastoreInput,
  CreateDatastoreOutput,
  DatastoreId,
  DatastoreProperties,
  DeleteDatastoreOutput,
  DICOMImportJobProperties,
  ImageSetId,
  JobId,
  ListDICOMImportJobsInput,
  ListDICOMImportJobsOutput,
  StartDICOMImportJobInput,
  StartDICOMImportJobOutput,
  ListDatastoresInput,
  ListDatastoresOutput,
  Principal,
  RequestContext,
  Tags,
} from '../../api/index.js';
import type { CopyImageSetInput, SearchCriteriaInput, UpdateImageSetMetadataInput } from '../../image-sets/index.js';

/** A raw response body (GetImageSetMetadata, GetImageFrame): sent as it is, never re-encoded. */
export interface BinaryContent {
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding?: string;
}

export interface ImageSetPropertiesOutput {
  readonly [member: string]: unknown;
}

export interface ApiHandlers {
  createDatastore(input: CreateDatastoreInput, context: RequestContext): Promise<CreateDatastoreOutput>;
  getDatastore(datastoreId: DatastoreId, context: RequestContext): Promise<DatastoreProperties>;
  listDatastores(input: ListDatastoresInput, context: RequestContext): Promise<ListDatastoresOutput>;
  deleteDatastore(datastoreId: DatastoreId, context: RequestContext): Promise<DeleteDatastoreOutput>;
  tagResource(resourceArn: string, tags: Tags, context: RequestContext): Promise<void>;
  listTagsForResource(resourceArn: string, context: RequestContext): Promise<Tags>;
  untagResource(resourceArn: string, tagKeys: readonly string[], context: RequestContext): Promise<void>;
  startDICOMImportJob(input: StartDICOMImportJobInput, context: RequestContext): Promise<StartDICOMImportJobOutput>;
  getDICOMImportJob(datastoreId: DatastoreId, jobId: JobId, context: RequestContext): Promise<DICOMImportJobProperties>;
  listDICOMImportJobs(input: ListDICOMImportJobsInput, context: RequestContext): Promise<ListDICOMImportJobsOutput>;
  getImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId, versionId: string | undefined, context: RequestContext): Promise<object>;
  getImageSetMetadata(datastoreId: DatastoreId, imageSetId: ImageSetId, versionId: string | undefined, context: RequestContext): Promise<BinaryContent>;
  getImageFrame(datastoreId: DatastoreId, imageSetId: ImageSetId, imageFrameId: string, context: RequestContext): Promise<BinaryContent>;
  searchImageSets(
    datastoreId: DatastoreId,
    criteria: SearchCriteriaInput,
    nextToken: string | undefined,
    maxResults: number | undefined,
    context: RequestContext,
  ): Promise<object>;
  deleteImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId, context: RequestContext): Promise<object>;
  updateImageSetMetadata(input: UpdateImageSetMetadataInput, context: RequestContext): Promise<object>;
  copyImageSet(input: CopyImageSetInput, context: RequestContext): Promise<object>;
  listImageSetVersions(
    datastoreId: DatastoreId,
    imageSetId: ImageSetId,
    nextToken: string | undefined,
    maxResults: number | undefined,
    context: RequestContext,
  ): Promise<object>;
}

/** The request as SigV4 sees it: raw path and query, headers, raw body bytes. */
export interface AuthenticationRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface Authenticator {
  /** Resolves the caller or throws the matching authentication error. */
  authenticate(request: AuthenticationRequest): Promise<Principal>;
}
