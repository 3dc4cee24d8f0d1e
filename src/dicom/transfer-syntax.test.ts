import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allTransferSyntaxes, datasetEncodingOf, transferSyntaxOf } from './transfer-syntax.js';

test('the table knows how each syntax encodes the data set and the pixel data', () => {
  assert.equal(datasetEncodingOf('1.2.840.10008.1.2'), 'implicit-le');
  assert.equal(datasetEncodingOf('1.2.840.10008.1.2.2'), 'explicit-be');
  assert.equal(datasetEncodingOf('1.2.840.10008.1.2.1.99'), 'deflated-explicit-le');
  assert.equal(transferSyntaxOf('1.2.840.10008.1.2.4.202')?.frameCodestream, 'jpeg-2000');
  assert.equal(transferSyntaxOf('1.2.840.10008.1.2.4.80')?.frameCodestream, 'jpeg');
  assert.equal(transferSyntaxOf('1.2.840.10008.1.2.4.107')?.frameCodestream, 'video');
  assert.equal(transferSyntaxOf('1.2.840.10008.1.2.1')?.isEncapsulated, false);
});

test('unknown syntaxes are read as Explicit VR Little Endian (PS3.5 §10)', () => {
  assert.equal(transferSyntaxOf('1.2.3.4'), undefined);
  assert.equal(datasetEncodingOf('1.2.3.4'), 'explicit-le');
});

test('UIDs are unique', () => {
  const uids = allTransferSyntaxes().map((syntax) => syntax.uid);
  assert.equal(new Set(uids).size, uids.length);
});
