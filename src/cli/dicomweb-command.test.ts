// `tessera dicomweb reindex` argument handling (the rebuild itself: test/e2e/dicomweb-reindex.e2e.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceNotFoundException } from '../api/index.js';
import { runDicomwebCommand, type OpenQidoReindex } from './dicomweb-command.js';

async function run(argv: string[], env: Record<string, string> = {}, failWith?: Error) {
  const calls: { dataDir: string; datastoreId: string | undefined }[] = [];
  let closed = 0;
  const open: OpenQidoReindex = async (dataDir) => ({
    async reindex(datastoreId) {
      calls.push({ dataDir, datastoreId });
      if (failWith !== undefined) throw failWith;
      return { rebuiltImageSets: 3 };
    },
    close: () => void closed++,
  });
  let stdout = '';
  let stderr = '';
  const code = await runDicomwebCommand(argv, env, open, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, calls, closed, stdout, stderr };
}

describe('tessera dicomweb', () => {
  it('reindex: every data store, or the one named; the data folder from --data-dir, else TESSERA_DATA_DIR', async () => {
    const all = await run(['reindex'], { TESSERA_DATA_DIR: '/d' });
    assert.equal(all.code, 0);
    assert.deepEqual(all.calls, [{ dataDir: '/d', datastoreId: undefined }]);
    assert.deepEqual(JSON.parse(all.stdout), { rebuiltImageSets: 3 });
    assert.equal(all.closed, 1);
    const one = await run(['reindex', '--datastore', 'abc', '--data-dir=/x'], { TESSERA_DATA_DIR: '/d' });
    assert.deepEqual(one.calls, [{ dataDir: '/x', datastoreId: 'abc' }]);
  });

  it('usage errors exit 2 without opening anything; an unknown data store exits 1', async () => {
    for (const argv of [[], ['rebuild'], ['reindex', 'extra'], ['reindex', '--datastor', 'x'], ['reindex', '--datastore']]) {
      const result = await run(argv);
      assert.equal(result.code, 2, argv.join(' '));
      assert.deepEqual(result.calls, []);
      assert.match(result.stderr, /tessera dicomweb reindex/);
    }
    const missing = await run(['reindex', '--datastore', 'nope'], {}, new ResourceNotFoundException('Datastore nope does not exist'));
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'tessera dicomweb: Datastore nope does not exist\n');
    assert.equal(missing.closed, 1);
  });
});
