// The tags IAM conditions see as aws:ResourceTag/<key>. Tessera's choice (AWS does not document it): an image
// set carries its data store's tags, overridden by its own, so tagging a data store governs its image sets too.
import { ARN_PATTERN, isSameScope, parseResourceArn, type ResourceScope, type Tags } from '../api/index.js';
import type { TagRepository } from './tag-repository.js';

export class EffectiveTags {
  constructor(
    private readonly tags: TagRepository,
    private readonly scope: ResourceScope,
  ) {}

  /** Empty for `*`, malformed ARNs and ARNs of another account or region. */
  async tagsOf(resourceArn: string): Promise<Tags> {
    if (!ARN_PATTERN.test(resourceArn)) return {};
    const ref = parseResourceArn(resourceArn);
    if (!isSameScope(ref.scope, this.scope)) return {};
    const datastoreTags = await this.tags.listTags(ref.datastoreId);
    if (ref.kind === 'datastore') return datastoreTags;
    return { ...datastoreTags, ...(await this.tags.listTags(`${ref.datastoreId}/${ref.imageSetId}`)) };
  }
}
