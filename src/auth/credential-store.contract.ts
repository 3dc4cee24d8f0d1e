// The contract every CredentialStore adapter must pass.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessKeyRecord, CredentialStore } from './credential-store.js';

export function runCredentialStoreContract(adapterName: string, makeFixture: () => Promise<{ store: CredentialStore; cleanup: () => Promise<void> }>): void {
  describe(`CredentialStore contract: ${adapterName}`, () => {
    let store: CredentialStore;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await makeFixture()));
    after(async () => cleanup());

    const key = (id: string, user = 'alice', secret = 's'): AccessKeyRecord => ({
      accessKeyId: id,
      userName: user,
      principalArn: `arn:aws:iam::123456789012:user/${user}`,
      sealedSecret: Buffer.from(secret),
      status: 'Active',
      createdAtMs: 1,
    });

    it('stores, finds, replaces and counts keys per user', async () => {
      assert.equal(await store.findAccessKey('AKIANOPE'), undefined);
      await store.putAccessKey(key('AKIA1'));
      await store.putAccessKey(key('AKIA2'));
      await store.putAccessKey(key('AKIA3', 'bob'));
      assert.deepEqual(await store.findAccessKey('AKIA1'), key('AKIA1'));
      await store.putAccessKey({ ...key('AKIA1', 'alice', 'rotated'), status: 'Inactive' });
      const replaced = await store.findAccessKey('AKIA1');
      assert.equal(replaced?.status, 'Inactive');
      assert.deepEqual(replaced?.sealedSecret, Buffer.from('rotated'));
      assert.equal(await store.countAccessKeys('alice'), 2);
      assert.equal(await store.countAccessKeys('bob'), 1);
      assert.equal(await store.countAccessKeys('carol'), 0);
    });

    it('lists and deletes keys, and keeps session fields', async () => {
      const session: AccessKeyRecord = { ...key('ASIA1', 'dave'), sessionTokenSha256: Buffer.alloc(32, 7), expiresAtMs: 99 };
      await store.putAccessKey(session);
      await store.putAccessKey({ ...key('AKIA9', 'dave'), createdAtMs: 2 });
      assert.deepEqual(await store.findAccessKey('ASIA1'), session);
      assert.deepEqual((await store.listAccessKeys('dave')).map((k) => k.accessKeyId), ['ASIA1', 'AKIA9']);
      assert.equal(await store.deleteAccessKey('ASIA1'), true);
      assert.equal(await store.deleteAccessKey('ASIA1'), false);
      assert.deepEqual((await store.listAccessKeys('dave')).map((k) => k.accessKeyId), ['AKIA9']);
    });
  });
}
