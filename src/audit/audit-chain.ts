// Tamper evidence: every record carries tesseraChain {sequence, previousHash, hash}, where
// hash = SHA-256(previousHash + canonical JSON of the record without tesseraChain.hash). The chain spans files and restarts.
import { createHash } from 'node:crypto';
import type { AuditChain, AuditRecord } from './audit-record.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { sequence: 0, hash: GENESIS_HASH };

/** JSON with object keys sorted (code-unit order) at every level; undefined members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  return canonicalObject(value as Record<string, unknown>, Object.keys(value).sort(), undefined, undefined);
}

// Sealing runs once per audited request (every GetImageFrame): string building instead of arrays and joins, quoted keys
// remembered, and the chain member merged in without copying the record halved its cost.
const QUOTED_KEYS = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < 10_000) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/** canonicalJson of `object`, read through `sortedKeys`; `extraKey` (one of them) reads `extraValue` instead. */
function canonicalObject(object: Record<string, unknown>, sortedKeys: readonly string[], extraKey: string | undefined, extraValue: unknown): string {
  let out = '{';
  let first = true;
  for (const key of sortedKeys) {
    const member = key === extraKey ? extraValue : object[key];
    if (member === undefined || typeof member === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${quotedKey(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

export function chainHash(previousHash: string, recordWithoutHash: unknown): string {
  return createHash('sha256').update(previousHash).update(canonicalJson(recordWithoutHash)).digest('hex');
}

/** The record as one line (no newline) chained after `head`, and the new head. */
export function sealRecord(record: AuditRecord, head: ChainHead): { readonly line: string; readonly head: ChainHead } {
  const sequence = head.sequence + 1;
  const unhashed = { sequence, previousHash: head.hash };
  const body = JSON.stringify(record);
  if (record.tesseraChain !== undefined || body === '{}') {
    const hash = chainHash(head.hash, { ...record, tesseraChain: unhashed });
    return { line: JSON.stringify({ ...record, tesseraChain: { ...unhashed, hash } }), head: { sequence, hash } };
  }
  // The same hash as chainHash(head.hash, { ...record, tesseraChain: unhashed }) and the same line as
  // JSON.stringify({ ...record, tesseraChain: chain }), without copying the record twice.
  const keys = Object.keys(record);
  keys.push('tesseraChain');
  keys.sort();
  const canonical = canonicalObject(record as unknown as Record<string, unknown>, keys, 'tesseraChain', unhashed);
  const hash = createHash('sha256').update(head.hash).update(canonical).digest('hex');
  const chain: AuditChain = { sequence, previousHash: head.hash, hash };
  return { line: `${body.slice(0, -1)},"tesseraChain":${JSON.stringify(chain)}}`, head: { sequence, hash } };
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
  const expected = chainHash(head.hash, { ...record, tesseraChain: unhashedChain });
  if (expected !== hash) return { ok: false, reason: 'the hash does not match the content (edited)', sequence: chain.sequence };
  if (JSON.stringify(record) !== line) return { ok: false, reason: 'the line is not in its written form (edited)', sequence: chain.sequence };
  return { ok: true, record, head: { sequence: chain.sequence, hash } };
}
