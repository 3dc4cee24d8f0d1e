// DeleteImageSet (behavior.md §13): answers LOCKED/DELETING at once, then removes every version, the frames nothing
// else uses, and the tags; a deletion interrupted by a restart is finished on the next start.
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  type DatastoreId,
  type ImageSetId,
  type ResourceScope,
} from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import type { DetailType } from '../events/index.js';
import { imageSetEvent } from './image-set-operation-support.js';
import { BackgroundTasks } from './background-tasks.js';
import type { ImageSetRecord, ImageSetRepository } from './image-set-repository.js';

export interface ImageSetDeleterOptions {
  readonly repository: ImageSetRepository;
  readonly blobs: SealedBlobStore;
  readonly scope: ResourceScope;
  /** AWS: 100 concurrent DeleteImageSet requests per data store. */
  readonly maxConcurrentDeletes: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

export class ImageSetDeleter {
  private readonly tasks: BackgroundTasks;
  private readonly now: () => number;

  constructor(private readonly options: ImageSetDeleterOptions) {
    this.tasks = new BackgroundTasks(options.onError);
    this.now = options.now ?? Date.now;
  }

  async delete(datastoreId: DatastoreId, imageSetId: ImageSetId) {
    const atMs = this.now();
    const result = await this.options.repository.beginDelete(
      datastoreId,
      imageSetId,
      (imageSet) => this.event('Image Set Deleting', imageSet, atMs),
      atMs,
      this.options.maxConcurrentDeletes,
    );
    switch (result.kind) {
      case 'not-found':
        throw new ResourceNotFoundException(`Image set ${imageSetId} does not exist`);
      case 'locked':
        throw new ConflictException(`Image set ${imageSetId} is locked (${result.workflowStatus}); try again when the operation has finished`);
      case 'quota-exceeded':
        throw new ServiceQuotaExceededException(`Datastore ${datastoreId} already runs ${this.options.maxConcurrentDeletes} image set deletions`);
      case 'deleting':
        this.finishLater(result.imageSet);
        return { datastoreId, imageSetId, imageSetState: 'LOCKED' as const, imageSetWorkflowStatus: 'DELETING' as const };
    }
  }

  async resumeUnfinished(): Promise<void> {
    for (const imageSet of await this.options.repository.listDeleting()) this.finishLater(imageSet);
  }

  async close(): Promise<void> {
    await this.tasks.close();
  }

  private finishLater(imageSet: ImageSetRecord): void {
    // Started after the caller has its answer.
    this.tasks.start(`deleting image set ${imageSet.id}`, async () => {
      const atMs = this.now();
      const done = await this.options.repository.finishDelete(
        imageSet.datastoreId,
        imageSet.id,
        this.event('Image Set Deleted', { ...imageSet, state: 'DELETED', workflowStatus: 'DELETED' }, atMs),
        atMs,
      );
      // Blobs go after the commit: a crash in between leaves unreferenced blobs, never a visible hole.
      for (const key of done?.blobKeys ?? []) await this.options.blobs.delete(key);
    });
  }


  private event(detailType: DetailType, imageSet: ImageSetRecord, atMs: number) {
    return imageSetEvent(this.options.scope, detailType, imageSet, atMs);
  }

}
