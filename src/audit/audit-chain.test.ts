import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, checkLine, EMPTY_CHAIN, sealRecord } from './audit-chain.js';
import { verifyAuditFolder, queryAuditFolder } from './audit-files.js';
import { buildAuditRecord, type AuditRecord } from './audit-record.js';
import { FileAuditLog } from './file-audit-log.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-audit-'));
  dirs.push(dir);
  return dir;
}

function record(i: number, operation = 'GetDatastore'): AuditRecord {
  return buildAuditRecord(
    {
      startMs: Date.UTC(2026, 0, 1, 0, 0, i),
      requestId: `request-${i}`,
      eventId: `event-${i}`,
      operation,
      method: 'GET',
      rawPath: `/datastore/${'a'.repeat(31)}${i % 10}`,
      labels: { datastoreId: `${'a'.repeat(31)}${i % 10}` },
      rawQuery: '',
      body: Buffer.alloc(0),
      principal: { arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice', accessKeyId: 'AKIAALICE0000001' },
      authorization: undefined,
      sourceIp: '127.0.0.1',
      userAgent: 'test',
      error: undefined,
      resultDatastoreId: undefined,
    },
    { region: 'us-east-1', accountId: '123456789012' },
  );
}

async function writeRecords(dir: string, count: number, maxFileBytes = 1024 * 1024, first = 0): Promise<void> {
  const log = await FileAuditLog.open({ dir, maxFileBytes, batchMs: 1, onError: (error) => assert.fail(String(error)) });
  for (let i = first; i < first + count; i++) log.append(record(i));
  await log.close();
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
}

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
});

test('sealing (format 2): the hash covers the written JSON without the hash; the line is that JSON with it', () => {
  const data = record(3, 'GetImageFrame');
  const withOddMembers = { ...data, userAgent: undefined, requestParameters: { 'a"quoted\\key': [1, undefined, { b: 'é' }] } } as unknown as AuditRecord;
  for (const r of [data, withOddMembers]) {
    const head = { sequence: 41, hash: 'f'.repeat(64) };
    const sealed = sealRecord(r, head);
    const unhashed = { sequence: 42, previousHash: head.hash, format: 2 };
    const expectedHash = createHash('sha256').update(head.hash + JSON.stringify({ ...r, tesseraChain: unhashed })).digest('hex');
    assert.equal(sealed.line, JSON.stringify({ ...r, tesseraChain: { ...unhashed, hash: expectedHash } }));
    assert.deepEqual(sealed.head, { sequence: 42, hash: expectedHash });
    assert.equal(checkLine(sealed.line, head).ok, true);
  }
  assert.equal(checkLine(sealRecord(data, EMPTY_CHAIN).line.replace('GetImageFrame', 'GetImageFrames'), EMPTY_CHAIN).ok, false);
});

test('records of before format 2 (canonical JSON hashes) still verify, also followed by format 2 records', () => {
  const first = record(1);
  const unhashed = { sequence: 1, previousHash: EMPTY_CHAIN.hash };
  const oldHash = chainHash(EMPTY_CHAIN.hash, { ...first, tesseraChain: unhashed });
  const oldLine = JSON.stringify({ ...first, tesseraChain: { ...unhashed, hash: oldHash } });
  const checked = checkLine(oldLine, EMPTY_CHAIN);
  assert.equal(checked.ok, true);
  const next = sealRecord(record(2), { sequence: 1, hash: oldHash });
  assert.equal(checkLine(next.line, { sequence: 1, hash: oldHash }).ok, true);
  assert.equal(checkLine(oldLine.replace('"sequence":1', '"sequence":1,"format":3'), EMPTY_CHAIN).ok, false, 'an unknown format');
  assert.equal(checkLine(oldLine.replace('request-1', 'request-X'), EMPTY_CHAIN).ok, false, 'an edited old record');
});

test('an untouched log verifies; records carry sequence, previousHash and hash', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 5);
  assert.deepEqual(await verifyAuditFolder(dir), { ok: true, records: 5, files: 1 });
  const written = (await lines(join(dir, 'audit-000001.jsonl'))).map((line) => JSON.parse(line) as AuditRecord);
  assert.deepEqual(written.map((r) => r.tesseraChain!.sequence), [1, 2, 3, 4, 5]);
  assert.equal(written[0]!.tesseraChain!.previousHash, '0'.repeat(64));
  assert.equal(written[3]!.tesseraChain!.previousHash, written[2]!.tesseraChain!.hash);
});

test('editing one byte of a record names that record', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 5);
  const path = join(dir, 'audit-000001.jsonl');
  const content = await readFile(path, 'utf8');
  const third = content.split('\n')[2]!;
  const at = content.indexOf(third) + third.indexOf('"sourceIPAddress":"127.0.0.1"') + '"sourceIPAddress":"127.0.0.'.length;
  await writeFile(path, `${content.slice(0, at)}2${content.slice(at + 1)}`);
  const result = await verifyAuditFolder(dir);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.file, path);
  assert.equal(result.line, 3);
  assert.equal(result.sequence, 3);
  assert.match(result.reason, /edited/);
});

test('editing the hash itself or breaking the JSON is caught too', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 3);
  const path = join(dir, 'audit-000001.jsonl');
  const content = await readFile(path, 'utf8');
  await writeFile(path, content.replace('"eventVersion":"1.09"', '"eventVersion":"1.09" '));
  const result = await verifyAuditFolder(dir);
  assert.ok(!result.ok);
  assert.equal(result.line, 1);
  assert.equal(result.sequence, 1);
  await writeFile(path, content.replace(/\{"eventVersion"/g, (m, offset: number) => (offset > 0 && offset < content.lastIndexOf('\n', content.length - 2) ? '["eventVersion"' : m)));
  const broken = await verifyAuditFolder(dir);
  assert.ok(!broken.ok);
  assert.equal(broken.line, 2);
  assert.equal(broken.sequence, 2);
});

test('deleting a line names the record after the gap', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 5);
  const path = join(dir, 'audit-000001.jsonl');
  const all = await lines(path);
  await writeFile(path, `${[...all.slice(0, 2), ...all.slice(3)].join('\n')}\n`);
  const result = await verifyAuditFolder(dir);
  assert.ok(!result.ok);
  assert.equal(result.line, 3);
  assert.equal(result.sequence, 4);
  assert.match(result.reason, /removed/);
});

test('swapping two lines is caught', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 5);
  const path = join(dir, 'audit-000001.jsonl');
  const all = await lines(path);
  [all[1], all[2]] = [all[2]!, all[1]!];
  await writeFile(path, `${all.join('\n')}\n`);
  const result = await verifyAuditFolder(dir);
  assert.ok(!result.ok);
  assert.equal(result.line, 2);
  assert.equal(result.sequence, 3);
});

test('rotation by size keeps one chain across files and across restarts', async () => {
  const dir = await tempDir();
  const size = Buffer.byteLength(`${JSON.stringify(record(0))}\n`) + 200;
  await writeRecords(dir, 7, size * 3);
  await writeRecords(dir, 4, size * 3, 7); // a restart continues the newest file and the chain
  const files = (await readdir(dir)).sort();
  assert.ok(files.length >= 4, files.join(','));
  assert.deepEqual(files.slice(0, 2), ['audit-000001.jsonl', 'audit-000002.jsonl']);
  assert.deepEqual(await verifyAuditFolder(dir), { ok: true, records: 11, files: files.length });
  for (const file of files) assert.ok((await readFile(join(dir, file))).length <= size * 3, file);

  // Removing a whole middle file breaks the chain at the first record of the next one.
  await rm(join(dir, 'audit-000002.jsonl'));
  const result = await verifyAuditFolder(dir);
  assert.ok(!result.ok);
  assert.equal(result.file, join(dir, 'audit-000003.jsonl'));
  assert.equal(result.line, 1);
});

test('a last file truncated mid-record fails verify; the next start writes a new file and keeps the chain', async () => {
  const dir = await tempDir();
  await writeRecords(dir, 3);
  const path = join(dir, 'audit-000001.jsonl');
  await truncate(path, (await readFile(path)).length - 10);
  const result = await verifyAuditFolder(dir);
  assert.ok(!result.ok);
  assert.equal(result.line, 3);
  assert.equal(result.sequence, 3);
  assert.match(result.reason, /truncated/);

  let torn: string | undefined;
  const log = await FileAuditLog.open({ dir, maxFileBytes: 1 << 20, batchMs: 1, onError: assert.fail, onTornFile: (p) => (torn = p) });
  log.append(record(9));
  await log.close();
  assert.equal(torn, path);
  const next = JSON.parse((await lines(join(dir, 'audit-000002.jsonl')))[0]!) as AuditRecord;
  assert.equal(next.tesseraChain!.sequence, 3);
});

test('many appends in one tick share a batch and keep their order; query filters', async () => {
  const dir = await tempDir();
  const log = await FileAuditLog.open({ dir, maxFileBytes: 1 << 20, batchMs: 2, onError: assert.fail });
  for (let i = 0; i < 200; i++) log.append(record(i, i % 2 === 0 ? 'GetDatastore' : 'ListDatastores'));
  await log.flush();
  for (let i = 200; i < 210; i++) log.append(record(i));
  await log.close();
  assert.deepEqual(await verifyAuditFolder(dir), { ok: true, records: 210, files: 1 });
  const found: AuditRecord[] = [];
  for await (const r of queryAuditFolder(dir, { action: 'ListDatastores', principal: 'alice', fromMs: Date.UTC(2026, 0, 1, 0, 0, 10), toMs: Date.UTC(2026, 0, 1, 0, 0, 20) })) found.push(r);
  assert.deepEqual(found.map((r) => r.requestID), ['request-11', 'request-13', 'request-15', 'request-17', 'request-19']);
  const byResource: AuditRecord[] = [];
  for await (const r of queryAuditFolder(dir, { resource: `${'a'.repeat(31)}7` })) byResource.push(r);
  assert.equal(byResource.length, 21);
});
