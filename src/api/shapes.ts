// Scalar shapes of the model (wire contract §3) as one table, and the enums.

export interface StringShape {
  readonly type: 'string';
  readonly pattern?: RegExp;
  /** The pattern as AWS prints it in validation messages (unanchored). */
  readonly patternText?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface IntegerShape {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
}

const string = (patternText: string | undefined, minLength?: number, maxLength?: number, flags = ''): StringShape => ({
  type: 'string',
  ...(patternText !== undefined ? { pattern: new RegExp(`^(?:${patternText})$`, flags), patternText } : {}),
  ...(minLength !== undefined ? { minLength } : {}),
  ...(maxLength !== undefined ? { maxLength } : {}),
});

export const SHAPES = {
  DatastoreId: string('[0-9a-z]{32}'),
  ImageSetId: string('[0-9a-z]{32}'),
  ImageFrameId: string('[0-9a-z]{32}'),
  JobId: string('[0-9a-z]+', 1, 32),
  DatastoreName: string('[A-Za-z0-9._/#-]+', 1, 256),
  JobName: string('[A-Za-z0-9._/#-]+', 1, 64),
  ClientToken: string('[A-Za-z0-9._-]+', 1, 64),
  AwsAccountId: string('\\d+', 12, 12),
  ImageSetExternalVersionId: string('\\d+'),
  CopiableAttributes: string(undefined, 1, 260000),
  RoleArn: string('arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+', 20, 2048),
  S3Uri: string('s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?', 1, 1024),
  NextToken: string('\\p{ASCII}{0,8192}', 1, 8192, 'u'),
  TagKey: string('(?!aws:)[a-zA-Z+-=._:/]+', 1, 128),
  TagValue: string(undefined, 0, 256),
  Arn: string(
    'arn:aws((-us-gov)|(-iso)|(-iso-b)|(-cn))?:medical-imaging:[a-z0-9-]+:[0-9]{12}:datastore/[0-9a-z]{32}(/imageset/[0-9a-z]{32})?',
  ),
  KmsKeyArn: string(
    'arn:aws[a-zA-Z-]{0,16}:kms:[a-z]{2}(-[a-z]{1,16}){1,3}-\\d{1}:\\d{12}:((key/[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12})|(alias/[a-zA-Z0-9:/_-]{1,256}))',
    1,
    512,
  ),
  LambdaArn: string(
    'arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
  ),
} as const satisfies Record<string, StringShape>;

export const PAGE_SIZE: IntegerShape = { type: 'integer', min: 1, max: 50 };

export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_UNTAG_KEYS = 200;

export const DATASTORE_STATUSES = ['CREATING', 'CREATE_FAILED', 'ACTIVE', 'DELETING', 'DELETED'] as const;
export type DatastoreStatus = (typeof DATASTORE_STATUSES)[number];

export const LOSSLESS_STORAGE_FORMATS = ['HTJ2K', 'JPEG_2000_LOSSLESS'] as const;
export type LosslessStorageFormat = (typeof LOSSLESS_STORAGE_FORMATS)[number];

export const JOB_STATUSES = ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const IMAGE_SET_STATES = ['ACTIVE', 'LOCKED', 'DELETED'] as const;
export type ImageSetState = (typeof IMAGE_SET_STATES)[number];

export type Tags = Record<string, string>;
