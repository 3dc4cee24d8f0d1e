// Hardening: per-operation body limits, URI and header limits, deadlines for slow clients, no internals in
// error bodies, and a denial-of-service mix (slow headers, slow bodies, oversized bodies) the server survives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ListDatastoresCommand } from '@aws-sdk/client-medical-imaging';
import { assertAwsError } from '../support/aws-errors.js';
import { signedFetch } from '../support/signed-fetch.js';
import { startServer, type RunningServer } from '../support/server.js';

/** Sends raw bytes and collects what comes back until the server closes (or `waitMs` passes). */
function rawExchange(port: number, bytes: string, waitMs = 3000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer: false });
    }, waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true });
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

const INTERNALS = /\/work\/|node_modules|dist\/src|\n\s+at |\.ts:\d+|\.js:\d+/;

describe('hardening', { timeout: 60_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { TESSERA_HEADERS_TIMEOUT_MS: '1500', TESSERA_REQUEST_TIMEOUT_MS: '3000' } });
  });
  after(async () => server.dispose());

  it('refuses an oversized body by its Content-Length, per operation, before reading it, and drops a sender that stalls', async () => {
    // GetDatastore takes no body: 5 MB declared is refused at once although no byte of it was sent.
    const get = await rawExchange(server.port, `GET /datastore/0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n`);
    assert.match(get.text, /^HTTP\/1\.1 400 /);
    assert.match(get.text, /x-amzn-ErrorType: ValidationException/i);
    assert.match(get.text, /exceeds 1024 bytes, the limit of this operation/);
    assert.equal(get.closedByServer, true, 'the 5 MB never come: the connection is dropped after a moment');
    // CreateDatastore allows 32 KiB, below the global 2 MiB.
    const create = await rawExchange(server.port, `POST /datastore HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    assert.match(create.text, /^HTTP\/1\.1 400 [\s\S]*exceeds 32768 bytes/);
    // A chunked body has no Content-Length: it is measured once read.
    const chunked = await fetch(`${server.endpoint}/datastore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode(`{"datastoreName":"${'x'.repeat(40_000)}"}`)), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 400);
    assert.match(await chunked.text(), /exceeds 32768 bytes/);
  });

  it('refuses over-long URIs and headers in the AWS error format', async () => {
    const longUri = await fetch(`${server.endpoint}/datastore?nextToken=${'a'.repeat(9000)}`);
    assertAwsError({ status: longUri.status, headers: longUri.headers, text: await longUri.text(), json: () => ({ message: 'x' }) }, 400, 'ValidationException');
    const bigHeader = await rawExchange(server.port, `GET /datastore HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    assert.match(bigHeader.text, /^HTTP\/1\.1 400 [\s\S]*ValidationException/);
  });

  it('error bodies never show stack traces or file paths', async () => {
    const answers = [
      await signedFetch(server.port, { method: 'POST', path: '/datastore', body: '{"datastoreName": ' }),
      await signedFetch(server.port, { method: 'POST', path: '/datastore', body: '[1,2,3]' }),
      await signedFetch(server.port, { method: 'GET', path: '/datastore/%E0%A4%A' }),
      await signedFetch(server.port, { method: 'POST', path: '/datastore/0123456789abcdef0123456789abcdef/imageSet/0123456789abcdef0123456789abcdef/getImageFrame', body: 'not json' }),
    ];
    for (const answer of answers) {
      assert.ok(answer.status >= 400 && answer.status < 500, `${answer.status} ${answer.text}`);
      assert.doesNotMatch(answer.text, INTERNALS);
    }
    for (const garbage of ['BREW /pot HTTP/1.1\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n', 'GET /datastore HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n']) {
      const { text } = await rawExchange(server.port, garbage, 1500);
      assert.doesNotMatch(text, INTERNALS, JSON.stringify(garbage));
    }
  });

  it('survives hundreds of slow and oversized clients at once and keeps answering', async () => {
    const sockets: Socket[] = [];
    const closed = { slowHeaders: 0, slowBody: 0 };
    const open = (kind: keyof typeof closed, first: string, trickle: string) => {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume(); // read (and drop) the 408/400 answer, or 'close' would never come
      socket.on('close', () => (closed[kind] += 1));
      socket.write(first);
      const timer = setInterval(() => socket.writable && socket.write(trickle), 300);
      socket.on('close', () => clearInterval(timer));
      sockets.push(socket);
    };
    for (let i = 0; i < 200; i++) open('slowHeaders', 'GET /datastore HTTP/1.1\r\nHost: x\r\n', `X-Slow-${i}: y\r\n`);
    for (let i = 0; i < 40; i++) open('slowBody', 'POST /datastore HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30000\r\n\r\n{', ' ');
    // Oversized uploads that really send data: refused on their Content-Length while the data still flows.
    const oversized = Array.from({ length: 40 }, () => rawExchange(server.port, `POST /datastore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n${'z'.repeat(256 * 1024)}`, 5000));

    const client = server.client();
    try {
      const started = Date.now();
      for (let i = 0; i < 10; i++) {
        const callStarted = Date.now();
        await client.send(new ListDatastoresCommand({}));
        assert.ok(Date.now() - callStarted < 2000, `call ${i} took ${Date.now() - callStarted} ms under attack`);
      }
      assert.ok(Date.now() - started < 10_000);
      for (const result of await Promise.all(oversized)) {
      assert.match(result.text, /^HTTP\/1\.1 400 /);
      assert.equal(result.closedByServer, true, 'an uploader that keeps sending is disconnected');
    }

      // The deadlines drop the slow clients: headers after ~1.5 s, bodies after ~3 s (checked about every second).
      await new Promise((resolve) => setTimeout(resolve, 5500));
      assert.ok(closed.slowHeaders >= 195, `${closed.slowHeaders}/200 slow-header connections closed by the server`);
      assert.ok(closed.slowBody >= 38, `${closed.slowBody}/40 slow-body connections closed by the server`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    assert.equal(server.process.exitCode, null);
    await client.send(new ListDatastoresCommand({}));
    const health = await fetch(`${server.endpoint}/health`);
    assert.equal(health.status, 200);
  });

  it('stops promptly on SIGTERM although clients stalled mid-request never hang up', async () => {
    const stalled: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => undefined); // never reads, never closes: the worst kind of peer
      socket.write('GET /datastore HTTP/1.1\r\nHost: x\r\nX-Partial: ');
      stalled.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = Date.now();
    try {
      assert.equal(await server.stop(), 0);
      assert.ok(Date.now() - stopping < 5000, `stopped after ${Date.now() - stopping} ms`);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
  });
});
