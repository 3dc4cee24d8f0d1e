// The AWS managed policies of HealthImaging, built in (documents as published in the AWS managed policy reference).
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';

export const MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = Object.freeze({
  // v2 (2023-08-01). iam:PassRole is kept for fidelity; no Tessera action asks for it.
  AWSHealthImagingFullAccess: parsePolicyDocument({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['medical-imaging:*'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'medical-imaging.amazonaws.com' } } },
    ],
  }),
  // v2 (2023-08-01): the ten read actions of the REST API; no DICOMweb action (AWS has not added them).
  AWSHealthImagingReadOnlyAccess: parsePolicyDocument({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'medical-imaging:GetDICOMImportJob',
          'medical-imaging:GetDatastore',
          'medical-imaging:GetImageFrame',
          'medical-imaging:GetImageSet',
          'medical-imaging:GetImageSetMetadata',
          'medical-imaging:ListDICOMImportJobs',
          'medical-imaging:ListDatastores',
          'medical-imaging:ListImageSetVersions',
          'medical-imaging:ListTagsForResource',
          'medical-imaging:SearchImageSets',
        ],
        Resource: '*',
      },
    ],
  }),
});

export function managedPolicyArn(name: string): string {
  return `arn:aws:iam::aws:policy/${name}`;
}
