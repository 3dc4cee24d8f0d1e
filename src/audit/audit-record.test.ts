import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HIDDEN, buildAuditRecord, pathShape, type AuditedCall } from './audit-record.js';

const DS = 'bbc4f3cccbae4095a34170fddc19b13d';
const IS = 'e616d1f717da6f80fed6271ad184b7f0';
const SCOPE = { region: 'us-east-1', accountId: '111122223333' };
const ALICE = { arn: 'arn:aws:iam::111122223333:user/alice', userName: 'alice', accessKeyId: 'AKIAALICE0000001' };

function call(overrides: Partial<AuditedCall>): AuditedCall {
  return {
    startMs: Date.UTC(2025, 8, 1, 10, 0, 0, 123),
    requestId: 'f009ea9c-84ca-4749-b5b6-7164f00a5ada',
    eventId: '5b1c0000-0000-4000-8000-000000000000',
    operation: 'GetImageSetMetadata',
    method: 'POST',
    rawPath: `/datastore/${DS}/imageSet/${IS}/getImageSetMetadata`,
    labels: { datastoreId: DS, imageSetId: IS },
    rawQuery: '',
    body: Buffer.alloc(0),
    principal: ALICE,
    authorization: undefined,
    sourceIp: '203.0.113.10',
    userAgent: 'aws-sdk-js/3.958.0',
    error: undefined,
    resultDatastoreId: undefined,
    ...overrides,
  };
}

test('an image set read is a data event with the §18 shape', () => {
  assert.deepEqual(buildAuditRecord(call({ rawQuery: 'version=2' }), SCOPE), {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', arn: ALICE.arn, accountId: '111122223333', accessKeyId: ALICE.accessKeyId, userName: 'alice' },
    eventTime: '2025-09-01T10:00:00.123Z',
    eventSource: 'medical-imaging.amazonaws.com',
    eventName: 'GetImageSetMetadata',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-sdk-js/3.958.0',
    requestParameters: { datastoreId: DS, imageSetId: IS, versionId: '2' },
    responseElements: null,
    requestID: 'f009ea9c-84ca-4749-b5b6-7164f00a5ada',
    eventID: '5b1c0000-0000-4000-8000-000000000000',
    readOnly: true,
    resources: [{ accountId: '111122223333', type: 'AWS::MedicalImaging::Datastore', ARN: `arn:aws:medical-imaging:us-east-1:111122223333:datastore/${DS}` }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111122223333',
    eventCategory: 'Data',
  });
});

test('tag values, search criteria, update blobs and copiable attributes are hidden; ids and names are kept', () => {
  const create = buildAuditRecord(
    call({
      operation: 'CreateDatastore',
      labels: {},
      body: Buffer.from(JSON.stringify({ datastoreName: 'ward-7', clientToken: 't1', tags: { patient: 'Jane Doe', '1': 'x' }, unknownMember: 'PHI?' })),
      resultDatastoreId: DS,
    }),
    SCOPE,
  );
  assert.deepEqual(create.requestParameters, { datastoreName: 'ward-7', clientToken: 't1', tags: { '1': HIDDEN, patient: HIDDEN }, unknownMember: HIDDEN });
  assert.equal(create.managementEvent, true);
  assert.equal(create.eventCategory, 'Management');
  assert.equal(create.readOnly, false);
  assert.equal(create.resources?.[0]?.ARN.endsWith(DS), true);

  const search = buildAuditRecord(call({ operation: 'SearchImageSets', body: Buffer.from('{"filters":[{"values":[{"DICOMPatientId":"123"}],"operator":"EQUAL"}]}') }), SCOPE);
  assert.equal(search.requestParameters?.searchCriteria, HIDDEN);
  assert.doesNotMatch(JSON.stringify(search), /DICOMPatientId|123"/);

  const update = buildAuditRecord(call({ operation: 'UpdateImageSetMetadata', rawQuery: 'latestVersion=1', body: Buffer.from('{"DICOMUpdates":{"updatableAttributes":"eyJ9"}}') }), SCOPE);
  assert.deepEqual(update.requestParameters, { datastoreId: DS, imageSetId: IS, latestVersionId: '1', updateImageSetMetadataUpdates: HIDDEN });

  const copy = buildAuditRecord(
    call({
      operation: 'CopyImageSet',
      labels: { datastoreId: DS, sourceImageSetId: IS },
      body: Buffer.from(JSON.stringify({ sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: '{"SchemaVersion":"1.1","PatientName":"X"}' } }, destinationImageSet: { imageSetId: IS, latestVersionId: '2' } })),
    }),
    SCOPE,
  );
  assert.deepEqual(copy.requestParameters, {
    datastoreId: DS,
    sourceImageSetId: IS,
    copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: HIDDEN } }, destinationImageSet: { imageSetId: IS, latestVersionId: '2' } },
  });

  const frame = buildAuditRecord(call({ operation: 'GetImageFrame', body: Buffer.from('{"imageFrameId":"0123456789abcdef0123456789abcdef"}') }), SCOPE);
  assert.deepEqual(frame.requestParameters?.imageFrameInformation, { imageFrameId: '0123456789abcdef0123456789abcdef' });

  const junk = buildAuditRecord(call({ operation: 'CreateDatastore', labels: {}, body: Buffer.from('not json at all, Jane Doe') }), SCOPE);
  assert.deepEqual(junk.requestParameters, { body: HIDDEN });
});

test('a failed authentication is recorded as Unknown with the access key id only, never the signature', () => {
  const authorization =
    'AWS4-HMAC-SHA256 Credential=AKIAWRONG00000001/20250901/us-east-1/medical-imaging/aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeef';
  const record = buildAuditRecord(
    call({ operation: 'ListDatastores', method: 'GET', labels: {}, rawQuery: 'X-Amz-Signature=abc&maxResults=5', principal: undefined, authorization, error: { code: 'InvalidSignatureException', message: 'no' } }),
    SCOPE,
  );
  assert.deepEqual(record.userIdentity, { type: 'Unknown', accessKeyId: 'AKIAWRONG00000001' });
  assert.equal(record.errorCode, 'InvalidSignatureException');
  assert.deepEqual(record.requestParameters, { maxResults: '5' });
  assert.doesNotMatch(JSON.stringify(record), /deadbeef|Signature=|X-Amz-Signature/);
  assert.deepEqual(buildAuditRecord(call({ principal: undefined }), SCOPE).userIdentity, { type: 'Unknown' });
});

test('an unrouted call is named by method and path shape', () => {
  const record = buildAuditRecord(call({ operation: undefined, method: 'PUT', rawPath: `/datastore/${DS}/Jane%20Doe`, labels: undefined }), SCOPE);
  assert.equal(record.eventName, `PUT /datastore/{}/{}`);
  assert.equal(record.requestParameters, null);
  assert.equal(record.readOnly, false);
  assert.equal(pathShape('/foo/bar'), '/foo/bar');
});

test('a role taken on by a bearer token is an AssumedRole identity with its session issuer', () => {
  const viewer = { arn: 'arn:aws:iam::111122223333:role/DicomWebReader', userName: 'viewer-1', accessKeyId: '' };
  assert.deepEqual(buildAuditRecord(call({ principal: viewer }), SCOPE).userIdentity, {
    type: 'AssumedRole',
    principalId: 'DicomWebReader:viewer-1',
    arn: 'arn:aws:sts::111122223333:assumed-role/DicomWebReader/viewer-1',
    accountId: '111122223333',
    accessKeyId: '',
    sessionContext: { sessionIssuer: { type: 'Role', principalId: 'DicomWebReader', arn: viewer.arn, accountId: '111122223333', userName: 'DicomWebReader' } },
  });
});
