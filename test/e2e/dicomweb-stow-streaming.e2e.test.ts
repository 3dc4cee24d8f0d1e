// STOW-RS with the payload signing AWS documents for it: x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD, sent by
// curl --aws-sigv4 with the raw file (AWS's own example), and as an aws-chunked body with chained chunk signatures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { CORPUS_DIR, corpusFiles, type CorpusFile } from '../support/corpus.js';
import { dicomwebFetch, multipartParts } from '../support/dicomweb.js';
import { ADMIN, REGION, eventually, startServer, type RunningServer } from '../support/server.js';
import { buildSignedRequest, signedFetch } from '../support/signed-fetch.js';
import { CreateDatastoreCommand, GetDatastoreCommand } from '@aws-sdk/client-medical-imaging';

const run = promisify(execFile);
const STREAMING = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** The chunk framing and signatures as the S3 API reference describes them, written here independently of the server. */
function chunkSigned(payload: Buffer, seed: { signature: string; amzDate: string }, chunkSize: number, tamper = false): Buffer {
  const date = seed.amzDate.slice(0, 8);
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${ADMIN.secretAccessKey}`, date), REGION), 'medical-imaging'), 'aws4_request');
  const scope = `${date}/${REGION}/medical-imaging/aws4_request`;
  const parts: Buffer[] = [];
  let previous = seed.signature;
  for (let offset = 0; ; offset += chunkSize) {
    const data = payload.subarray(offset, Math.min(offset + chunkSize, payload.length));
    const hash = createHash('sha256').update(data).digest('hex');
    const signature = hmac(key, `AWS4-HMAC-SHA256-PAYLOAD\n${seed.amzDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${hash}`).toString('hex');
    const sent = Buffer.from(data);
    if (tamper && offset === chunkSize) sent[0] = sent[0]! ^ 0xff; // one bit pattern changed in the second chunk
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${signature}\r\n`), sent, Buffer.from('\r\n'));
    previous = signature;
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}

/** POSTs a chunk-signed Part 10 file to /studies: the seed signature covers the headers, the chunks the file. */
async function postChunked(port: number, datastoreId: string, file: Buffer, tamper = false): Promise<{ status: number; body: string }> {
  const chunkSize = 64 * 1024;
  const chunks = Math.ceil(file.length / chunkSize) + 1;
  const encodedLength = file.length + chunks * (';chunk-signature='.length + 64 + 4) + [...Array(chunks).keys()].reduce((n, i) => n + Math.min(chunkSize, Math.max(0, file.length - i * chunkSize)).toString(16).length, 0);
  const signed = await buildSignedRequest(port, {
    method: 'POST',
    path: `/datastore/${datastoreId}/studies`,
    headers: {
      'content-type': 'application/dicom',
      accept: 'application/dicom+json',
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': STREAMING,
      'x-amz-decoded-content-length': String(file.length),
      'content-length': String(encodedLength),
    },
  });
  const signature = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))![1]!;
  const body = chunkSigned(file, { signature, amzDate: String(signed.headers['x-amz-date']) }, chunkSize, tamper);
  assert.equal(body.length, encodedLength, 'the Content-Length signed in advance');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: signed.path, headers: signed.headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function hasCurlSigV4(): Promise<boolean> {
  try {
    return (await run('curl', ['--help', 'all'])).stdout.includes('--aws-sigv4');
  } catch {
    return false;
  }
}

describe('STOW-RS with streaming payload signatures', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  before(async () => {
    server = await startServer();
    const client = server.client();
    ({ datastoreId } = (await client.send(new CreateDatastoreCommand({ datastoreName: 'stow-streaming' }))) as { datastoreId: string });
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    // Two single files whose UIDs no other corpus file shares.
    const all = await corpusFiles();
    files = all
      .filter((f) => f.path.startsWith('transfer-syntax/') && f.expect === 'valid' && f.frames.length > 0 && f.sop_instance_uid !== null)
      .filter((f) => all.filter((g) => g.sop_instance_uid === f.sop_instance_uid || g.series_instance_uid === f.series_instance_uid).length === 1)
      .slice(0, 2);
    assert.equal(files.length, 2);
  });
  after(async () => server?.dispose());

  const pixelsMatch = async (file: CorpusFile) => {
    const path = `/datastore/${datastoreId}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}/instances/${file.sop_instance_uid}/frames/${file.frames.map((f) => f.index + 1).join(',')}`;
    const response = await dicomwebFetch(server.port, path, { accept: 'multipart/related; type="application/octet-stream"' });
    if (response.status !== 200) return response.status;
    const parts = multipartParts(Buffer.from(await response.arrayBuffer()), response.headers.get('content-type')!);
    assert.deepEqual(parts.map((p) => crc32(p.body) >>> 0), file.frames.map((f) => f.crc32), file.path);
    return 200;
  };

  it("AWS's curl example: --aws-sigv4 with the streaming header and the raw file", async (t) => {
    if (!(await hasCurlSigV4())) return t.skip('curl without --aws-sigv4');
    const file = files[0]!;
    const { stdout } = await run('curl', [
      '-sS', '-X', 'POST', `http://127.0.0.1:${server.port}/datastore/${datastoreId}/studies`,
      '--aws-sigv4', `aws:amz:${REGION}:medical-imaging`, '--user', `${ADMIN.accessKeyId}:${ADMIN.secretAccessKey}`,
      '--header', `x-amz-content-sha256: ${STREAMING}`,
      '--header', `x-amz-decoded-content-length: ${(await readFile(join(CORPUS_DIR, file.path))).length}`,
      '--header', 'Accept: application/dicom+json', '--header', 'Content-Type: application/dicom',
      '--upload-file', join(CORPUS_DIR, file.path), '-w', '\n%{http_code}',
    ]);
    const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
    assert.equal(status, '200', body);
    const response = JSON.parse(body) as Record<string, { Value: Record<string, { Value: string[] }>[] }>;
    assert.equal(response['00081199']!.Value[0]!['00081155']!.Value[0], file.sop_instance_uid);
    assert.equal(await pixelsMatch(file), 200);
  });

  it('an aws-chunked body with chained chunk signatures is stored; a changed chunk is refused and stores nothing', async () => {
    const file = files[1]!;
    const bytes = await readFile(join(CORPUS_DIR, file.path));
    assert.ok(bytes.length > 64 * 1024, 'more than one chunk');
    const refused = await postChunked(server.port, datastoreId, bytes, true);
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /InvalidSignatureException|signature of the chunk/);
    assert.equal(await pixelsMatch(file), 404, 'nothing was stored');
    const stored = await postChunked(server.port, datastoreId, bytes);
    assert.equal(stored.status, 200, stored.body);
    assert.equal(await pixelsMatch(file), 200);
  });

  it('the streaming signing mode is refused outside STOW-RS', async () => {
    const response = await signedFetch(server.port, { method: 'GET', path: `/datastore/${datastoreId}/studies`, headers: { 'x-amz-content-sha256': STREAMING } });
    assert.equal(response.status, 403);
    assert.match(response.text, /accepted only on STOW-RS/);
  });
});
