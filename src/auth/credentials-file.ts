// The AWS shared-credentials file Tessera writes for its generated admin key.

export const CREDENTIALS_PROFILE = 'tessera';

export function formatSharedCredentials(accessKeyId: string, secretAccessKey: string, region: string): string {
  return [
    '# Written by Tessera on first start: the admin access key of this data folder.',
    `# Use: AWS_SHARED_CREDENTIALS_FILE=<this file> AWS_PROFILE=${CREDENTIALS_PROFILE} AWS_REGION=${region}`,
    `[${CREDENTIALS_PROFILE}]`,
    `aws_access_key_id = ${accessKeyId}`,
    `aws_secret_access_key = ${secretAccessKey}`,
    '',
  ].join('\n');
}
