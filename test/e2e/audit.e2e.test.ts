// Black-box: one CloudTrail-format record per call (denied and failed ones too), PHI and secrets redacted, and
// `tessera audit verify` catching a one-byte edit of the written file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateDatastoreCommand, GetDatastoreCommand, ListDatastoresCommand } from '@aws-sdk/client-medical-imaging';
import { ACCOUNT_ID, ADMIN, MAIN_JS, REGION, startServer, type RunningServer } from '../support/server.js';
import { signedFetch } from '../support/signed-fetch.js';

const TAG_VALUE = 'Jane-Doe-tag-value-7f3a';
const WRONG_SECRET = 'wrong-secret-key-that-must-never-be-logged-0000';
const UNKNOWN_ID = '0'.repeat(32);

interface Record_ {
  eventVersion: string;
  userIdentity: Record<string, unknown>;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: null;
  errorCode?: string;
  errorMessage?: string;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: { ARN: string; type: string; accountId: string }[];
  eventType: string;
  managementEvent: boolean;
  recipientAccountId: string;
  tesseraChain: { sequence: number; previousHash: string; hash: string };
}

let server: RunningServer;
let dataDir: string;
let datastoreId: string;
const requestIds: Record<string, string | undefined> = {};

function cli(...args: string[]): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [MAIN_JS, 'audit', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

before(async () => {
  server = await startServer({ keepData: true });
  dataDir = server.dataDir;
  const client = server.client();
  const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'audit-e2e', tags: { project: TAG_VALUE } }));
  datastoreId = created.datastoreId!;
  requestIds.create = created.$metadata.requestId;

  await assert.rejects(client.send(new GetDatastoreCommand({ datastoreId: UNKNOWN_ID })), (error: Error & { $metadata?: { requestId?: string } }) => {
    assert.equal(error.name, 'ResourceNotFoundException');
    requestIds.notFound = error.$metadata?.requestId;
    return true;
  });

  const anonymous = await fetch(`${server.endpoint}/datastore?maxResults=3`);
  assert.equal(anonymous.status, 403);
  requestIds.anonymous = anonymous.headers.get('x-amzn-requestid') ?? undefined;

  const wrong = server.client({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: WRONG_SECRET });
  await assert.rejects(wrong.send(new ListDatastoresCommand({})), (error: Error & { $metadata?: { requestId?: string } }) => {
    assert.equal(error.name, 'InvalidSignatureException');
    requestIds.wrongSecret = error.$metadata?.requestId;
    return true;
  });

  const feed = await signedFetch(server.port, { method: 'GET', path: '/events', query: { limit: '2' } });
  assert.equal(feed.status, 200, feed.text);
  requestIds.events = feed.headers.get('x-amzn-requestid') ?? undefined;

  assert.equal(await server.stop(), 0);
});

after(async () => {
  await server?.dispose();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

async function auditText(): Promise<{ path: string; text: string }> {
  const files = (await readdir(join(dataDir, 'audit'))).filter((name) => name.endsWith('.jsonl')).sort();
  assert.deepEqual(files, ['audit-000001.jsonl']);
  const path = join(dataDir, 'audit', files[0]!);
  return { path, text: await readFile(path, 'utf8') };
}

test('every call, denied and failed ones included, has exactly one record with the right name and outcome', async () => {
  const { text } = await auditText();
  const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record_);
  assert.deepEqual(
    records.map((r) => [r.eventName, r.errorCode ?? 'ok', r.requestID]),
    [
      ['CreateDatastore', 'ok', requestIds.create],
      ['GetDatastore', 'ResourceNotFoundException', requestIds.notFound],
      ['ListDatastores', 'MissingAuthenticationTokenException', requestIds.anonymous],
      ['ListDatastores', 'InvalidSignatureException', requestIds.wrongSecret],
      ['ListEvents', 'ok', requestIds.events],
    ],
  );
  assert.deepEqual(records.map((r) => r.tesseraChain.sequence), [1, 2, 3, 4, 5]);
  for (const r of records) {
    assert.equal(r.eventVersion, '1.09');
    assert.equal(r.eventSource, 'medical-imaging.amazonaws.com');
    assert.equal(r.eventType, 'AwsApiCall');
    assert.equal(r.awsRegion, REGION);
    assert.equal(r.recipientAccountId, ACCOUNT_ID);
    assert.equal(r.responseElements, null);
    assert.equal(r.managementEvent, true);
    assert.match(r.sourceIPAddress, /127\.0\.0\.1/);
    assert.match(r.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(r.eventID, /^[0-9a-f-]{36}$/);
  }
  const [create, notFound, anonymous, wrongSecret] = records as [Record_, Record_, Record_, Record_];
  assert.deepEqual(create.userIdentity, {
    type: 'IAMUser',
    arn: `arn:aws:iam::${ACCOUNT_ID}:user/admin`,
    accountId: ACCOUNT_ID,
    accessKeyId: ADMIN.accessKeyId,
    userName: 'admin',
  });
  assert.equal(create.readOnly, false);
  assert.equal(create.requestParameters?.datastoreName, 'audit-e2e');
  assert.deepEqual(create.requestParameters?.tags, { project: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
  assert.equal(create.resources?.[0]?.ARN, `arn:aws:medical-imaging:${REGION}:${ACCOUNT_ID}:datastore/${datastoreId}`);
  assert.match(create.userAgent ?? '', /aws-sdk-js/);
  assert.deepEqual(notFound.requestParameters, { datastoreId: UNKNOWN_ID });
  assert.equal(notFound.readOnly, true);
  assert.ok((notFound.errorMessage ?? '').length > 0);
  assert.deepEqual(anonymous.userIdentity, { type: 'Unknown' });
  assert.deepEqual(anonymous.requestParameters, { maxResults: '3' });
  assert.deepEqual(wrongSecret.userIdentity, { type: 'Unknown', accessKeyId: ADMIN.accessKeyId });

  assert.ok(!text.includes(TAG_VALUE), 'tag values are hidden');
  assert.ok(!text.includes(ADMIN.secretAccessKey) && !text.includes(WRONG_SECRET), 'no secrets');
  assert.ok(!/Signature=|AWS4-HMAC-SHA256|authorization/i.test(text), 'no Authorization header');
});

test('audit query filters by action, principal and resource', () => {
  const byAction = cli('query', '--data-dir', dataDir, '--action', 'ListDatastores');
  assert.equal(byAction.status, 0, byAction.out);
  assert.deepEqual(byAction.out.trimEnd().split('\n').map((line) => (JSON.parse(line) as Record_).errorCode), ['MissingAuthenticationTokenException', 'InvalidSignatureException']);
  const byPrincipal = cli('query', '--data-dir', dataDir, '--principal', 'admin', '--resource', datastoreId, '--from', '2000-01-01T00:00:00Z');
  assert.deepEqual(byPrincipal.out.trimEnd().split('\n').map((line) => (JSON.parse(line) as Record_).eventName), ['CreateDatastore']);
});

test('audit verify passes on the written file and names the record after a one-byte edit', async () => {
  const intact = cli('verify', '--data-dir', dataDir);
  assert.equal(intact.status, 0, intact.out);
  assert.match(intact.out, /5 records/);

  const { path, text } = await auditText();
  const lines = text.split('\n');
  const target = lines[1]!; // sequence 2: the failed GetDatastore
  const at = target.indexOf(UNKNOWN_ID);
  lines[1] = `${target.slice(0, at)}1${target.slice(at + 1)}`;
  await writeFile(path, lines.join('\n'));
  const broken = cli('verify', '--data-dir', dataDir);
  assert.equal(broken.status, 1, broken.out);
  assert.match(broken.out, /audit-000001\.jsonl line 2 \(sequence 2\)/);
});
