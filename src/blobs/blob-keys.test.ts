// The blob key scheme: validation and the builders that docs/storage-layout.md promises.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidBlobKeyError,
  assertValidBlobKey,
  assertValidBlobKeyPrefix,
  datastoreBlobPrefix,
  frameBlobKey,
  jobReportBlobKey,
  metadataBlobKey,
} from './blob-keys.js';

const DS = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const IMAGE_SET = '0123456789abcdef0123456789abcdef';
const FRAME = 'fedcba9876543210fedcba9876543210';

describe('blob keys', () => {
  it('accepts relative keys of allowed segments', () => {
    for (const key of ['a', 'a/b/c', 'A-Z_0.9=x', '...', '.hidden/x', 'x'.repeat(255), `${'x'.repeat(255)}/`.repeat(4).slice(0, 1024 - 1)]) {
      assert.doesNotThrow(() => assertValidBlobKey(key), key.slice(0, 30));
    }
  });

  it('rejects everything else', () => {
    const invalid = ['', '/', '/abs', 'a/', 'a//b', '.', '..', './a', 'a/.', 'a/./b', '../x', 'a/../b', 'a\\b', 'a b', 'a~b', 'é', 'a\0b', 'x'.repeat(256), `${'x/'.repeat(512)}x`];
    for (const key of invalid) {
      assert.throws(() => assertValidBlobKey(key), InvalidBlobKeyError, JSON.stringify(key.slice(0, 30)));
    }
  });

  it('validates list prefixes: whole segments then an optional partial one', () => {
    for (const prefix of ['', 'a', 'a/', 'a/b', 'a/b/', 'datastores/x/frames/', 'a/.', 'a/..']) {
      assert.doesNotThrow(() => assertValidBlobKeyPrefix(prefix), prefix);
    }
    for (const prefix of ['/', '/a', '../', 'a//', 'a/./', 'a/../b', 'a b', '~']) {
      assert.throws(() => assertValidBlobKeyPrefix(prefix), InvalidBlobKeyError, prefix);
    }
  });

  it('builds the documented keys', () => {
    assert.equal(datastoreBlobPrefix(DS), `datastores/${DS}/`);
    assert.match(frameBlobKey(DS, FRAME), new RegExp(`^datastores/${DS}/frames/[0-9a-f]{2}/[0-9a-f]{2}/${FRAME}$`));
    assert.match(
      metadataBlobKey(DS, IMAGE_SET, '3'),
      new RegExp(`^datastores/${DS}/image-sets/[0-9a-f]{2}/[0-9a-f]{2}/${IMAGE_SET}/versions/3/metadata\\.json\\.gz$`),
    );
    assert.equal(jobReportBlobKey(DS, 'job1', 'SUCCESS/success.ndjson'), `datastores/${DS}/import-jobs/job1/SUCCESS/success.ndjson`);
    for (const key of [frameBlobKey(DS, FRAME), metadataBlobKey(DS, IMAGE_SET, '1'), jobReportBlobKey(DS, 'j', 'm.json')]) {
      assert.ok(key.startsWith(datastoreBlobPrefix(DS)));
      assert.doesNotThrow(() => assertValidBlobKey(key));
    }
  });

  it('shards by a stable hash of the id (part of the storage contract: never change it)', () => {
    // sha256("fedcba9876543210fedcba9876543210") starts with 4ba6.
    assert.equal(frameBlobKey(DS, FRAME), `datastores/${DS}/frames/4b/a6/${FRAME}`);
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => frameBlobKey(DS, `frame${i}`).split('/')[3]));
    assert.ok(shards.size > 200, 'sequential ids spread over the first level');
  });

  it('refuses ids that are not one valid segment', () => {
    for (const bad of ['', '..', '.', 'a/b', '../x', 'a b']) {
      assert.throws(() => frameBlobKey(DS, bad), InvalidBlobKeyError, `frame ${bad}`);
      assert.throws(() => frameBlobKey(bad, FRAME), InvalidBlobKeyError, `datastore ${bad}`);
      assert.throws(() => metadataBlobKey(DS, IMAGE_SET, bad), InvalidBlobKeyError, `version ${bad}`);
      assert.throws(() => jobReportBlobKey(DS, bad, 'x'), InvalidBlobKeyError, `job ${bad}`);
    }
    for (const name of ['', '../x', 'a//b', '/abs', 'a/']) {
      assert.throws(() => jobReportBlobKey(DS, 'job', name), InvalidBlobKeyError, `name ${name}`);
    }
  });
});
