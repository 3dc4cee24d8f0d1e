// The contract every IamStore adapter must pass.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IamStore } from './iam-store.js';

export function runIamStoreContract(
  adapterName: string,
  makeFixture: () => Promise<{ store: IamStore; addAccessKey: (userName: string) => Promise<void>; countAccessKeys: (userName: string) => Promise<number>; writeFromAnotherProcess: () => void; cleanup: () => Promise<void> }>,
): void {
  describe(`IamStore contract: ${adapterName}`, () => {
    let fixture: Awaited<ReturnType<typeof makeFixture>>;
    before(async () => (fixture = await makeFixture()));
    after(async () => fixture.cleanup());

    it('creates, finds, lists and deletes principals with their attachments and keys', async () => {
      const { store } = fixture;
      const bob = { kind: 'user' as const, name: 'bob', arn: 'arn:aws:iam::123456789012:user/bob', createdAtMs: 5 };
      assert.equal(await store.createPrincipal(bob), true);
      assert.equal(await store.createPrincipal(bob), false);
      assert.equal(await store.createPrincipal({ ...bob, kind: 'role', arn: 'arn:aws:iam::123456789012:role/bob' }), true);
      assert.deepEqual(await store.findPrincipal('user', 'bob'), bob);
      assert.equal(await store.findPrincipal('user', 'nobody'), undefined);
      assert.deepEqual((await store.listPrincipals('user')).map((p) => p.name), ['bob']);
      await store.attachPolicy({ principalKind: 'user', principalName: 'bob', policyName: 'AWSHealthImagingReadOnlyAccess', isManaged: true, documentJson: undefined, attachedAtMs: 1 });
      await store.attachPolicy({ principalKind: 'user', principalName: 'bob', policyName: 'mine', isManaged: false, documentJson: '{"a":1}', attachedAtMs: 2 });
      await store.attachPolicy({ principalKind: 'user', principalName: 'bob', policyName: 'mine', isManaged: false, documentJson: '{"a":2}', attachedAtMs: 3 });
      const attached = await store.listAttachments('user', 'bob');
      assert.deepEqual(attached.map((a) => [a.policyName, a.isManaged, a.documentJson]), [['AWSHealthImagingReadOnlyAccess', true, undefined], ['mine', false, '{"a":2}']]);
      assert.equal((await store.listAttachments('role', 'bob')).length, 0);
      assert.equal(await store.detachPolicy('user', 'bob', 'mine'), true);
      assert.equal(await store.detachPolicy('user', 'bob', 'mine'), false);
      await fixture.addAccessKey('bob');
      assert.equal(await store.deletePrincipal('user', 'bob'), true);
      assert.equal(await store.deletePrincipal('user', 'bob'), false);
      assert.equal(await fixture.countAccessKeys('bob'), 0);
      assert.equal((await store.listAttachments('user', 'bob')).length, 0);
      assert.ok(await store.findPrincipal('role', 'bob'));
    });

    it('counts commits of other processes, not its own', async () => {
      const { store } = fixture;
      const before = store.externalChangeCount();
      await store.createPrincipal({ kind: 'user', name: 'own', arn: 'arn:aws:iam::123456789012:user/own', createdAtMs: 1 });
      assert.equal(store.externalChangeCount(), before);
      fixture.writeFromAnotherProcess();
      assert.notEqual(store.externalChangeCount(), before);
    });
  });
}
