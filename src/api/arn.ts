// ARNs of the two taggable resource types (wire contract §6.10). Note `imageset` in ARNs vs `imageSet` in paths.
import type { DatastoreId, ImageSetId } from './ids.js';

export const ARN_PATTERN =
  /^arn:aws((-us-gov)|(-iso)|(-iso-b)|(-cn))?:medical-imaging:[a-z0-9-]+:[0-9]{12}:datastore\/[0-9a-z]{32}(\/imageset\/[0-9a-z]{32})?$/;

export interface ResourceScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export type ResourceRef =
  | { readonly kind: 'datastore'; readonly scope: ResourceScope; readonly datastoreId: DatastoreId }
  | { readonly kind: 'imageset'; readonly scope: ResourceScope; readonly datastoreId: DatastoreId; readonly imageSetId: ImageSetId };

export function datastoreArn(scope: ResourceScope, datastoreId: string): string {
  return `arn:${scope.partition}:medical-imaging:${scope.region}:${scope.accountId}:datastore/${datastoreId}`;
}

export function imageSetArn(scope: ResourceScope, datastoreId: string, imageSetId: string): string {
  return `${datastoreArn(scope, datastoreId)}/imageset/${imageSetId}`;
}

/** Parses an ARN already known to match ARN_PATTERN. */
export function parseResourceArn(arn: string): ResourceRef {
  const [, partition, , region, accountId, resource] = arn.split(':') as [string, string, string, string, string, string];
  const parts = resource.split('/');
  const scope = { partition, region, accountId };
  const datastoreId = parts[1] as DatastoreId;
  return parts.length === 4
    ? { kind: 'imageset', scope, datastoreId, imageSetId: parts[3] as ImageSetId }
    : { kind: 'datastore', scope, datastoreId };
}

export function isSameScope(a: ResourceScope, b: ResourceScope): boolean {
  return a.partition === b.partition && a.region === b.region && a.accountId === b.accountId;
}
