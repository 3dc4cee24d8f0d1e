// What each operation must be allowed to do before any work (the IAM action table of HealthImaging):
// action `medical-imaging:<Operation>`, resource ARN from the path labels, and the request's tag keys.
import { datastoreArn, iamAction, imageSetArn, type AuthorizationRequest, type OperationName, type ResourceScope } from '../../api/index.js';

export interface OperationCall {
  readonly operation: OperationName;
  readonly labels: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The raw body; read only for request tags (CreateDatastore, TagResource) and CopyImageSet's destination. */
  readonly body: Buffer;
}

/** Every request must be allowed; CreateDatastore with tags also needs TagResource (behavior.md §16). */
export function authorizationsOf(call: OperationCall, scope: ResourceScope): readonly AuthorizationRequest[] {
  const { operation, labels } = call;
  const action = iamAction(operation);
  const datastore = () => datastoreArn(scope, labels.datastoreId ?? '');
  const imageSet = (label: string) => imageSetArn(scope, labels.datastoreId ?? '', labels[label] ?? '');
  switch (operation) {
    case 'ListDatastores':
      return [{ action, resourceArn: '*' }];
    case 'CreateDatastore': {
      const tags = tagsIn(call.body);
      const conditions = tagConditions(tags);
      if (tags === undefined) return [{ action, resourceArn: '*' }];
      // The new store's ARN is not known yet: a grant on `...:datastore/*` or `*` covers it.
      return [{ action, resourceArn: '*', conditions }, { action: iamAction('TagResource'), resourceArn: datastoreArn(scope, '*'), conditions }];
    }
    case 'GetDatastore':
    case 'DeleteDatastore':
    case 'StartDICOMImportJob':
    case 'GetDICOMImportJob':
    case 'ListDICOMImportJobs':
    case 'SearchImageSets':
      return [{ action, resourceArn: datastore() }];
    case 'GetImageSet':
    case 'GetImageSetMetadata':
    case 'GetImageFrame':
    case 'ListImageSetVersions':
    case 'UpdateImageSetMetadata':
    case 'DeleteImageSet':
      return [{ action, resourceArn: imageSet('imageSetId') }];
    case 'CopyImageSet': {
      const destination = destinationImageSetId(call.body);
      const source = { action, resourceArn: imageSet('sourceImageSetId') };
      return destination === undefined ? [source] : [source, { action, resourceArn: imageSetArn(scope, labels.datastoreId ?? '', destination) }];
    }
    case 'TagResource':
      return [{ action, resourceArn: labels.resourceArn ?? '', conditions: tagConditions(tagsIn(call.body) ?? {}) }];
    case 'UntagResource':
      return [{ action, resourceArn: labels.resourceArn ?? '', conditions: { 'aws:TagKeys': call.query.getAll('tagKeys') } }];
    case 'ListTagsForResource':
      return [{ action, resourceArn: labels.resourceArn ?? '' }];
  }
}

function tagConditions(tags: Readonly<Record<string, string>> | undefined): Record<string, string | readonly string[]> {
  const conditions: Record<string, string | readonly string[]> = { 'aws:TagKeys': Object.keys(tags ?? {}) };
  for (const [key, value] of Object.entries(tags ?? {})) conditions[`aws:RequestTag/${key}`] = value;
  return conditions;
}

/** The body's `tags` map when it is one (validation of the rest happens in the handler, after authorization). */
function tagsIn(body: Buffer): Record<string, string> | undefined {
  const json = parseObject(body);
  const tags = json?.tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return undefined;
  return Object.fromEntries(Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function destinationImageSetId(body: Buffer): string | undefined {
  const info = parseObject(body);
  const destination = (info?.destinationImageSet ?? undefined) as Record<string, unknown> | undefined;
  return typeof destination?.imageSetId === 'string' ? destination.imageSetId : undefined;
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
