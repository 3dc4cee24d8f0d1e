// The Lambda-authorizer contract (dicomweb.md §7.2) with an HTTP endpoint playing the Lambda: a data store created with
// lambdaAuthorizerArn has its DICOMweb bearer tokens decided by it, within 1 second, failing closed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDatastoreCommand, GetDatastoreCommand } from '@aws-sdk/client-medical-imaging';
import { claimsAt, generateTestKey, signJwt } from '../support/jwt.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';
import { tesseraJson } from '../support/tessera-cli.js';

const LAMBDA_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:DicomWebAuth`;

describe('Lambda authorizer for DICOMweb bearer tokens', () => {
  let lambda: Server;
  let server: RunningServer;
  let dir: string;
  let guarded: string;
  let plain: string;
  const calls: { datastoreId: string; operation: string; bearerToken: string }[] = [];
  const key = generateTestKey('any', 'ES256'); // the Lambda, not Tessera, would check this signature
  const token = (scenario: string, extra: Record<string, unknown> = {}) => signJwt(key, claimsAt('https://idp.test', 'viewer', { scenario, ...extra }));
  const qido = (datastoreId: string, bearer: string) => fetch(`${server.endpoint}/datastore/${datastoreId}/studies`, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/dicom+json' } });

  before(async () => {
    lambda = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const input = JSON.parse(body) as (typeof calls)[number];
        calls.push(input);
        const scenario = JSON.parse(Buffer.from(input.bearerToken.split('.')[1]!, 'base64url').toString()).scenario as string;
        const answer = (value: object, delayMs = 0) => setTimeout(() => response.end(JSON.stringify(value)), delayMs);
        if (scenario === 'reader') answer({ isTokenValid: true, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/DicomWebReader` });
        else if (scenario === 'deny') answer({ isTokenValid: true, roleArn: '' });
        else if (scenario === 'foreign') answer({ isTokenValid: true, roleArn: 'arn:aws:iam::999999999999:role/DicomWebReader' });
        else if (scenario === 'slow') answer({ isTokenValid: true, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/DicomWebReader` }, 1500);
        else answer({ isTokenValid: false, roleArn: '' });
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    const port = (lambda.address() as { port: number }).port;
    server = await startServer({ env: { TESSERA_LAMBDA_AUTHORIZERS: `${LAMBDA_ARN}=http://127.0.0.1:${port}/authorize` } });
    const admin = server.client();
    guarded = (await admin.send(new CreateDatastoreCommand({ datastoreName: 'guarded', lambdaAuthorizerArn: LAMBDA_ARN }))).datastoreId!;
    plain = (await admin.send(new CreateDatastoreCommand({ datastoreName: 'plain' }))).datastoreId!;
    for (const id of [guarded, plain]) {
      await eventually(async () => ((await admin.send(new GetDatastoreCommand({ datastoreId: id }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    }
    dir = await mkdtemp(join(tmpdir(), 'tessera-lambda-'));
    await writeFile(join(dir, 'search.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'medical-imaging:SearchDICOM*', Resource: '*' }] }));
    await tesseraJson(server.dataDir, 'roles', 'create', 'DicomWebReader');
    await tesseraJson(server.dataDir, 'policies', 'attach', 'role/DicomWebReader', '--file', join(dir, 'search.json'));
  });
  after(async () => {
    await server.dispose();
    await new Promise((resolve) => lambda.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('the authorizer gets {datastoreId, operation, bearerToken} and its role decides', async () => {
    const reader = token('reader');
    const allowed = await qido(guarded, reader);
    assert.ok(allowed.status === 200 || allowed.status === 204, `${allowed.status} ${await allowed.text()}`);
    assert.deepEqual(calls.at(-1), { datastoreId: guarded, operation: 'SearchDICOMStudies', bearerToken: reader });
    const notInPolicy = await fetch(`${server.endpoint}/datastore/${guarded}/studies/1.2.3/series/4.5.6/metadata`, { headers: { authorization: `Bearer ${reader}` } });
    assert.equal(notInPolicy.status, 403, 'the role has no GetDICOMSeriesMetadata');
    assert.equal(calls.at(-1)!.operation, 'GetDICOMSeriesMetadata');
  });

  it('an empty roleArn, a foreign role, an invalid verdict and a late answer are all refused', async () => {
    const deny = await qido(guarded, token('deny'));
    assert.equal(deny.status, 403);
    assert.equal(deny.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    assert.equal((await qido(guarded, token('foreign'))).status, 403);
    const invalid = await qido(guarded, token('invalid'));
    assert.equal(invalid.status, 401);
    assert.equal(invalid.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    const started = Date.now();
    const slow = await qido(guarded, token('slow'));
    assert.equal(slow.status, 403);
    assert.ok(Date.now() - started < 1450, `denied after ${Date.now() - started} ms: the budget is 1 s`);
  });

  it('expired or over-age tokens are refused before the authorizer is called', async () => {
    const before = calls.length;
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await qido(guarded, token('reader', { exp: now - 300 }))).status, 401);
    assert.equal((await qido(guarded, token('reader', { iat: now - 13 * 3600, nbf: now - 13 * 3600, exp: now + 3600 }))).status, 401);
    assert.equal((await qido(guarded, token('reader', { nbf: now + 3600 }))).status, 401);
    assert.equal(calls.length, before);
  });

  it('a data store without an authorizer does not take bearer tokens; SigV4 keeps working on both', async () => {
    const before = calls.length;
    const response = await qido(plain, token('reader'));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'UnrecognizedClientException');
    assert.equal(calls.length, before);
    for (const id of [guarded, plain]) {
      const signed = await signedFetch(server.port, { method: 'GET', path: `/datastore/${id}/studies`, headers: { accept: 'application/dicom+json' } });
      assert.ok(signed.status === 200 || signed.status === 204, `${signed.status} ${signed.text}`);
    }
  });
});
