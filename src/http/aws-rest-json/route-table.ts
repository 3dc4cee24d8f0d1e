// The API as one table: the 18 operations of medical-imaging 2023-07-19 with their HTTP binding (wire contract §2, §4).
import {
  BadRequestException,
  DATASTORE_STATUSES,
  JOB_STATUSES,
  LOSSLESS_STORAGE_FORMATS,
  MAX_UNTAG_KEYS,
  NotAcceptableException,
  ValidationException,
  PAGE_SIZE,
  SHAPES,
  type DatastoreId,
  type ImageSetId,
  type ImportConfiguration,
  type JobId,
  type StringShape,
  type OperationName,
  type Violations,
  type RequestContext,
} from '../../api/index.js';
import type { ApiHandlers } from './api-handlers.js';
import { BinaryResponse, type BoundRequest } from './bound-request.js';
import { bindSearchCriteria } from './search-criteria-binding.js';
import type { MetadataUpdates } from '../../image-sets/index.js';

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
  { operation: 'GetImageSet', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSet', handle: getImageSet },
  { operation: 'GetImageSetMetadata', method: 'POST', path: '/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSetMetadata', handle: getImageSetMetadata },
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

// --- import jobs ---

async function startDICOMImportJob(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const body = request.json();
  const v = request.newViolations();
  const input = {
    datastoreId: v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true) as DatastoreId,
    jobName: v.string('jobName', body.jobName, SHAPES.JobName, false),
    dataAccessRoleArn: v.string('dataAccessRoleArn', body.dataAccessRoleArn, SHAPES.RoleArn, true)!,
    clientToken: v.string('clientToken', body.clientToken, SHAPES.ClientToken, true)!,
    inputS3Uri: v.string('inputS3Uri', body.inputS3Uri, SHAPES.S3Uri, true)!,
    outputS3Uri: v.string('outputS3Uri', body.outputS3Uri, SHAPES.S3Uri, true)!,
    inputOwnerAccountId: v.string('inputOwnerAccountId', body.inputOwnerAccountId, SHAPES.AwsAccountId, false),
    importConfiguration: importConfigurationOf(v, body.importConfiguration),
  };
  v.throwIfAny();
  return handlers.startDICOMImportJob(input, context);
}

async function getDICOMImportJob(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const datastoreId = v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true) as DatastoreId;
  const jobId = v.string('jobId', request.labels.jobId, SHAPES.JobId, true) as JobId;
  v.throwIfAny();
  return { jobProperties: await handlers.getDICOMImportJob(datastoreId, jobId, context) };
}

async function listDICOMImportJobs(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const input = {
    datastoreId: v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true) as DatastoreId,
    jobStatus: v.enumValue('jobStatus', request.queryValue('jobStatus'), JOB_STATUSES, false),
    nextToken: v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false),
    maxResults: v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false),
  };
  v.throwIfAny();
  return handlers.listDICOMImportJobs(input, context);
}

const METADATA_FILE_PATH: StringShape = {
  type: 'string',
  pattern: /^[a-zA-Z0-9!-~]+([a-zA-Z0-9!-~ ]*[a-zA-Z0-9!-~]+)*$/,
  patternText: '[a-zA-Z0-9!-~]+([a-zA-Z0-9!-~ ]*[a-zA-Z0-9!-~]+)*',
  minLength: 1,
  maxLength: 1024,
};
const DICOM_UID: StringShape = { type: 'string', pattern: /^[0-9.]+$/, patternText: '[0-9.]+', minLength: 0, maxLength: 512 };

/** The ImportConfiguration union: exactly one member, dicomJsonMetadataImportConfiguration (wire contract §5). */
function importConfigurationOf(v: Violations, value: unknown): ImportConfiguration | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    v.add('importConfiguration', value, 'Member must be a structure');
    return undefined;
  }
  const members = Object.keys(value);
  if (members.length !== 1 || members[0] !== 'dicomJsonMetadataImportConfiguration') {
    v.add('importConfiguration', members.join(','), 'Exactly one member of the union must be set: dicomJsonMetadataImportConfiguration');
    return undefined;
  }
  const configuration = (value as { dicomJsonMetadataImportConfiguration: unknown }).dicomJsonMetadataImportConfiguration as Record<string, unknown> | null;
  const mappings = configuration?.dicomMetadataMappings;
  const member = 'importConfiguration.dicomJsonMetadataImportConfiguration.dicomMetadataMappings';
  if (!Array.isArray(mappings) || mappings.length < 1 || mappings.length > 1000) {
    v.add(member, Array.isArray(mappings) ? `${mappings.length} mappings` : mappings ?? null, 'Member must be a list of 1 to 1000 mappings');
    return undefined;
  }
  const before = v.isEmpty;
  const bound = mappings.map((raw: unknown, i: number) => {
    const mapping = (raw ?? {}) as Record<string, unknown>;
    const at = `${member}.${i + 1}.member`;
    const studyInstanceUID = v.string(`${at}.studyInstanceUID`, mapping.studyInstanceUID, DICOM_UID, true);
    const seriesInstanceUID = v.string(`${at}.seriesInstanceUID`, mapping.seriesInstanceUID, DICOM_UID, false);
    const metadataFilePath = v.string(`${at}.metadataFilePath`, mapping.metadataFilePath, METADATA_FILE_PATH, true);
    return { studyInstanceUID: studyInstanceUID ?? '', ...(seriesInstanceUID !== undefined ? { seriesInstanceUID } : {}), metadataFilePath: metadataFilePath ?? '' };
  });
  return before && !v.isEmpty ? undefined : { dicomJsonMetadataImportConfiguration: { dicomMetadataMappings: bound } };
}

// --- image sets (validated here; the read-path and change issues implement them) ---

async function searchImageSets(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = request.newViolations();
  const datastoreId = v.string('datastoreId', request.labels.datastoreId, SHAPES.DatastoreId, true) as DatastoreId;
  const nextToken = v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false);
  const maxResults = v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false);
  v.throwIfAny();
  const criteria = bindSearchCriteria(request.json(), v);
  v.throwIfAny();
  return handlers.searchImageSets(datastoreId, criteria, nextToken, maxResults, context);
}

async function getImageSet(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const { datastoreId, imageSetId, versionId } = versionedImageSet(request);
  return handlers.getImageSet(datastoreId, imageSetId, versionId, context);
}

async function getImageSetMetadata(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const { datastoreId, imageSetId, versionId } = versionedImageSet(request);
  return new BinaryResponse(await handlers.getImageSetMetadata(datastoreId, imageSetId, versionId, context));
}

async function getImageFrame(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  let body: Record<string, unknown>;
  try {
    body = request.json();
  } catch {
    throw new BadRequestException('The request body could not be parsed');
  }
  const imageFrameId = v.string('imageFrameInformation.imageFrameId', body.imageFrameId, SHAPES.ImageFrameId, true);
  v.throwIfAny();
  const accept = request.header('accept');
  const content = await handlers.getImageFrame(request.labels.datastoreId as DatastoreId, request.labels.imageSetId as ImageSetId, imageFrameId!, context);
  if (accept !== undefined && !acceptable(accept, content.contentType)) {
    throw new NotAcceptableException(`The requested content type ${accept} is not supported; this frame is ${content.contentType}`);
  }
  return new BinaryResponse(content);
}

function versionedImageSet(request: BoundRequest) {
  const v = imageSetPath(request, 'imageSetId');
  const versionId = v.string('versionId', request.queryValue('version'), SHAPES.ImageSetExternalVersionId, false);
  v.throwIfAny();
  return { datastoreId: request.labels.datastoreId as DatastoreId, imageSetId: request.labels.imageSetId as ImageSetId, versionId };
}

/** The SDKs send no Accept header; hand-written clients may, and get 406 when the stored encoding differs. */
function acceptable(accept: string, contentType: string): boolean {
  return accept.split(',').some((range) => {
    const type = range.split(';')[0]!.trim().toLowerCase();
    return type === '*/*' || type === contentType || (type.endsWith('/*') && contentType.startsWith(type.slice(0, -1)));
  });
}

async function listImageSetVersions(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  const nextToken = v.string('nextToken', request.queryValue('nextToken'), SHAPES.NextToken, false);
  const maxResults = v.integer('maxResults', request.queryValue('maxResults'), PAGE_SIZE, false);
  v.throwIfAny();
  return handlers.listImageSetVersions(request.labels.datastoreId as DatastoreId, request.labels.imageSetId as ImageSetId, nextToken, maxResults, context);
}

async function updateImageSetMetadata(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = imageSetPath(request, 'imageSetId');
  const latestVersionId = v.string('latestVersionId', request.queryValue('latestVersion'), SHAPES.ImageSetExternalVersionId, true);
  const force = v.boolean('force', request.queryValue('force'), false) ?? false;
  const includeStudyImageSets = v.boolean('includeStudyImageSets', request.queryValue('includeStudyImageSets'), false) ?? false;
  v.throwIfAny();
  const body = request.json();
  // MetadataUpdates is a union: exactly one member (wire contract §4.13).
  const hasDicomUpdates = body.DICOMUpdates !== undefined && body.DICOMUpdates !== null;
  const hasRevert = body.revertToVersionId !== undefined && body.revertToVersionId !== null;
  if (hasDicomUpdates === hasRevert) {
    throw new ValidationException('updateImageSetMetadataUpdates must set exactly one of DICOMUpdates and revertToVersionId');
  }
  let updates: MetadataUpdates;
  if (hasRevert) {
    const revertToVersionId = v.string('updateImageSetMetadataUpdates.revertToVersionId', body.revertToVersionId, SHAPES.ImageSetExternalVersionId, true);
    v.throwIfAny();
    updates = { kind: 'revert', revertToVersionId: Number(revertToVersionId) };
  } else {
    const fields = jsonObject(body.DICOMUpdates);
    if (fields === undefined) throw new ValidationException('DICOMUpdates must be a JSON object');
    const updatableAttributes = dicomAttribute(v, 'updateImageSetMetadataUpdates.DICOMUpdates.updatableAttributes', fields.updatableAttributes);
    const removableAttributes = dicomAttribute(v, 'updateImageSetMetadataUpdates.DICOMUpdates.removableAttributes', fields.removableAttributes);
    v.throwIfAny();
    if (updatableAttributes === undefined && removableAttributes === undefined) {
      throw new ValidationException('DICOMUpdates must carry updatableAttributes or removableAttributes');
    }
    updates = { kind: 'dicom', updatableAttributes, removableAttributes };
  }
  return handlers.updateImageSetMetadata(
    {
      datastoreId: request.labels.datastoreId as DatastoreId,
      imageSetId: request.labels.imageSetId as ImageSetId,
      latestVersionId: latestVersionId!,
      force,
      includeStudyImageSets,
      updates,
    },
    context,
  );
}

/** A JSON object member as a record; undefined for anything else (null, arrays, scalars). */
function jsonObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A `DICOMAttribute` blob: base64 on the wire, 1..30000 bytes decoded (the 10 KB payload quota is checked later). */
function dicomAttribute(v: Violations, member: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    v.add(member, typeof value === 'string' ? '(not base64)' : value, 'Member must be a base64-encoded blob');
    return undefined;
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1 || bytes.length > 30000) {
    v.add(member, `(${bytes.length} bytes)`, 'Member must have length between 1 and 30000');
    return undefined;
  }
  return bytes.toString('utf8');
}

async function copyImageSet(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  const v = imageSetPath(request, 'sourceImageSetId');
  const force = v.boolean('force', request.queryValue('force'), false) ?? false;
  const promoteToPrimary = v.boolean('promoteToPrimary', request.queryValue('promoteToPrimary'), false) ?? false;
  v.throwIfAny();
  const body = request.json();
  const sourceFields = jsonObject(body.sourceImageSet);
  if (sourceFields === undefined) {
    v.add('copyImageSetInformation.sourceImageSet', body.sourceImageSet ?? null, 'Member must be a structure');
    v.throwIfAny();
  }
  const sourceLatestVersionId = v.string('copyImageSetInformation.sourceImageSet.latestVersionId', sourceFields!.latestVersionId, SHAPES.ImageSetExternalVersionId, true);
  let copiableAttributes: string | undefined;
  const copies = sourceFields!.DICOMCopies;
  if (copies !== undefined && copies !== null) {
    const copyFields = jsonObject(copies) ?? {};
    copiableAttributes = v.string('copyImageSetInformation.sourceImageSet.DICOMCopies.copiableAttributes', copyFields.copiableAttributes, SHAPES.CopiableAttributes, true);
  }
  let destination: { imageSetId: ImageSetId; latestVersionId: string } | undefined;
  const target = body.destinationImageSet;
  if (target !== undefined && target !== null) {
    const targetFields = jsonObject(target) ?? {};
    const imageSetId = v.string('copyImageSetInformation.destinationImageSet.imageSetId', targetFields.imageSetId, SHAPES.ImageSetId, true);
    const latestVersionId = v.string('copyImageSetInformation.destinationImageSet.latestVersionId', targetFields.latestVersionId, SHAPES.ImageSetExternalVersionId, true);
    destination = { imageSetId: imageSetId as ImageSetId, latestVersionId: latestVersionId! };
  }
  v.throwIfAny();
  return handlers.copyImageSet(
    {
      datastoreId: request.labels.datastoreId as DatastoreId,
      sourceImageSetId: request.labels.sourceImageSetId as ImageSetId,
      sourceLatestVersionId: sourceLatestVersionId!,
      copiableAttributes,
      destination,
      force,
      promoteToPrimary,
    },
    context,
  );
}

async function deleteImageSet(request: BoundRequest, context: RequestContext, handlers: ApiHandlers): Promise<object> {
  imageSetPath(request, 'imageSetId').throwIfAny();
  return handlers.deleteImageSet(request.labels.datastoreId as DatastoreId, request.labels.imageSetId as ImageSetId, context);
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
