// The largest request body each operation can legitimately need (the global limit still caps them all):
// a denial-of-service request is refused on its Content-Length before a byte of it is read.
import type { OperationName } from '../../api/index.js';

const KiB = 1024;
/** Operations without a body input: room for a stray `{}` and nothing more. */
const NO_BODY = KiB;

export const MAX_BODY_BYTES: Readonly<Record<OperationName, number>> = {
  CreateDatastore: 32 * KiB, // name, token, ARNs and up to 50 tags (128 + 256 characters each, JSON-escaped)
  GetDatastore: NO_BODY,
  ListDatastores: NO_BODY,
  DeleteDatastore: NO_BODY,
  StartDICOMImportJob: 2048 * KiB, // up to 1,000 importConfiguration mappings with 1,024-character paths
  GetDICOMImportJob: NO_BODY,
  ListDICOMImportJobs: NO_BODY,
  SearchImageSets: 64 * KiB,
  GetImageSet: NO_BODY,
  GetImageSetMetadata: NO_BODY,
  GetImageFrame: NO_BODY,
  ListImageSetVersions: NO_BODY,
  UpdateImageSetMetadata: 256 * KiB, // two attribute blobs of up to 30,000 bytes, base64 in JSON
  CopyImageSet: 1024 * KiB, // copiableAttributes: up to 260,000 characters, JSON-escaped
  DeleteImageSet: NO_BODY,
  TagResource: 64 * KiB,
  ListTagsForResource: NO_BODY,
  UntagResource: NO_BODY,
};

/** Longest accepted request target (path and query); the request line and headers together stay under 16 KiB. */
export const MAX_URI_BYTES = 8 * KiB;
export const MAX_HEADER_BYTES = 16 * KiB;
