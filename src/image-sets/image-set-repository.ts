// The ImageSetRepository port. Image sets arrive with the import issue; today only lookups that tagging needs.
import type { DatastoreId, ImageSetId, ImageSetState } from '../api/index.js';

export interface ImageSetRecord {
  readonly datastoreId: DatastoreId;
  readonly id: ImageSetId;
  readonly state: ImageSetState;
}

export interface ImageSetRepository {
  /** The image set unless it does not exist or was deleted. */
  findImageSet(datastoreId: DatastoreId, imageSetId: ImageSetId): Promise<ImageSetRecord | undefined>;
}
