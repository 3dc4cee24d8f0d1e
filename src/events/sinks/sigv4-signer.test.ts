// The SigV4 signer: the AWS test-suite vector, the AWS JS signer's output, and the project's own verifier agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Verifier } from '../../auth/sigv4-verifier.js';
import { signSigV4 } from './sigv4-signer.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

test('AWS SigV4 test suite: get-vanilla', () => {
  const headers = signSigV4({
    method: 'GET',
    url: new URL('https://example.amazonaws.com/'),
    headers: {},
    body: '',
    service: 'service',
    region: 'us-east-1',
    credentials: CREDENTIALS,
    nowMs: Date.parse('2015-08-30T12:36:00Z'),
  });
  assert.equal(headers['x-amz-date'], '20150830T123600Z');
  assert.equal(
    headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
      'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  );
});

for (const endpoint of ['http://127.0.0.1:4010/', 'https://events.eu-west-1.amazonaws.com', 'http://localhost:9999/a b/c%2Fd?x=1&a=2']) {
  test(`same signature as the AWS JS signer, accepted by the project's verifier: ${endpoint}`, async () => {
    const url = new URL(endpoint);
    const body = JSON.stringify({ Entries: [{ Source: 'aws.medical-imaging', DetailType: 'Data Store Created', Detail: '{"a":1}' }] });
    const nowMs = Date.parse('2026-03-01T10:20:30Z');
    const region = 'eu-west-1';
    const headers = signSigV4({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body,
      service: 'events',
      region,
      credentials: CREDENTIALS,
      nowMs,
    });

    const smithy = new SignatureV4({ service: 'events', region, credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
    const signed = await smithy.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port !== '' ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body,
      }),
      { signingDate: new Date(nowMs) },
    );
    assert.equal(headers.authorization, (signed as HttpRequest).headers.authorization);

    const verifier = new SigV4Verifier({
      service: 'events',
      region,
      clockSkewMs: 300_000,
      now: () => nowMs,
      lookupSecret: async (accessKeyId) => (accessKeyId === CREDENTIALS.accessKeyId ? { secretAccessKey: CREDENTIALS.secretAccessKey, principal: 'ok' } : undefined),
    });
    const verified = await verifier.verify({
      method: 'POST',
      rawPath: url.pathname,
      rawQuery: url.search.slice(1),
      headers: { ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), host: url.host },
      body: Buffer.from(body),
    });
    assert.equal(verified.principal, 'ok');
  });
}

test('a session token is sent and signed', () => {
  const headers = signSigV4({
    method: 'POST',
    url: new URL('http://127.0.0.1:1/'),
    headers: {},
    body: '{}',
    service: 'events',
    region: 'us-east-1',
    credentials: { ...CREDENTIALS, sessionToken: 'token/with+odd=chars' },
    nowMs: Date.now(),
  });
  assert.equal(headers['x-amz-security-token'], 'token/with+odd=chars');
  assert.match(headers.authorization!, /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
});
