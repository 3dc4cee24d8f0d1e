// TagResource / ListTagsForResource / UntagResource on data store and image set ARNs (behavior.md §16).
import {
  MAX_TAGS_PER_RESOURCE,
  ResourceNotFoundException,
  ValidationException,
  isSameScope,
  parseResourceArn,
  type ResourceScope,
  type Tags,
} from '../api/index.js';
import type { DatastoreService } from '../datastores/index.js';
import type { ImageSetRepository } from '../image-sets/index.js';
import type { TagRepository } from './tag-repository.js';

export class TaggingService {
  constructor(
    private readonly tags: TagRepository,
    private readonly datastores: DatastoreService,
    private readonly imageSets: ImageSetRepository,
    private readonly scope: ResourceScope,
  ) {}

  async tagResource(resourceArn: string, tags: Tags): Promise<void> {
    const key = await this.resolve(resourceArn);
    const result = await this.tags.mergeTags(key, tags, MAX_TAGS_PER_RESOURCE);
    if (result.kind === 'too-many') {
      // AWS answers a tag-count overflow as a validation error; 402 is reserved for account quotas.
      throw new ValidationException(
        `Tagging ${resourceArn} would give it ${result.total} tags; a resource can have at most ${MAX_TAGS_PER_RESOURCE}`,
      );
    }
  }

  async listTagsForResource(resourceArn: string): Promise<Tags> {
    return this.tags.listTags(await this.resolve(resourceArn));
  }

  async untagResource(resourceArn: string, tagKeys: readonly string[]): Promise<void> {
    await this.tags.removeTags(await this.resolve(resourceArn), tagKeys);
  }

  /** The resource must exist in this server's account and region and not be deleted. */
  private async resolve(resourceArn: string): Promise<string> {
    const ref = parseResourceArn(resourceArn);
    const missing = new ResourceNotFoundException(`Resource ${resourceArn} does not exist`);
    if (!isSameScope(ref.scope, this.scope)) throw missing;
    const datastore = await this.datastores.find(ref.datastoreId);
    if (datastore === undefined || datastore.status === 'DELETED') throw missing;
    if (ref.kind === 'datastore') return ref.datastoreId;
    const imageSet = await this.imageSets.findImageSet(ref.datastoreId, ref.imageSetId);
    if (imageSet === undefined) throw missing;
    return `${ref.datastoreId}/${ref.imageSetId}`;
  }
}
