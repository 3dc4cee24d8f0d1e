// The API as one table: the 18 operations of medical-imaging 2023-07-19 with their HTTP binding (wire contract §2, §4).
import {
  DATASTORE_STATUSES,
  JOB_STATUSES,
  LOSSLESS_STORAGE_FORMATS,
  MAX_UNTAG_KEYS,
  NotImplementedException,
  PAGE_SIZE,
  SHAPES,
  type DatastoreId,
  type OperationName,
  type RequestContext,
} from '../../api/index.js';
import type { ApiHandlers } from './api-handlers.js';
import type { BoundRequest } from './bound-request.js';

export interface Route {
  readonly operation: OperationName;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path template; labels in braces match one raw segment (the ARN label may hold raw slashes). */
  readonly path: string;
  /** Validates the bound input, calls the application, returns the JSON response body. */
  readonly handle: (request: BoundRequest, context: RequestContext, handlers: ApiHandlers) => Promise<object>;
}

export const ROUTES: readonly Route[] = [
  { operation: 'CreateDatastore', method: 'POST', path: '/datastore', handle: createDatastore },
  { operation: 'GetDatastore', method: 'GET', path: '/datastore/{datastoreId}', handle: getDatastore },
  { operation: 'ListDatastores', method: 'GET', path: '/datastore', handle: listDatastores },
  { operation: 'DeleteDatastore', method: 'DELETE', path: '/datastore/{datastoreId}', handle: deleteDatastore },
  { operation: 'StartDICOMImportJob', method: 'POST', path: '/startDICOMImportJob/datastore/{datastoreId}', handle: startDICOMImportJob },
  { operation: 'GetDICOMImportJob', method: 'GET', path: '/getDICOMImportJob/datastore/{datastoreId}/job/{jobId}', handle: getDICOMImportJob },
  { operation: 'ListDICOMImportJobs', method: 'GET', path: '/listDICOMImportJobs/datastore/{datastoreId}', handle: listDICOMImportJobs },
  { operation: 'SearchImageSets', method: 'POST', path: '/datastore/{datastoreId}/searchImageSets', handle: searchImageSets },
  { operation: 'GetImageSet', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSet', handle: versionedImageSetRead },
  { operation: 'GetImageSetMetadata', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSetMetadata', handle: versionedImageSetRead },
  { operation: 'GetImageFrame', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/getImageFrame', handle: getImageFrame },
  { operation: 'ListImageSetVersions', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/listImageSetVersions', handle: listImageSetVersions },
  { operation: 'UpdateImageSetMetadata', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/updateImageSetMetadata', handle: updateImageSetMetadata },
  { operation: 'CopyImageSet', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{sourceImageSetId}/copyImageSet', handle: copyImageSet },
  { operation: 'DeleteImageSet', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/deleteImageSet', handle: deleteImageSet },
  { operation: 'TagResource', method: 'POST', path: '/tags/{resourceArn}', handle: tagResource },
  { operation: 'ListTagsForResource', method: 'GET', path: '/tags/{resourceArn}', handle: listTagsForResource },
  { operation: 'UntagResource', method: 'DELETE', path: '/tags/{resourceArn}', handle: untagResource },
];

// --- data stores ---

async function createDatastore(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const body = request.json();
  const v = request.newViolations();
  const input = {
    datastoreName: v.string('datastoreName', body.datastoreName, SHAPES.DatastoreName, false),
    clientToken: v.string('clientToken', body.clientToken, SHAPES.ClientToken, true)!,
    tags: v.tags('tags', body.tags, false),
    kmsKeyArn: v.string('kmsKeyArn', body.kmsKeyArn, SHAPES.KmsKeyArn, false),
    lambdaAuthorizerArn: v.string('lambdaAuthorizerArn', body.lambdaAuthorizerArn, SHAPES.LambdaArn, false),
    losslessStorageFormat: v.enumValue('losslessStorageFormat', body.losslessStorageFormat, LOSSLESS_STORAGE_FORMATS, false),
  };
  v.throwIfAny();
  return handlers.createDatastore(input, context);
}

async function getDatastore(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  return { datastoreProperties: await handlers.getDatastore(datastoreIdOf(request), context) };
}

async function listDatastores(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const input = {
    datastoreStatus: v.enumValue('datastoreStatus', request.queryValue('datastoreStatus'), DATASTORE_STATUSES, false),
    nextToken: v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false),
    maxResults: v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false),
  };
  v.throwIfAny();
  return handlers.listDatastores(input, context);
}

async function deleteDatastore(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  return handlers.deleteDatastore(datastoreIdOf(request), context);
}

// --- tagging ---

async function tagResource(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const body = request.json();
  const v = request.newViolations();
  const resourceArn = v.string('resourceArn', request.labels.resourceArn, SHAPES.Arn, true);
  const tags = v.tags('tags', body.tags, true);
  v.throwIfAny();
  await handlers.tagResource(resourceArn!, tags!, context);
  return {};
}

async function listTagsForResource(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const resourceArn = v.string('resourceArn', request.labels.resourceArn, SHAPES.Arn, true);
  v.throwIfAny();
  return { tags: await handlers.listTagsForResource(resourceArn!, context) };
}

async function untagResource(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const resourceArn = v.string('resourceArn', request.labels.resourceArn, SHAPES.Arn, true);
  const tagKeys = request.query.getAll('tagKeys');
  if (!request.query.has('tagKeys')) v.add('tagKeys', null, 'Member must not be null');
  if (tagKeys.length > MAX_UNTAG_KEYS) v.add('tagKeys', `${tagKeys.length} keys`, `Member must have length less than or equal to ${MAX_UNTAG_KEYS}`);
  tagKeys.forEach((key, i) => v.string(`tagKeys.${i + 1}.member`, key, SHAPES.TagKey, true));
  v.throwIfAny();
  await handlers.untagResource(resourceArn!, tagKeys, context);
  return {};
}

// --- import jobs (validated here; the import issue implements them) ---

async function startDICOMImportJob(request: BoundRequest): Promise<object> {
  const body = request.json();
  const v = request.newViolations();
  v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.string('jobName', body.jobName, SHAPES.JobName, false);
  v.string('dataAccessRoleArn', body.dataAccessRoleArn, SHAPES.RoleArn, true);
  v.string('clientToken', body.clientToken, SHAPES.ClientToken, true);
  v.string('inputS3Uri', body.inputS3Uri, SHAPES.S3Uri, true);
  v.string('outputS3Uri', body.outputS3Uri, SHAPES.S3Uri, true);
  v.string('inputOwnerAccountId', body.inputOwnerAccountId, SHAPES.AwsAccountId, false);
  v.throwIfAny();
  throw notYet('StartDICOMImportJob', 3);
}

async function getDICOMImportJob(request: BoundRequest): Promise<object> {
  const v = request.newViolations();
  v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.string('jobId', request.labels.jobId, SHAPES.JobId, true);
  v.throwIfAny();
  throw notYet('GetDICOMImportJob', 3);
}

async function listDICOMImportJobs(request: BoundRequest): Promise<object> {
  const v = request.newViolations();
  v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.enumValue('jobStatus', request.queryValue('jobStatus'), JOB_STATUSES, false);
  v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false);
  v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false);
  v.throwIfAny();
  throw notYet('ListDICOMImportJobs', 3);
}

// --- image sets (validated here; the read-path and change issues implement them) ---

async function searchImageSets(request: BoundRequest): Promise<object> {
  const v = request.newViolations();
  v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false);
  v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false);
  v.throwIfAny();
  request.json();
  throw notYet('SearchImageSets', 4);
}

async function versionedImageSetRead(request: BoundRequest): Promise<object> {
  imageSetPath(request, 'imageSetId').throwIfAny();
  const v = request.newViolations();
  v.string('versionId', request.queryValue('version'), SHAPES.ImageSetExternalVersionId, false);
  v.throwIfAny();
  throw notYet('GetImageSet and GetImageSetMetadata', 4);
}

async function getImageFrame(request: BoundRequest): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  v.string('imageFrameInformation.imageFrameId', request.json().imageFrameId, SHAPES.ImageFrameId, true);
  v.throwIfAny();
  throw notYet('GetImageFrame', 4);
}

async function listImageSetVersions(request: BoundRequest): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false);
  v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false);
  v.throwIfAny();
  throw notYet('ListImageSetVersions', 4);
}

async function updateImageSetMetadata(request: BoundRequest): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  v.string('latestVersionId', request.queryValue('latestVersion'), SHAPES.ImageSetExternalVersionId, true);
  v.boolean('force', request.queryValue('force'), false);
  v.boolean('includeStudyImageSets', request.queryValue('includeStudyImageSets'), false);
  v.throwIfAny();
  request.json();
  throw notYet('UpdateImageSetMetadata', 5);
}

async function copyImageSet(request: BoundRequest): Promise<object> {
  const v = imageSetPath(request, 'sourceImageSetId');
  v.boolean('force', request.queryValue('force'), false);
  v.boolean('promoteToPrimary', request.queryValue('promoteToPrimary'), false);
  v.throwIfAny();
  request.json();
  throw notYet('CopyImageSet', 5);
}

async function deleteImageSet(request: BoundRequest): Promise<object> {
  imageSetPath(request, 'imageSetId').throwIfAny();
  throw notYet('DeleteImageSet', 5);
}

// --- shared binding ---

function datastoreIdOf(request: BoundRequest): DatastoreId {
  const v = request.newViolations();
  const datastoreId = v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.throwIfAny();
  return datastoreId as DatastoreId;
}

function imageSetPath(request: BoundRequest, imageSetLabel: string) {
  const v = request.newViolations();
  v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true);
  v.string(imageSetLabel, request.labels[imageSetLabel], SHAPES.ImageSetId, true);
  return v;
}

function notYet(operation: string, issue: number): NotImplementedException {
  return new NotImplementedException(`${operation} is not implemented in this Tessera build yet (issue ${issue})`);
}
