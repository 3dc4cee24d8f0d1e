// The contract every TagRepository adapter must pass.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TagRepository } from './tag-repository.js';

export function runTagRepositoryContract(adapterName: string, makeFixture: () => Promise<{ repository: TagRepository; cleanup: () => Promise<void> }>): void {
  describe(`TagRepository contract: ${adapterName}`, () => {
    let repository: TagRepository;
    let cleanup: () => Promise<void>;
    before(async () => ({ repository, cleanup } = await makeFixture()));
    after(async () => cleanup());

    it('merges, overwrites and lists tags per resource', async () => {
      assert.deepEqual(await repository.listTags('r1'), {});
      assert.deepEqual(await repository.mergeTags('r1', { a: '1', b: '2' }, 50), { kind: 'ok' });
      assert.deepEqual(await repository.mergeTags('r1', { b: '3', c: '' }, 50), { kind: 'ok' });
      assert.deepEqual(await repository.listTags('r1'), { a: '1', b: '3', c: '' });
      assert.deepEqual(await repository.listTags('r1/child'), {});
    });

    it('refuses a merge that would pass the limit and changes nothing', async () => {
      await repository.mergeTags('r2', { a: '1', b: '2' }, 3);
      assert.deepEqual(await repository.mergeTags('r2', { c: '3', d: '4' }, 3), { kind: 'too-many', total: 4 });
      assert.deepEqual(await repository.listTags('r2'), { a: '1', b: '2' });
      assert.deepEqual(await repository.mergeTags('r2', { a: 'x', c: '3' }, 3), { kind: 'ok' });
    });

    it('removes keys, ignoring absent ones', async () => {
      await repository.mergeTags('r3', { a: '1', b: '2', c: '3' }, 50);
      await repository.removeTags('r3', ['a', 'zz', 'c']);
      assert.deepEqual(await repository.listTags('r3'), { b: '2' });
    });
  });
}
