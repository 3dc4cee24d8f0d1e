import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPrivateTag, keywordOf, tagInfo, tagOf } from './dictionary.js';

test('keywords and VRs of standard tags', () => {
  assert.deepEqual(tagInfo('00100010'), { keyword: 'PatientName', vr: 'PN' });
  assert.equal(keywordOf('0020000D'), 'StudyInstanceUID');
  assert.equal(keywordOf('60003000'), 'OverlayData');
  assert.equal(tagOf('SeriesInstanceUID'), '0020000E');
  assert.equal(tagOf('NoSuchKeyword'), undefined);
});

test('private tags have no keyword', () => {
  assert.equal(isPrivateTag('00091001'), true);
  assert.equal(isPrivateTag('00100010'), false);
  assert.equal(keywordOf('00091001'), undefined);
});
