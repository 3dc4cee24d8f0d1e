// The 18 operations of the service: names, IAM actions and traits (wire contract §2).

export const OPERATION_NAMES = [
  'CreateDatastore',
  'GetDatastore',
  'ListDatastores',
  'DeleteDatastore',
  'StartDICOMImportJob',
  'GetDICOMImportJob',
  'ListDICOMImportJobs',
  'SearchImageSets',
  'GetImageSet',
  'GetImageSetMetadata',
  'GetImageFrame',
  'ListImageSetVersions',
  'UpdateImageSetMetadata',
  'CopyImageSet',
  'DeleteImageSet',
  'TagResource',
  'ListTagsForResource',
  'UntagResource',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

/** IAM action name of an operation (`medical-imaging:<Operation>`). */
export function iamAction(operation: OperationName): string {
  return `medical-imaging:${operation}`;
}
