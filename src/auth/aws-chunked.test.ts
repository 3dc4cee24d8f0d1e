// Chunk-signed bodies, checked against the worked example of AWS's S3 API reference ("Transferring payload in multiple
// chunks", PUT Object): its seed, chunk and final signatures, and its request, through the whole SigV4 verifier.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { IncompleteSignatureException, InvalidSignatureException } from '../api/errors.js';
import { decodeAwsChunked, isAwsChunked, type ChunkSigning } from './aws-chunked.js';
import { SigV4Verifier } from './sigv4-verifier.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const CHUNK_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

const SIGNING: ChunkSigning = {
  signingKey: signingKey(SECRET, '20130524', 'us-east-1', 's3'),
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  seedSignature: SEED,
};

/** The example's body: 65536 + 1024 bytes of 'a', then the final empty chunk. */
function exampleBody(signatures = CHUNK_SIGNATURES, data = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')]): Buffer {
  const parts: Buffer[] = [];
  [...data, Buffer.alloc(0)].forEach((chunk, i) => {
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signatures[i]}\r\n`), chunk, Buffer.from('\r\n'));
  });
  return Buffer.concat(parts);
}

describe('aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  it("decodes AWS's example, every chunk signature chained from the seed", () => {
    const body = exampleBody();
    assert.equal(body.length, 66824, 'the Content-Length of the example');
    assert.deepEqual(decodeAwsChunked(body, SIGNING), Buffer.alloc(66560, 'a'));
    assert.ok(isAwsChunked(body, undefined), 'recognised by its first chunk header');
    assert.ok(isAwsChunked(Buffer.from('x'), 'aws-chunked'));
    assert.ok(!isAwsChunked(Buffer.from('DICM plain file'), undefined));
  });

  it('refuses a changed byte, swapped chunks, a wrong seed, a cut body and data after the final chunk', () => {
    const changed = exampleBody();
    changed[100] = 0x62;
    assert.throws(() => decodeAwsChunked(changed, SIGNING), InvalidSignatureException);
    const swapped = exampleBody([CHUNK_SIGNATURES[1]!, CHUNK_SIGNATURES[0]!, CHUNK_SIGNATURES[2]!], [Buffer.alloc(1024, 'a'), Buffer.alloc(65536, 'a')]);
    assert.throws(() => decodeAwsChunked(swapped, SIGNING), InvalidSignatureException);
    assert.throws(() => decodeAwsChunked(exampleBody(), { ...SIGNING, seedSignature: CHUNK_SIGNATURES[0]! }), InvalidSignatureException);
    const body = exampleBody();
    assert.throws(() => decodeAwsChunked(body.subarray(0, body.length - 90), SIGNING), IncompleteSignatureException);
    assert.throws(() => decodeAwsChunked(Buffer.concat([body, Buffer.from('x')]), SIGNING), IncompleteSignatureException);
    assert.throws(() => decodeAwsChunked(Buffer.from('zz;chunk-signature=00\r\n'), SIGNING), IncompleteSignatureException);
  });

  it("verifies AWS's example request end to end, and only where the route takes streaming payloads", async () => {
    const verifier = new SigV4Verifier({
      service: 's3',
      region: 'us-east-1',
      clockSkewMs: 5 * 60_000,
      lookupSecret: async (accessKeyId) => (accessKeyId === 'AKIAIOSFODNN7EXAMPLE' ? { secretAccessKey: SECRET, principal: 'example' } : undefined),
      now: () => Date.parse('2013-05-24T00:00:00Z'),
    });
    const headers = {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,' +
        `Signature=${SEED}`,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    };
    const request = { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers, body: exampleBody() };
    let payload: Buffer | undefined;
    const verified = await verifier.verify({ ...request, onStreamingPayload: (p) => (payload = p) });
    assert.equal(verified.principal, 'example');
    assert.deepEqual(payload, Buffer.alloc(66560, 'a'));
    await assert.rejects(verifier.verify(request), InvalidSignatureException, 'a route that takes no streaming payload refuses it');
    await assert.rejects(
      verifier.verify({ ...request, headers: { ...headers, 'x-amz-decoded-content-length': '66559' }, onStreamingPayload: () => undefined }),
      InvalidSignatureException,
      'the length is a signed header: changing it breaks the seed signature',
    );
    const tampered = exampleBody();
    tampered[66_000] = 0x62; // inside the second chunk
    await assert.rejects(verifier.verify({ ...request, body: tampered, onStreamingPayload: () => undefined }), InvalidSignatureException);
  });
});
