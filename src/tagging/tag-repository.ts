// The TagRepository port. Resources are keyed by id path: "<datastoreId>" or "<datastoreId>/<imageSetId>".
import type { Tags } from '../api/index.js';

export type TagMergeResult = { readonly kind: 'ok' } | { readonly kind: 'too-many'; readonly total: number };

export interface TagRepository {
  listTags(resourceKey: string): Promise<Tags>;
  /** Adds or overwrites tags atomically, refusing when the result would exceed `maxTags`. */
  mergeTags(resourceKey: string, tags: Tags, maxTags: number): Promise<TagMergeResult>;
  removeTags(resourceKey: string, keys: readonly string[]): Promise<void>;
}
