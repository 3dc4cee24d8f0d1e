// The contract every DatastoreRepository adapter must pass (SQLite now, PostgreSQL later).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type DatastoreId, type DatastoreStatus } from '../api/index.js';
import { buildEvent, type Outbox } from '../events/index.js';
import type { DataKey } from '../keys/index.js';
import { DatastoreKeys } from './datastore-keys.js';
import type { DatastoreRecord } from './datastore-record.js';
import type { DatastoreRepository, IdempotencyKey } from './datastore-repository.js';

export interface DatastoreRepositoryFixture {
  readonly repository: DatastoreRepository;
  readonly outbox: Outbox;
  /** Puts a live image set into a data store, the way imports will. */
  addImageSet(datastoreId: DatastoreId): Promise<void>;
  listTags(resourceKey: string): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const origin = { accountId: '123456789012', region: 'us-east-1' };

function record(overrides: Partial<DatastoreRecord> = {}): DatastoreRecord {
  return {
    id: newId<DatastoreId>(),
    name: 'ds',
    status: 'CREATING',
    kmsKeyArn: undefined,
    lambdaAuthorizerArn: undefined,
    losslessStorageFormat: 'HTJ2K',
    wrappedDataKey: Buffer.from('wrapped'),
    createdAtMs: 1_700_000_000_000,
    updatedAtMs: 1_700_000_000_000,
    ...overrides,
  };
}

function idempotency(clientToken: string, requestHash = 'h1'): IdempotencyKey {
  return { operation: 'CreateDatastore', clientToken, requestHash, notBeforeMs: 0 };
}

const event = (d: DatastoreRecord) => buildEvent(origin, 'Data Store Creating', [], { datastoreId: d.id, datastoreStatus: d.status }, new Date(d.updatedAtMs));

export function runDatastoreRepositoryContract(adapterName: string, makeFixture: () => Promise<DatastoreRepositoryFixture>): void {
  describe(`DatastoreRepository contract: ${adapterName}`, () => {
    let f: DatastoreRepositoryFixture;
    before(async () => {
      f = await makeFixture();
    });
    after(async () => f.cleanup());

    const create = (d: DatastoreRecord, token = newId<string>(), tags = {}, max = 1000, hash = 'h1') =>
      f.repository.create({ datastore: d, tags, event: event(d), idempotency: idempotency(token, hash), maxActiveDatastores: max });

    it('creates a data store with its tags and its event in the outbox', async () => {
      const before = (await f.outbox.readAfter(0, 10_000)).length;
      const d = record({ kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/x', lambdaAuthorizerArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' });
      const result = await create(d, 't-create', { a: 'b' });
      assert.equal(result.kind, 'created');
      assert.deepEqual(await f.repository.get(d.id, 0), d);
      assert.deepEqual(await f.listTags(d.id), { a: 'b' });
      const events = await f.outbox.readAfter(0, 10_000);
      assert.equal(events.length, before + 1);
      assert.equal(events.at(-1)!.event.detail.datastoreId, d.id);
    });

    it('replays a clientToken with the same parameters and refuses other parameters', async () => {
      const d = record();
      assert.equal((await create(d, 't-idem')).kind, 'created');
      const replay = await create(record(), 't-idem');
      assert.equal(replay.kind, 'replayed');
      assert.equal(replay.kind === 'replayed' && replay.datastore.id, d.id);
      assert.equal((await create(record(), 't-idem', {}, 1000, 'other')).kind, 'token-reused-with-other-parameters');
    });

    it('an expired idempotency record is replaced', async () => {
      const d = record();
      await create(d, 't-expire');
      const again = record();
      const result = await f.repository.create({
        datastore: again,
        tags: {},
        event: event(again),
        idempotency: { ...idempotency('t-expire', 'other'), notBeforeMs: Date.now() + 1 },
        maxActiveDatastores: 1000,
      });
      assert.equal(result.kind, 'created');
    });

    it('enforces the active data store quota atomically', async () => {
      const existing = (await f.repository.list({ status: undefined, after: undefined, limit: 10_000, hideDeletedBeforeMs: 0 })).filter((d) =>
        ['CREATING', 'ACTIVE', 'DELETING'].includes(d.status),
      ).length;
      const results = await Promise.all(Array.from({ length: 3 }, () => create(record(), newId(), {}, existing + 2)));
      assert.deepEqual(results.map((r) => r.kind).sort(), ['created', 'created', 'quota-exceeded']);
    });

    it('transitions only from the expected state, with an event', async () => {
      const d = record();
      await create(d);
      const seen = (await f.outbox.readAfter(0, 10_000)).length;
      const active = await f.repository.transition(d.id, 'CREATING', 'ACTIVE', event, 1_700_000_001_000);
      assert.equal(active?.status, 'ACTIVE');
      assert.equal(active?.updatedAtMs, 1_700_000_001_000);
      assert.equal(await f.repository.transition(d.id, 'CREATING', 'ACTIVE', event, 1_700_000_002_000), undefined);
      const events = await f.outbox.readAfter(seen, 100);
      assert.equal(events.length, 1);
      assert.equal(events[0]!.event.detail.datastoreStatus, 'ACTIVE');
    });

    it('refuses to delete a data store with image sets or in the wrong state; deletion drops tags and the data key', async () => {
      const creating = record();
      await create(creating);
      assert.deepEqual(await f.repository.beginDelete(creating.id, event, 1), { kind: 'wrong-status', status: 'CREATING' });

      const full = record();
      await create(full);
      await f.repository.transition(full.id, 'CREATING', 'ACTIVE', event, 2);
      await f.addImageSet(full.id);
      assert.deepEqual(await f.repository.beginDelete(full.id, event, 3), { kind: 'has-image-sets' });

      const empty = record();
      await create(empty, newId(), { k: 'v' });
      await f.repository.transition(empty.id, 'CREATING', 'ACTIVE', event, 2);
      const deleting = await f.repository.beginDelete(empty.id, event, 4);
      assert.equal(deleting.kind, 'deleting');
      assert.equal((await f.repository.get(empty.id, 0))?.status, 'DELETING');
      const deleted = await f.repository.transition(empty.id, 'DELETING', 'DELETED', event, 5);
      assert.equal(deleted?.status, 'DELETED');
      assert.equal(deleted?.wrappedDataKey, undefined);
      assert.deepEqual(await f.listTags(empty.id), {});
      assert.deepEqual(await f.repository.beginDelete(empty.id, event, 6), { kind: 'not-found' });
      assert.deepEqual(await f.repository.beginDelete(newId(), event, 6), { kind: 'not-found' });
      // A DELETED store reads as absent once its retention has passed.
      assert.equal((await f.repository.get(empty.id, 5))?.status, 'DELETED');
      assert.equal(await f.repository.get(empty.id, 6), undefined);
    });

    it('changes its generation with every change, so DatastoreKeys stops serving a deleted store at once', async () => {
      let reads = 0;
      const keys = new DatastoreKeys(
        {
          find: async (id) => {
            reads++;
            return f.repository.get(id, 0);
          },
          changeGeneration: () => f.repository.changeGeneration(),
        },
        { unwrapDataKey: (wrapped) => ({ wrapped }) as unknown as DataKey },
      );
      const d = record();
      let generation = f.repository.changeGeneration();
      const changed = () => {
        const next = f.repository.changeGeneration();
        const moved = next !== generation;
        generation = next;
        return moved;
      };
      await create(d);
      assert.ok(changed(), 'create');
      assert.ok(await keys.keyFor(d.id));
      assert.ok(await keys.keyFor(d.id));
      assert.equal(reads, 1, 'the second lookup is served from the cache');
      await f.repository.transition(d.id, 'CREATING', 'ACTIVE', event, 2);
      assert.ok(changed(), 'transition');
      assert.equal(await f.repository.transition(d.id, 'CREATING', 'ACTIVE', event, 2), undefined);
      await f.repository.get(d.id, 0);
      assert.ok(!changed(), 'a refused transition or a read changes nothing');
      assert.ok(await keys.keyFor(d.id));
      assert.equal(reads, 2, 'read again after the change');
      assert.equal((await f.repository.beginDelete(d.id, event, 3)).kind, 'deleting');
      assert.ok(changed(), 'beginDelete');
      await f.repository.transition(d.id, 'DELETING', 'DELETED', event, 4);
      assert.ok(changed(), 'deletion');
      assert.equal(await keys.keyFor(d.id), undefined, 'a deleted store has no key, without waiting');
      assert.equal(await keys.keyFor(newId<DatastoreId>()), undefined);
    });

    it('lists oldest first with keyset paging and a status filter', async () => {
      const base = 1_800_000_000_000;
      const made: DatastoreRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const d = record({ createdAtMs: base + (i % 2 === 0 ? i : i - 1), updatedAtMs: base });
        made.push(d);
        await create(d);
      }
      await f.repository.transition(made[1]!.id, 'CREATING', 'ACTIVE', event, base);
      const expected = [...made].sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1)).map((d) => d.id);
      const seen: string[] = [];
      let after: { createdAtMs: number; id: string } | undefined = { createdAtMs: base - 1, id: '' };
      while (after !== undefined) {
        const page: DatastoreRecord[] = await f.repository.list({ status: undefined, after, limit: 2, hideDeletedBeforeMs: 0 });
        seen.push(...page.map((d) => d.id));
        const last = page.at(-1);
        after = page.length === 2 && last ? { createdAtMs: last.createdAtMs, id: last.id } : undefined;
      }
      assert.deepEqual(seen, expected);
      const active = await f.repository.list({ status: 'ACTIVE' as DatastoreStatus, after: { createdAtMs: base - 1, id: '' }, limit: 100, hideDeletedBeforeMs: 0 });
      assert.deepEqual(active.map((d) => d.id), [made[1]!.id]);
    });

    it('lists the data stores still in transition', async () => {
      const ids = new Set((await f.repository.listInTransition()).map((d) => d.id));
      for (const d of await f.repository.list({ status: undefined, after: undefined, limit: 10_000, hideDeletedBeforeMs: 0 })) {
        assert.equal(ids.has(d.id), d.status === 'CREATING' || d.status === 'DELETING');
      }
    });
  });
}
