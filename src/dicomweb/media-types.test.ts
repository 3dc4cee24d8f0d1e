// Transfer-syntax negotiation of WADO-RS (dicomweb.md §4.1 decision table) and Accept parsing (PS3.18 §8.7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotAcceptableException } from '../api/index.js';
import { assertAcceptsDicomJson, negotiateFrames, negotiateInstance, parseAccept } from './media-types.js';

const HTJ2K = { storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202', isDecodable: true, isWholeBlob: false };
const BLOB = { storedTransferSyntaxUID: '1.2.840.10008.1.2.8.1', isDecodable: false, isWholeBlob: true };

describe('media types', () => {
  it('parses quoted parameters and orders by q', () => {
    const entries = parseAccept('multipart/related; type="image/jphc"; q=0.5, multipart/related; TYPE=application/octet-stream; transfer-syntax="1.2.840.10008.1.2.1"');
    assert.equal(entries[0]!.params.type, 'application/octet-stream');
    assert.equal(entries[0]!.params['transfer-syntax'], '1.2.840.10008.1.2.1');
    assert.equal(entries[1]!.params.type, 'image/jphc');
  });

  it('frames: ELE by default, stored with * or the stored UID or its image type, 406 otherwise', () => {
    assert.deepEqual(negotiateFrames(undefined, HTJ2K), { kind: 'uncompressed' });
    assert.deepEqual(negotiateFrames('multipart/related; type="application/octet-stream"', HTJ2K), { kind: 'uncompressed' });
    assert.deepEqual(negotiateFrames('multipart/related; type="application/octet-stream"; transfer-syntax=*', HTJ2K), { kind: 'stored', transferSyntaxUID: HTJ2K.storedTransferSyntaxUID });
    assert.deepEqual(negotiateFrames('multipart/related; type="image/jhc"', HTJ2K), { kind: 'stored', transferSyntaxUID: HTJ2K.storedTransferSyntaxUID });
    assert.throws(() => negotiateFrames('multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.50', HTJ2K), NotAcceptableException);
    assert.throws(() => negotiateFrames('multipart/related; type="image/jpeg"', HTJ2K), NotAcceptableException);
    // The second choice is used when the first cannot be produced.
    assert.deepEqual(negotiateFrames('multipart/related; type="image/jpeg", multipart/related; type="application/octet-stream"', HTJ2K), { kind: 'uncompressed' });
  });

  it('whole-blob pixel data: frames as stored without a parameter, instances only with *', () => {
    assert.deepEqual(negotiateFrames(undefined, BLOB), { kind: 'stored', transferSyntaxUID: BLOB.storedTransferSyntaxUID });
    assert.throws(() => negotiateInstance('application/dicom', BLOB), NotAcceptableException);
    assert.throws(() => negotiateInstance('application/dicom; transfer-syntax=1.2.840.10008.1.2.1', BLOB), NotAcceptableException);
    assert.deepEqual(negotiateInstance('application/dicom; transfer-syntax=*', BLOB).delivery, { kind: 'stored', transferSyntaxUID: BLOB.storedTransferSyntaxUID });
  });

  it('instance: multipart/related application/dicom is honoured; JSON-only routes refuse XML', () => {
    assert.equal(negotiateInstance('multipart/related; type="application/dicom"', HTJ2K).isMultipart, true);
    assert.throws(() => assertAcceptsDicomJson('multipart/related; type="application/dicom+xml"'), NotAcceptableException);
    assert.doesNotThrow(() => assertAcceptsDicomJson(undefined));
  });
});
