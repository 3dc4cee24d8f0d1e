import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATION_NAMES, ValidationException } from '../../api/index.js';
import { ROUTES } from './route-table.js';
import { Router } from './router.js';

const router = new Router(ROUTES);
const ds = '12345678901234567890123456789012';
const is = 'ea92b0d8838c72a3f25d00d13616f87e';

test('the table has each of the 18 operations exactly once, with unique method+path', () => {
  assert.deepEqual(ROUTES.map((r) => r.operation).sort(), [...OPERATION_NAMES].sort());
  assert.equal(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size, 18);
});

for (const [method, path, operation, labels] of [
  ['POST', '/datastore', 'CreateDatastore', {}],
  ['GET', '/datastore', 'ListDatastores', {}],
  ['GET', `/datastore/${ds}`, 'GetDatastore', { datastoreId: ds }],
  ['GET', '/datastore/', 'GetDatastore', { datastoreId: '' }],
  ['DELETE', `/datastore/${ds}`, 'DeleteDatastore', { datastoreId: ds }],
  ['POST', `/startDICOMImportJob/datastore/${ds}`, 'StartDICOMImportJob', { datastoreId: ds }],
  ['GET', `/getDICOMImportJob/datastore/${ds}/job/abc`, 'GetDICOMImportJob', { datastoreId: ds, jobId: 'abc' }],
  ['POST', `/datastore/${ds}/imageSet/${is}/getImageFrame`, 'GetImageFrame', { datastoreId: ds, imageSetId: is }],
  ['POST', `/datastore/${ds}/imageSet/${is}/copyImageSet`, 'CopyImageSet', { datastoreId: ds, sourceImageSetId: is }],
  [
    'GET',
    `/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F${ds}`,
    'ListTagsForResource',
    { resourceArn: `arn:aws:medical-imaging:us-east-1:123456789012:datastore/${ds}` },
  ],
] as const) {
  test(`${method} ${path} → ${operation}`, () => {
    const match = router.match(method, path);
    assert.equal(match?.route.operation, operation);
    assert.deepEqual(match?.labels, labels);
  });
}

test('unknown method+path gives no match; bad percent-encoding is a ValidationException', () => {
  assert.equal(router.match('PUT', '/datastore'), undefined);
  assert.equal(router.match('POST', `/datastore/${ds}/unknownVerb`), undefined);
  assert.equal(router.match('GET', `/datastore/${ds}/extra`), undefined);
  assert.throws(() => router.match('GET', '/datastore/%E0%A4%A'), ValidationException);
});
