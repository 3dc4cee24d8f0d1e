// What UpdateImageSetMetadata and CopyImageSet share: their errors for refused locks, and image set events.
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  imageSetArn,
  type ResourceScope,
} from '../api/index.js';
import { buildEvent, type DetailType, type EventEnvelope } from '../events/index.js';
import type { BeginOperationResult, ImageSetRecord } from './image-set-repository.js';

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
