// JsonLinesFileSink on a real temp folder: appends one envelope per line, owner-only, and cuts off a torn last line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvent } from '../event-envelope.js';
import type { OutboxEntry } from '../outbox.js';
import { JsonLinesFileSink } from './json-lines-file-sink.js';

function entries(from: number, count: number): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    sequence: from + i,
    event: buildEvent({ accountId: '123456789012', region: 'us-east-1' }, 'Data Store Deleted', [], { datastoreId: `d${from + i}` }, new Date()),
  }));
}

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { detail: { datastoreId: string } });

test('appends one envelope per line across batches and reopenings; a torn last line is cut off', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-jsonl-'));
  const path = join(dir, 'events', 'events.jsonl');
  try {
    let sink = new JsonLinesFileSink(path);
    const firstBatch = entries(1, 2);
    await sink.deliver(firstBatch);
    await sink.deliver(entries(3, 1));
    await sink.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual((await lines(path)).map((e) => e.detail.datastoreId), ['d1', 'd2', 'd3']);

    await appendFile(path, '{"version":"0","id":"torn'); // a crash in the middle of a write
    sink = new JsonLinesFileSink(path);
    await sink.deliver(entries(4, 1));
    await sink.close();
    assert.deepEqual((await lines(path)).map((e) => e.detail.datastoreId), ['d1', 'd2', 'd3', 'd4']);
    assert.deepEqual((await lines(path))[0], firstBatch[0]!.event, 'the line is the envelope as it is');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
