// HTTPS: a self-signed certificate made by openssl for this test, the AWS SDK trusting it through its own agent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDatastoreCommand, ListDatastoresCommand } from '@aws-sdk/client-medical-imaging';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sdkError } from '../support/aws-errors.js';
import { startServer, type RunningServer } from '../support/server.js';
import { tesseraJson } from '../support/tessera-cli.js';

describe('TLS', () => {
  let server: RunningServer;
  let dir: string;
  let cert: Buffer;
  const trusting = () => ({ requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: cert }) }) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = await readFile(join(dir, 'cert.pem'));
    server = await startServer({ env: { TESSERA_TLS_CERT: join(dir, 'cert.pem'), TESSERA_TLS_KEY: join(dir, 'key.pem') } });
  });
  after(async () => {
    await server.dispose();
    await rm(server.dataDir, { recursive: true, force: true }); // the restarted server keeps its data
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the AWS API over HTTPS to an SDK client that trusts the certificate', async () => {
    assert.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = server.client(undefined, trusting());
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'over-tls' }));
    const listed = await client.send(new ListDatastoresCommand({}));
    assert.ok(listed.datastoreSummaries!.some((s) => s.datastoreId === datastoreId));
  });

  it('a client that does not trust the certificate, or speaks plain HTTP, gets nothing', async () => {
    const untrusting = await sdkError(server.client().send(new ListDatastoresCommand({})));
    assert.match(`${untrusting.name} ${untrusting.message}`, /self[- ]signed|certificate/i);
    const plain = await fetch(server.endpoint.replace('https:', 'http:') + '/health').then((r) => r.status, (error: Error) => error.name);
    assert.notEqual(plain, 200);
  });

  it('negotiates TLS 1.2 or newer and refuses TLS 1.1', async () => {
    const port = server.port;
    const negotiated = await new Promise<string | null>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: cert, servername: undefined }, () => {
        resolve(socket.getProtocol());
        socket.end();
      });
      socket.on('error', reject);
    });
    assert.ok(negotiated === 'TLSv1.3' || negotiated === 'TLSv1.2', String(negotiated));
    const old = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, () => {
        resolve(`connected with ${socket.getProtocol()}`);
        socket.end();
      });
      socket.on('error', (error) => resolve(error.message));
    });
    assert.doesNotMatch(old, /^connected/);
  });

  it('keep-alive HTTPS connections do not hold up a clean stop', async () => {
    const client = server.client(undefined, trusting());
    await client.send(new ListDatastoresCommand({}));
    const stopping = Date.now();
    assert.equal(await server.stop(), 0);
    assert.ok(Date.now() - stopping < 5000);
    server = await startServer({ dataDir: server.dataDir, keepData: true, env: { TESSERA_TLS_CERT: join(dir, 'cert.pem'), TESSERA_TLS_KEY: join(dir, 'key.pem') } });
  });

  it('aws:SecureTransport is true on this listener', async () => {
    const key = await tesseraJson<{ accessKeyId: string; secretAccessKey: string }>(server.dataDir, 'users', 'create', 'tls-only');
    const policy = join(dir, 'tls-only.json');
    await writeFile(policy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'medical-imaging:ListDatastores', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'tls-only', '--file', policy);
    await server.client({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, trusting()).send(new ListDatastoresCommand({}));
  });
});
