// Black-box: the restJson1 wire protocol as the SDKs see it (wire contract §6, error-examples.md).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CopyImageSetCommand,
  CreateDatastoreCommand,
  DeleteImageSetCommand,
  GetDatastoreCommand,
  GetDICOMImportJobCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  ListDatastoresCommand,
  ListDICOMImportJobsCommand,
  ListImageSetVersionsCommand,
  ListTagsForResourceCommand,
  SearchImageSetsCommand,
  StartDICOMImportJobCommand,
  TagResourceCommand,
  UpdateImageSetMetadataCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { eventually, startServer, type RunningServer } from '../support/server.js';
import { encodeRfc3986, signedFetch, type RawResponse } from '../support/signed-fetch.js';
import { UUID, assertAwsError, sdkError } from '../support/aws-errors.js';

const ID_A = '0123456789abcdef0123456789abcdef';
const ID_B = 'fedcba9876543210fedcba9876543210';
const ROLE = 'arn:aws:iam::123456789012:role/HealthImagingImportRole';




/** A plain (unsigned) request with an arbitrary method, through node:http (fetch refuses some methods). */
function rawHttp(port: number, method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('restJson1 wire protocol (e2e)', () => {
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

  describe('routing', () => {
    it('an unknown verb under a data store is 404 UnknownOperationException', async () => {
      const response = await signedFetch(server.port, { method: 'POST', path: `/datastore/${ID_A}/unknownVerb`, body: '{}' });
      const message = assertAwsError(response, 404, 'UnknownOperationException');
      assert.match(message, /POST/);
    });

    it('a known path with the wrong method is 404 UnknownOperationException', async () => {
      for (const [method, path] of [
        ['PUT', '/datastore'],
        ['PATCH', `/datastore/${ID_A}`],
        ['GET', `/datastore/${ID_A}/imageSet/${ID_B}/getImageSet`],
        ['DELETE', '/datastore'],
      ] as const) {
        const response = await signedFetch(server.port, { method, path });
        assertAwsError(response, 404, 'UnknownOperationException');
      }
    });

    it('a method the router does not know (PROPFIND) still gets an AWS-shaped 404 with a request id', async () => {
      const response = await rawHttp(server.port, 'PROPFIND', '/datastore');
      assert.equal(response.status, 404, response.text);
      assert.match(String(response.headers['x-amzn-requestid'] ?? ''), UUID, JSON.stringify(response.headers));
      assert.equal(response.headers['x-amzn-errortype'], 'UnknownOperationException', response.text);
      assert.deepEqual(Object.keys(JSON.parse(response.text) as object), ['message'], response.text);
    });

    it('an empty path label (GET /datastore/) is 400 ValidationException, not 404', async () => {
      const response = await signedFetch(server.port, { method: 'GET', path: '/datastore/' });
      const message = assertAwsError(response, 400, 'ValidationException');
      assert.match(message, /datastoreId/);
    });

    it('a path that is not valid percent-encoding is 400 ValidationException', async () => {
      const response = await fetch(`${server.endpoint}/datastore/%ZZ`);
      const text = await response.text();
      assertAwsError({ status: response.status, headers: response.headers, text, json: () => JSON.parse(text) }, 400, 'ValidationException');
    });
  });

  describe('request bodies', () => {
    it('a body that is not JSON is 400 ValidationException', async () => {
      const response = await signedFetch(server.port, { method: 'POST', path: '/datastore', body: 'datastoreName=x' });
      const message = assertAwsError(response, 400, 'ValidationException');
      assert.match(message, /JSON/);
    });

    it('a JSON array, string or null body is 400 ValidationException', async () => {
      for (const body of ['[{"datastoreName":"x"}]', '"x"', 'null', '42']) {
        const response = await signedFetch(server.port, { method: 'POST', path: '/datastore', body });
        assertAwsError(response, 400, 'ValidationException');
      }
    });

    it('a body of the wrong JSON types is 400 with an AWS-style message', async () => {
      const response = await signedFetch(server.port, { method: 'POST', path: '/datastore', body: JSON.stringify({ datastoreName: 7, clientToken: 'abc' }) });
      const message = assertAwsError(response, 400, 'ValidationException');
      assert.match(message, /^1 validation error detected: Value '7' at 'datastoreName' failed to satisfy constraint: /);
    });

    it('a 3 MB body (default limit 2 MiB) is 400 ValidationException and the server keeps serving', async () => {
      const big = JSON.stringify({ datastoreName: 'big', clientToken: 'big', pad: 'x'.repeat(3 * 1024 * 1024) });
      // StartDICOMImportJob is the operation whose own body limit (2 MiB) is the global one; CreateDatastore's is 32 KiB.
      const response = await signedFetch(server.port, { method: 'POST', path: `/startDICOMImportJob/datastore/${ID_A}`, body: big });
      const message = assertAwsError(response, 400, 'ValidationException');
      assert.match(message, /2097152/);
      const list = await client.send(new ListDatastoresCommand({}));
      assert.equal(list.$metadata.httpStatusCode, 200);
      assert.ok(!(list.datastoreSummaries ?? []).some((d) => d.datastoreName === 'big'));
    });

    it('TESSERA_MAX_REQUEST_BODY_BYTES sets the limit', async () => {
      const small = await startServer({ env: { TESSERA_MAX_REQUEST_BODY_BYTES: '2048' } });
      try {
        const tooBig = JSON.stringify({ datastoreName: 'too-big', pad: 'y'.repeat(3000) });
        assertAwsError(await signedFetch(small.port, { method: 'POST', path: '/datastore', body: tooBig }), 400, 'ValidationException');
        // Under the limit the body reaches the operation (which accepts the unknown member and creates the store).
        const fits = JSON.stringify({ datastoreName: 'fits', clientToken: 'fits-1', pad: 'y'.repeat(1000) });
        const ok = await signedFetch(small.port, { method: 'POST', path: '/datastore', body: fits });
        assert.equal(ok.status, 200, ok.text);
        const listed = await signedFetch(small.port, { method: 'GET', path: '/datastore' });
        assert.deepEqual((listed.json() as { datastoreSummaries: { datastoreName: string }[] }).datastoreSummaries.map((d) => d.datastoreName), ['fits']);
      } finally {
        await small.dispose();
      }
    });
  });

  describe('operations not implemented yet', () => {
    interface Case {
      readonly operation: string;
      readonly valid: () => Promise<unknown>;
      readonly badId: () => Promise<unknown>;
    }
    const cases = (): Case[] => [
      {
        operation: 'StartDICOMImportJob',
        valid: () => client.send(new StartDICOMImportJobCommand({ datastoreId: ID_A, dataAccessRoleArn: ROLE, inputS3Uri: 's3://bucket/in/', outputS3Uri: 's3://bucket/out/' })),
        badId: () => client.send(new StartDICOMImportJobCommand({ datastoreId: 'abc', dataAccessRoleArn: ROLE, inputS3Uri: 's3://bucket/in/', outputS3Uri: 's3://bucket/out/' })),
      },
      {
        operation: 'GetDICOMImportJob',
        valid: () => client.send(new GetDICOMImportJobCommand({ datastoreId: ID_A, jobId: 'abc123' })),
        badId: () => client.send(new GetDICOMImportJobCommand({ datastoreId: 'abc', jobId: 'abc123' })),
      },
      {
        operation: 'ListDICOMImportJobs',
        valid: () => client.send(new ListDICOMImportJobsCommand({ datastoreId: ID_A })),
        badId: () => client.send(new ListDICOMImportJobsCommand({ datastoreId: 'abc' })),
      },
      {
        operation: 'SearchImageSets',
        valid: () => client.send(new SearchImageSetsCommand({ datastoreId: ID_A })),
        badId: () => client.send(new SearchImageSetsCommand({ datastoreId: 'abc' })),
      },
      {
        operation: 'GetImageSet',
        valid: () => client.send(new GetImageSetCommand({ datastoreId: ID_A, imageSetId: ID_B })),
        badId: () => client.send(new GetImageSetCommand({ datastoreId: 'abc', imageSetId: ID_B })),
      },
      {
        operation: 'GetImageSetMetadata',
        valid: () => client.send(new GetImageSetMetadataCommand({ datastoreId: ID_A, imageSetId: ID_B })),
        badId: () => client.send(new GetImageSetMetadataCommand({ datastoreId: ID_A, imageSetId: 'abc' })),
      },
      {
        operation: 'GetImageFrame',
        valid: () => client.send(new GetImageFrameCommand({ datastoreId: ID_A, imageSetId: ID_B, imageFrameInformation: { imageFrameId: ID_A } })),
        badId: () => client.send(new GetImageFrameCommand({ datastoreId: ID_A, imageSetId: ID_B, imageFrameInformation: { imageFrameId: 'abc' } })),
      },
      {
        operation: 'ListImageSetVersions',
        valid: () => client.send(new ListImageSetVersionsCommand({ datastoreId: ID_A, imageSetId: ID_B })),
        badId: () => client.send(new ListImageSetVersionsCommand({ datastoreId: 'abc', imageSetId: ID_B })),
      },
      {
        operation: 'UpdateImageSetMetadata',
        valid: () =>
          client.send(
            new UpdateImageSetMetadataCommand({
              datastoreId: ID_A,
              imageSetId: ID_B,
              latestVersionId: '1',
              updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: new TextEncoder().encode('{"SchemaVersion":1.1}') } },
            }),
          ),
        badId: () =>
          client.send(
            new UpdateImageSetMetadataCommand({
              datastoreId: 'abc',
              imageSetId: ID_B,
              latestVersionId: '1',
              updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: new TextEncoder().encode('{"SchemaVersion":1.1}') } },
            }),
          ),
      },
      {
        operation: 'CopyImageSet',
        valid: () => client.send(new CopyImageSetCommand({ datastoreId: ID_A, sourceImageSetId: ID_B, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } })),
        badId: () => client.send(new CopyImageSetCommand({ datastoreId: ID_A, sourceImageSetId: 'abc', copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } })),
      },
      {
        operation: 'DeleteImageSet',
        valid: () => client.send(new DeleteImageSetCommand({ datastoreId: ID_A, imageSetId: ID_B })),
        badId: () => client.send(new DeleteImageSetCommand({ datastoreId: 'abc', imageSetId: ID_B })),
      },
    ];

    it('each one answers 501 NotImplementedException naming the operation (or, once built, 404 for the unknown data store)', async () => {
      // Other work implements these operations one by one; a built one must answer the modeled not-found error instead.
      for (const c of cases()) {
        const error = await sdkError(c.valid());
        if (error.name === 'NotImplementedException') {
          assert.equal(error.$metadata?.httpStatusCode, 501, c.operation);
          assert.ok(error.message.includes(c.operation), `${c.operation}: ${error.message}`);
        } else {
          assert.equal(error.name, 'ResourceNotFoundException', `${c.operation}: ${error.name}: ${error.message}`);
          assert.equal(error.$metadata?.httpStatusCode, 404, c.operation);
        }
        assert.match(error.$metadata?.requestId ?? '', UUID);
      }
    });

    it('each one validates its input first: an invalid id is 400 ValidationException', async () => {
      for (const c of cases()) {
        const error = await sdkError(c.badId());
        assert.equal(error.name, 'ValidationException', `${c.operation}: ${error.name}: ${error.message}`);
        assert.equal(error.$metadata?.httpStatusCode, 400, c.operation);
        assert.match(error.message, /Value 'abc' at '[A-Za-z.]+' failed to satisfy constraint/, `${c.operation}: ${error.message}`);
      }
    });

    it('StartDICOMImportJob rejects a bad inputS3Uri and a missing dataAccessRoleArn', async () => {
      const badUri = await sdkError(
        client.send(new StartDICOMImportJobCommand({ datastoreId: ID_A, dataAccessRoleArn: ROLE, inputS3Uri: 'https://bucket/in/', outputS3Uri: 's3://bucket/out/' })),
      );
      assert.equal(badUri.name, 'ValidationException', badUri.message);
      assert.match(badUri.message, /inputS3Uri/);

      const noRole = await sdkError(
        client.send(
          new StartDICOMImportJobCommand({ datastoreId: ID_A, inputS3Uri: 's3://bucket/in/', outputS3Uri: 's3://bucket/out/' } as unknown as ConstructorParameters<typeof StartDICOMImportJobCommand>[0]),
        ),
      );
      assert.equal(noRole.name, 'ValidationException', noRole.message);
      assert.match(noRole.message, /dataAccessRoleArn/);
      assert.match(noRole.message, /Member must not be null/);
    });

    it('a raw 501 (or 404 once built) has the canonical error shape', async () => {
      const response = await signedFetch(server.port, { method: 'POST', path: `/datastore/${ID_A}/imageSet/${ID_B}/deleteImageSet` });
      if (response.status === 501) {
        assert.match(assertAwsError(response, 501, 'NotImplementedException'), /DeleteImageSet/);
      } else {
        assertAwsError(response, 404, 'ResourceNotFoundException');
      }
    });
  });

  describe('response headers', () => {
    it('every response carries a fresh UUID x-amzn-RequestId and a Date header; errors are {"message"} JSON', async () => {
      const responses: { label: string; status: number; headers: Headers; text: string }[] = [];
      const record = async (label: string, promise: Promise<Response | RawResponse>) => {
        const r = await promise;
        const text = r instanceof Response ? await r.text() : r.text;
        responses.push({ label, status: r.status, headers: r.headers, text });
      };
      await record('health', fetch(`${server.endpoint}/health`));
      await record('health again', fetch(`${server.endpoint}/health`));
      await record('list', signedFetch(server.port, { method: 'GET', path: '/datastore' }));
      await record('list again', signedFetch(server.port, { method: 'GET', path: '/datastore' }));
      await record('unsigned', fetch(`${server.endpoint}/datastore`));
      await record('not found', signedFetch(server.port, { method: 'GET', path: `/datastore/${ID_A}` }));
      await record('validation', signedFetch(server.port, { method: 'GET', path: '/datastore/abc' }));
      await record('unknown op', signedFetch(server.port, { method: 'PUT', path: '/datastore' }));
      await record('bad body', signedFetch(server.port, { method: 'POST', path: '/datastore', body: '[]' }));

      const ids = new Set<string>();
      for (const r of responses) {
        const id = r.headers.get('x-amzn-requestid') ?? '';
        assert.match(id, UUID, r.label);
        ids.add(id);
        const date = r.headers.get('date');
        assert.ok(date, `${r.label}: Date header`);
        assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000, `${r.label}: Date ${date}`);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/, r.label);
        assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text), r.label);
        if (r.status >= 400) {
          assert.ok(r.headers.get('x-amzn-errortype'), `${r.label}: x-amzn-errortype`);
          const body = JSON.parse(r.text) as Record<string, unknown>;
          assert.deepEqual(Object.keys(body), ['message'], `${r.label}: ${r.text}`);
        }
      }
      assert.equal(ids.size, responses.length, 'request ids are distinct');
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 200, 200, 200, 403, 404, 400, 404, 400],
      );
    });

    it('the SDK exposes the request id of successes and errors', async () => {
      const ok = await client.send(new ListDatastoresCommand({}));
      assert.match(ok.$metadata.requestId ?? '', UUID);
      const error = await sdkError(client.send(new GetDatastoreCommand({ datastoreId: ID_A })));
      assert.equal(error.name, 'ResourceNotFoundException');
      assert.equal(error.$metadata?.httpStatusCode, 404);
      assert.match(error.$metadata?.requestId ?? '', UUID);
      assert.notEqual(error.$metadata?.requestId, ok.$metadata.requestId);
    });
  });

  describe('timestamps and query parameters', () => {
    let datastoreId: string;
    let datastoreArn: string;

    before(async () => {
      const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'protocol-store' }));
      datastoreId = created.datastoreId!;
      await eventually(async () => {
        const got = await client.send(new GetDatastoreCommand({ datastoreId }));
        return got.datastoreProperties?.datastoreStatus === 'ACTIVE' ? true : undefined;
      });
      datastoreArn = (await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreArn!;
    });

    it('GetDatastore sends createdAt/updatedAt as epoch-second numbers; the SDK makes Dates of them', async () => {
      const before = Date.now();
      const raw = await signedFetch(server.port, { method: 'GET', path: `/datastore/${datastoreId}` });
      assert.equal(raw.status, 200, raw.text);
      const props = (raw.json() as { datastoreProperties: Record<string, unknown> }).datastoreProperties;
      for (const member of ['createdAt', 'updatedAt']) {
        const value = props[member];
        assert.equal(typeof value, 'number', `${member}: ${raw.text}`);
        // Seconds, not milliseconds: within a minute of now.
        assert.ok(Math.abs((value as number) - before / 1000) < 60, `${member}=${String(value)}`);
      }
      assert.ok((props.updatedAt as number) >= (props.createdAt as number));
      // Raw text really holds numbers (not numeric strings).
      assert.match(raw.text, /"createdAt":\d+(\.\d+)?[,}]/);

      const sdk = await client.send(new GetDatastoreCommand({ datastoreId }));
      const createdAt = sdk.datastoreProperties!.createdAt!;
      assert.ok(createdAt instanceof Date);
      assert.equal(createdAt.getTime(), Math.round((props.createdAt as number) * 1000));
      assert.ok(sdk.datastoreProperties!.updatedAt instanceof Date);
    });

    it('query parameters are accepted in any order', async () => {
      const response = await signedFetch(server.port, { method: 'GET', path: '/datastore', query: { maxResults: '1', datastoreStatus: 'ACTIVE' } });
      assert.equal(response.status, 200, response.text);
      const summaries = (response.json() as { datastoreSummaries: { datastoreId: string }[] }).datastoreSummaries;
      assert.deepEqual(summaries.map((s) => s.datastoreId), [datastoreId]);
    });

    it('UntagResource takes repeated tagKeys in any order on the encoded ARN path', async () => {
      await client.send(new TagResourceCommand({ resourceArn: datastoreArn, tags: { a: '1', b: '2', c: '3' } }));
      const path = `/tags/${encodeRfc3986(datastoreArn)}`;
      assert.match(path, /%3A.*%2F/);
      const response = await signedFetch(server.port, { method: 'DELETE', path, query: { tagKeys: ['b', 'a'] } });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json(), {});
      const listed = await client.send(new ListTagsForResourceCommand({ resourceArn: datastoreArn }));
      assert.deepEqual(listed.tags, { c: '3' });
    });

    it('UntagResource without tagKeys is 400 ValidationException', async () => {
      const response = await signedFetch(server.port, { method: 'DELETE', path: `/tags/${encodeRfc3986(datastoreArn)}` });
      const message = assertAwsError(response, 400, 'ValidationException');
      assert.match(message, /tagKeys/);
    });

    it('ListDatastores rejects bad query values with AWS-style messages', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ maxResults: '0' }, /^1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1$/],
        [{ maxResults: '51' }, /^1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50$/],
        [{ maxResults: 'abc' }, /^1 validation error detected: Value 'abc' at 'maxResults' failed to satisfy constraint: /],
        [{ maxResults: '1.5' }, /at 'maxResults'/],
        [{ datastoreStatus: 'NOPE' }, /^1 validation error detected: Value 'NOPE' at 'datastoreStatus' failed to satisfy constraint: Member must satisfy enum value set: \[CREATING, CREATE_FAILED, ACTIVE, DELETING, DELETED\]$/],
        [{ nextToken: 'garbage' }, /token/i],
        [{ maxResults: '0', datastoreStatus: 'NOPE' }, /^2 validation errors detected: /],
      ];
      for (const [query, expected] of cases) {
        const response = await signedFetch(server.port, { method: 'GET', path: '/datastore', query });
        const message = assertAwsError(response, 400, 'ValidationException');
        assert.match(message, expected, `${JSON.stringify(query)}: ${message}`);
      }
    });

    it('a nextToken from another query is rejected', async () => {
      await client.send(new CreateDatastoreCommand({ datastoreName: 'protocol-store-2' }));
      const first = await signedFetch(server.port, { method: 'GET', path: '/datastore', query: { maxResults: '1' } });
      assert.equal(first.status, 200, first.text);
      const token = (first.json() as { nextToken?: string }).nextToken;
      assert.ok(token, first.text);
      const follow = await signedFetch(server.port, { method: 'GET', path: '/datastore', query: { maxResults: '1', nextToken: token } });
      assert.equal(follow.status, 200, follow.text);
      const filtered = await signedFetch(server.port, { method: 'GET', path: '/datastore', query: { datastoreStatus: 'DELETED', nextToken: token } });
      assertAwsError(filtered, 400, 'ValidationException');
    });
  });
});
