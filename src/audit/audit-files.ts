// The audit folder: <data>/audit/audit-000001.jsonl, -000002, ... one JSON record per line, in chain order.
import { createReadStream } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EMPTY_CHAIN, checkLine, type ChainHead } from './audit-chain.js';
import type { AuditRecord } from './audit-record.js';

const FILE_NAME = /^audit-(\d{6,})\.jsonl$/;

export function auditFileName(number: number): string {
  return `audit-${String(number).padStart(6, '0')}.jsonl`;
}

/** The audit files in chain order (by number); [] when the folder does not exist. */
export async function listAuditFiles(dir: string): Promise<{ readonly number: number; readonly path: string; readonly name: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => ({ name, found: FILE_NAME.exec(name) }))
    .filter((entry): entry is { name: string; found: RegExpExecArray } => entry.found !== null)
    .map(({ name, found }) => ({ number: Number(found[1]), name, path: join(dir, name) }))
    .sort((a, b) => a.number - b.number);
}

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly files: number }
  | { readonly ok: false; readonly records: number; readonly file: string; readonly line: number; readonly sequence: number | undefined; readonly reason: string };

/** Walks every file in order and checks the chain; stops at the first bad record. */
export async function verifyAuditFolder(dir: string): Promise<VerifyResult> {
  const files = await listAuditFiles(dir);
  let head: ChainHead = EMPTY_CHAIN;
  let records = 0;
  for (const file of files) {
    const torn = await endsMidRecord(file.path);
    let lineNumber = 0;
    let lastLine = -1;
    if (torn) lastLine = await countLines(file.path);
    for await (const line of readLines(file.path)) {
      lineNumber++;
      if (torn && lineNumber === lastLine) {
        return { ok: false, records, file: file.path, line: lineNumber, sequence: head.sequence + 1, reason: 'the file ends in the middle of a record (truncated)' };
      }
      const checked = checkLine(line, head);
      if (!checked.ok) {
        return { ok: false, records, file: file.path, line: lineNumber, sequence: checked.sequence ?? head.sequence + 1, reason: checked.reason };
      }
      head = checked.head;
      records++;
    }
  }
  return { ok: true, records, files: files.length };
}

export interface AuditQuery {
  readonly fromMs?: number;
  readonly toMs?: number;
  /** A principal ARN, user name or access key id. */
  readonly principal?: string;
  readonly action?: string;
  /** Substring of a resource ARN or of the request parameters. */
  readonly resource?: string;
}

/** The records matching every given filter, in chain order (lines that do not parse are skipped). */
export async function* queryAuditFolder(dir: string, query: AuditQuery): AsyncGenerator<AuditRecord> {
  for (const file of await listAuditFiles(dir)) {
    for await (const line of readLines(file.path)) {
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        continue;
      }
      if (matches(record, query)) yield record;
    }
  }
}

function matches(record: AuditRecord, query: AuditQuery): boolean {
  if (query.fromMs !== undefined || query.toMs !== undefined) {
    const time = Date.parse(record.eventTime);
    if (query.fromMs !== undefined && !(time >= query.fromMs)) return false;
    if (query.toMs !== undefined && !(time <= query.toMs)) return false;
  }
  if (query.action !== undefined && record.eventName !== query.action) return false;
  if (query.principal !== undefined) {
    const identity = record.userIdentity as Record<string, unknown>;
    // A role session matches by its session ARN, the role's ARN or the role's name.
    const issuer = (identity.sessionContext as { sessionIssuer?: Record<string, unknown> } | undefined)?.sessionIssuer ?? {};
    const names = [identity.arn, identity.userName, identity.accessKeyId, issuer.arn, issuer.userName];
    if (!names.includes(query.principal)) return false;
  }
  if (query.resource !== undefined) {
    const inResources = (record.resources ?? []).some((resource) => resource.ARN.includes(query.resource!));
    if (!inResources && !JSON.stringify(record.requestParameters ?? {}).includes(query.resource)) return false;
  }
  return true;
}

/** The chain head after the last complete record, and the newest file (whether it ends mid-record). */
export async function readChainHead(
  dir: string,
): Promise<{ readonly head: ChainHead; readonly lastFile: { readonly number: number; readonly path: string; readonly size: number; readonly torn: boolean } | undefined }> {
  const files = await listAuditFiles(dir);
  let lastFile: { number: number; path: string; size: number; torn: boolean } | undefined;
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    const handle = await open(file.path, 'r');
    try {
      const size = (await handle.stat()).size;
      if (lastFile === undefined) lastFile = { number: file.number, path: file.path, size, torn: size > 0 && (await byteAt(handle, size - 1)) !== 0x0a };
      const last = await lastCompleteLine(handle, size);
      if (last !== undefined) {
        const chain = (JSON.parse(last) as AuditRecord).tesseraChain;
        if (chain === undefined) throw new Error(`${file.path}: the last record has no tesseraChain`);
        return { head: { sequence: chain.sequence, hash: chain.hash }, lastFile };
      }
    } finally {
      await handle.close();
    }
  }
  return { head: EMPTY_CHAIN, lastFile };
}

async function byteAt(handle: FileHandle, position: number): Promise<number> {
  const buffer = Buffer.alloc(1);
  await handle.read(buffer, 0, 1, position);
  return buffer[0]!;
}

/** The last newline-terminated line of the file (a torn tail after it is ignored). */
async function lastCompleteLine(handle: FileHandle, size: number): Promise<string | undefined> {
  for (let window = 1024 * 1024; ; window *= 4) {
    const position = Math.max(0, size - window);
    const length = size - position;
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, position);
    const end = tail.lastIndexOf(0x0a);
    if (end < 0) {
      if (position === 0) return undefined;
      continue;
    }
    const start = end === 0 ? -1 : tail.lastIndexOf(0x0a, end - 1);
    if (start >= 0 || position === 0) return tail.subarray(start + 1, end).toString('utf8');
  }
}

async function endsMidRecord(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    return size > 0 && (await byteAt(handle, size - 1)) !== 0x0a;
  } finally {
    await handle.close();
  }
}

async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const _line of readLines(path)) count++;
  return count;
}

function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}
