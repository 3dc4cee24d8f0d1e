// Black-box: every route but /health is SigV4-authenticated (wire contract §7, error-examples "Authentication ... errors").
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateDatastoreCommand, ListDatastoresCommand, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { ADMIN, REGION, startServer, type RunningServer } from '../support/server.js';
import { buildSignedRequest, encodeRfc3986, send, signer, type RawResponse } from '../support/signed-fetch.js';
import { UUID, assertAwsError, sdkError } from '../support/aws-errors.js';





function createBody(name: string): string {
  return JSON.stringify({ datastoreName: name, clientToken: `token-${name}` });
}

/** Sends with node:http so the Host header is exactly what the test says (fetch forbids setting it). */
function sendWithHost(port: number, signed: HttpRequest): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const query = Object.entries(signed.query ?? {})
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${encodeRfc3986(k)}=${encodeRfc3986(String(x))}`))
      .join('&');
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: signed.method,
        path: `${signed.path}${query ? `?${query}` : ''}`,
        setHost: false,
        headers: signed.headers,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (signed.body !== undefined) req.end(signed.body as string);
    else req.end();
  });
}

describe('SigV4 authentication (e2e)', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;

  before(async () => {
    server = await startServer();
    client = server.client();
  });

  after(async () => {
    client?.destroy();
    await server?.dispose();
  });

  it('GET /health needs no authentication', async () => {
    const response = await fetch(`${server.endpoint}/health`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID);
  });

  it('a request without Authorization is 403 MissingAuthenticationTokenException', async () => {
    for (const [method, path, body] of [
      ['GET', '/datastore', undefined],
      ['POST', '/datastore', createBody('unsigned')],
      ['GET', '/datastore/0123456789abcdef0123456789abcdef', undefined],
      ['GET', '/no/such/route', undefined],
    ] as const) {
      const response = await fetch(`${server.endpoint}${path}`, {
        method,
        ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
      });
      const text = await response.text();
      assertAwsError({ status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }, 403, 'MissingAuthenticationTokenException');
    }
  });

  it('an unknown access key is 403 UnrecognizedClientException', async () => {
    const stranger = server.client({ accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'whatever-secret-0123456789' });
    try {
      const error = await sdkError(stranger.send(new CreateDatastoreCommand({ datastoreName: 'unknown-key' })));
      assert.equal(error.name, 'UnrecognizedClientException', error.message);
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.match(error.$metadata?.requestId ?? '', UUID);
    } finally {
      stranger.destroy();
    }
  });

  it('the right key id with a wrong secret is 403 InvalidSignatureException', async () => {
    const wrong = server.client({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: `${ADMIN.secretAccessKey}x` });
    try {
      const error = await sdkError(wrong.send(new CreateDatastoreCommand({ datastoreName: 'wrong-secret' })));
      assert.equal(error.name, 'InvalidSignatureException', error.message);
      assert.equal(error.$metadata?.httpStatusCode, 403);
    } finally {
      wrong.destroy();
    }
  });

  it('a client clock 10 minutes behind is 403 "Signature expired:"', async () => {
    const late = server.client(ADMIN, { systemClockOffset: -600_000 });
    try {
      const error = await sdkError(late.send(new CreateDatastoreCommand({ datastoreName: 'clock-behind' })));
      assert.equal(error.name, 'InvalidSignatureException', error.message);
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.ok(error.message.startsWith('Signature expired:'), error.message);
    } finally {
      late.destroy();
    }
  });

  it('a client clock 10 minutes ahead is 403 "Signature expired:"', async () => {
    const early = server.client(ADMIN, { systemClockOffset: 600_000 });
    try {
      const error = await sdkError(early.send(new CreateDatastoreCommand({ datastoreName: 'clock-ahead' })));
      assert.equal(error.name, 'InvalidSignatureException', error.message);
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.ok(error.message.startsWith('Signature expired:'), error.message);
    } finally {
      early.destroy();
    }
  });

  it('a clock 4 minutes off either way is inside the 5-minute window', async () => {
    for (const offset of [-240_000, 240_000]) {
      const skewed = server.client(ADMIN, { systemClockOffset: offset });
      try {
        const output = await skewed.send(new ListDatastoresCommand({}));
        assert.equal(output.$metadata.httpStatusCode, 200);
        assert.ok(Array.isArray(output.datastoreSummaries));
      } finally {
        skewed.destroy();
      }
    }
  });

  it('a request signed for another region is 403 with a message about the region', async () => {
    const elsewhere = server.client(ADMIN, { region: 'eu-west-1' });
    try {
      const error = await sdkError(elsewhere.send(new CreateDatastoreCommand({ datastoreName: 'wrong-region' })));
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.match(error.name, /^(InvalidSignatureException|IncompleteSignatureException)$/);
      assert.match(error.message, /region/i);
      assert.match(error.message, /eu-west-1/);
    } finally {
      elsewhere.destroy();
    }
  });

  it('a body changed after signing is 403 InvalidSignatureException', async () => {
    // Same length, so only the bytes differ (content-length is signed too).
    const signed = await buildSignedRequest(server.port, { method: 'POST', path: '/datastore', body: createBody('body-aaaa') });
    signed.body = createBody('body-bbbb');
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a body changed after signing is 403 also when no x-amz-content-sha256 header is sent (as botocore)', async () => {
    const noChecksum = new SignatureV4({
      service: 'medical-imaging', region: REGION, credentials: ADMIN, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true, applyChecksum: false,
    });
    const signed = await buildSignedRequest(server.port, { method: 'POST', path: '/datastore', body: createBody('body-cccc') }, noChecksum);
    assert.equal(signed.headers['x-amz-content-sha256'], undefined);
    // Control: unchanged, the same kind of request is accepted.
    const control = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore' }, noChecksum);
    assert.equal((await send(server.port, control)).status, 200);
    signed.body = createBody('body-dddd');
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a declared x-amz-content-sha256 that does not match the body is 403', async () => {
    const signed = await buildSignedRequest(server.port, {
      method: 'POST',
      path: '/datastore',
      body: createBody('sha-mismatch'),
      headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    });
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a tampered x-amz-date is 403', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'POST', path: '/datastore', body: createBody('date-tamper') });
    const amzDate = signed.headers['x-amz-date']!;
    // One second later: same day (scope still matches), within the clock window, so only the signature can catch it.
    const seconds = Number(amzDate.slice(13, 15));
    const changed = `${amzDate.slice(0, 13)}${String(seconds === 59 ? 58 : seconds + 1).padStart(2, '0')}Z`;
    assert.notEqual(changed, amzDate);
    signed.headers['x-amz-date'] = changed;
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a signed custom header changed after signing is 403', async () => {
    const signed = await buildSignedRequest(server.port, {
      method: 'POST',
      path: '/datastore',
      body: createBody('header-tamper'),
      headers: { 'x-tessera-probe': 'one' },
    });
    assert.match(signed.headers.authorization!, /SignedHeaders=[^,]*x-tessera-probe/);
    signed.headers['x-tessera-probe'] = 'two';
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a signed header removed after signing is 403', async () => {
    const signed = await buildSignedRequest(server.port, {
      method: 'POST',
      path: '/datastore',
      body: createBody('header-removed'),
      headers: { 'x-tessera-probe': 'one' },
    });
    delete signed.headers['x-tessera-probe'];
    const response = await send(server.port, signed);
    assert.equal(response.status, 403, response.text);
    assert.match(response.headers.get('x-amzn-errortype') ?? '', /^(InvalidSignatureException|IncompleteSignatureException)$/);
  });

  it('a path changed after signing is 403', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore/0123456789abcdef0123456789abcdef' });
    signed.path = '/datastore/fedcba9876543210fedcba9876543210';
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a method changed after signing is 403', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore/0123456789abcdef0123456789abcdef' });
    signed.method = 'DELETE';
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a query changed after signing is 403', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore', query: { maxResults: '5' } });
    signed.query = { maxResults: '6' };
    assertAwsError(await send(server.port, signed), 403, 'InvalidSignatureException');
  });

  it('a malformed Authorization header is 403 IncompleteSignatureException', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'POST', path: '/datastore', body: createBody('malformed-auth') });
    signed.headers.authorization = 'AWS4-HMAC-SHA256 Credential=abc';
    assertAwsError(await send(server.port, signed), 403, 'IncompleteSignatureException');

    // Even without any other signing header.
    const response = await fetch(`${server.endpoint}/datastore`, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=abc', 'content-type': 'application/json' },
      body: createBody('malformed-auth-2'),
    });
    const text = await response.text();
    assertAwsError({ status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }, 403, 'IncompleteSignatureException');
  });

  it('an Authorization header with another algorithm is 403 IncompleteSignatureException', async () => {
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore' });
    signed.headers.authorization = signed.headers.authorization!.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512');
    assertAwsError(await send(server.port, signed), 403, 'IncompleteSignatureException');
  });

  it('a presigned GET /datastore URL works with plain fetch; one changed query character is 403', async () => {
    const unsigned = new HttpRequest({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: server.port,
      method: 'GET',
      path: '/datastore',
      query: {},
      headers: { host: `127.0.0.1:${server.port}` },
    });
    const presigned = (await signer().presign(unsigned, { expiresIn: 60 })) as HttpRequest;
    assert.equal(presigned.headers.authorization, undefined);
    const query = Object.entries(presigned.query)
      .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`)
      .join('&');
    assert.match(query, /X-Amz-Signature=[0-9a-f]{64}/);
    const url = `${server.endpoint}${presigned.path}?${query}`;

    const ok = await fetch(url);
    const text = await ok.text();
    assert.equal(ok.status, 200, text);
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.ok(Array.isArray(body.datastoreSummaries), text);

    // Flip the last hex digit of the signature.
    const badSignature = url.replace(/(X-Amz-Signature=[0-9a-f]{63})([0-9a-f])/, (_m, head: string, last: string) => `${head}${last === '0' ? '1' : '0'}`);
    assert.notEqual(badSignature, url);
    const tampered = await fetch(badSignature);
    assert.equal(tampered.status, 403, await tampered.text());
    assert.equal(tampered.headers.get('x-amzn-errortype'), 'InvalidSignatureException');

    // Stretch the expiry from 60 to 61 seconds.
    const longer = url.replace('X-Amz-Expires=60', 'X-Amz-Expires=61');
    assert.notEqual(longer, url);
    const stretched = await fetch(longer);
    assert.equal(stretched.status, 403, await stretched.text());
  });

  it('a presigned URL that has expired is 403 "Signature expired:"', async () => {
    const unsigned = new HttpRequest({
      protocol: 'http:', hostname: '127.0.0.1', port: server.port, method: 'GET', path: '/datastore', query: {},
      headers: { host: `127.0.0.1:${server.port}` },
    });
    const presigned = (await signer().presign(unsigned, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) })) as HttpRequest;
    const query = Object.entries(presigned.query).map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`).join('&');
    const response = await fetch(`${server.endpoint}${presigned.path}?${query}`);
    const text = await response.text();
    assert.equal(response.status, 403, text);
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.ok((JSON.parse(text) as { message: string }).message.startsWith('Signature expired:'), text);
  });

  it('a request to the runtime- host prefix is routed normally', async () => {
    const host = `runtime-127.0.0.1:${server.port}`;
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore', headers: { host } });
    assert.equal(signed.headers.host, host);
    const response = await sendWithHost(server.port, signed);
    assert.equal(response.status, 200, response.text);
    assert.ok(Array.isArray((JSON.parse(response.text) as Record<string, unknown>).datastoreSummaries), response.text);

    // The Host header is part of the signature: signed for one host, sent with another → 403.
    const mismatched = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore', headers: { host: `127.0.0.1:${server.port}` } });
    mismatched.headers.host = host;
    const rejected = await sendWithHost(server.port, mismatched);
    assert.equal(rejected.status, 403, rejected.text);
    assert.equal(rejected.headers['x-amzn-errortype'], 'InvalidSignatureException');
  });

  it('none of the rejected CreateDatastore attempts created a data store', async () => {
    const output = await client.send(new ListDatastoresCommand({}));
    assert.deepEqual(output.datastoreSummaries, []);
    // And the server is still healthy for a correctly signed create.
    const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'after-the-attempts' }));
    assert.match(created.datastoreId ?? '', /^[0-9a-z]{32}$/);
    const listed = await client.send(new ListDatastoresCommand({}));
    assert.deepEqual(listed.datastoreSummaries?.map((d) => d.datastoreName), ['after-the-attempts']);
  });
});
