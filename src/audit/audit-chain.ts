// Tamper evidence: every record carries tesseraChain {sequence, previousHash, format: 2, hash}, where
// hash = SHA-256(previousHash + the record's JSON as written, without tesseraChain.hash). Records written before format 2
// carry no `format` and hash the canonical JSON (keys sorted) instead; both verify. The chain spans files and restarts.
import { createHash, hash as oneShotHash } from 'node:crypto';
import type { AuditRecord } from './audit-record.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { sequence: 0, hash: GENESIS_HASH };

/**
 * JSON with object keys sorted (code-unit order) at every level; undefined members are left out as JSON.stringify does.
 * Only records of before format 2 are hashed over it: sealing no longer builds it (it was a third of the server's
 * allocations on the GetImageFrame path).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const object = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined || typeof member === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The hash of a record of before format 2. */
export function chainHash(previousHash: string, recordWithoutHash: unknown): string {
  return createHash('sha256').update(previousHash).update(canonicalJson(recordWithoutHash)).digest('hex');
}

/** The format 2 hash: over the JSON text of the record whose tesseraChain lacks `hash`, exactly as serialized. */
function writtenFormHash(previousHash: string, unhashedJson: string): string {
  return oneShotHash('sha256', previousHash + unhashedJson, 'hex');
}

/** The record as one line (no newline) chained after `head`, and the new head. */
export function sealRecord(record: AuditRecord, head: ChainHead): { readonly line: string; readonly head: ChainHead } {
  const sequence = head.sequence + 1;
  if (record.tesseraChain !== undefined) {
    const { tesseraChain: _replaced, ...rest } = record;
    return sealRecord(rest as AuditRecord, head);
  }
  // tesseraChain is the last member: the unhashed JSON ends with its closing brace and the record's, so the hash goes
  // in front of those two (the same text JSON.stringify gives for the sealed record).
  const unhashed = JSON.stringify({ ...record, tesseraChain: { sequence, previousHash: head.hash, format: 2 } });
  const hash = writtenFormHash(head.hash, unhashed);
  return { line: `${unhashed.slice(0, -2)},"hash":"${hash}"}}`, head: { sequence, hash } };
}

export type LineCheck =
  | { readonly ok: true; readonly record: AuditRecord; readonly head: ChainHead }
  | { readonly ok: false; readonly reason: string; readonly sequence: number | undefined };

/** Checks one written line against the head before it. */
export function checkLine(line: string, head: ChainHead): LineCheck {
  let record: AuditRecord;
  try {
    record = JSON.parse(line) as AuditRecord;
  } catch {
    return { ok: false, reason: 'the line is not valid JSON (edited or truncated)', sequence: undefined };
  }
  const chain = record !== null && typeof record === 'object' ? record.tesseraChain : undefined;
  if (chain === undefined || chain === null || typeof chain !== 'object' || typeof chain.sequence !== 'number' || typeof chain.hash !== 'string') {
    return { ok: false, reason: 'the record has no tesseraChain', sequence: undefined };
  }
  if (chain.sequence !== head.sequence + 1) {
    return {
      ok: false,
      reason:
        chain.sequence > head.sequence + 1
          ? `sequence ${chain.sequence} follows ${head.sequence}: record(s) removed`
          : `sequence ${chain.sequence} follows ${head.sequence}: records reordered or duplicated`,
      sequence: chain.sequence,
    };
  }
  if (chain.previousHash !== head.hash) {
    return { ok: false, reason: 'previousHash does not match the record before it (removed, reordered or edited)', sequence: chain.sequence };
  }
  const { hash, ...unhashedChain } = chain;
  const expected =
    chain.format === 2
      ? writtenFormHash(head.hash, JSON.stringify({ ...record, tesseraChain: unhashedChain }))
      : chain.format === undefined
        ? chainHash(head.hash, { ...record, tesseraChain: unhashedChain })
        : undefined;
  if (expected === undefined) return { ok: false, reason: `unknown chain format ${String(chain.format)}`, sequence: chain.sequence };
  if (expected !== hash) return { ok: false, reason: 'the hash does not match the content (edited)', sequence: chain.sequence };
  if (JSON.stringify(record) !== line) return { ok: false, reason: 'the line is not in its written form (edited)', sequence: chain.sequence };
  return { ok: true, record, head: { sequence: chain.sequence, hash } };
}
