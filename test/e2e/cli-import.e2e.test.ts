// `tessera import`: copies files into a local bucket, runs the job through the API, prints the manifest summary.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateDatastoreCommand, GetDatastoreCommand, GetImageSetCommand } from '@aws-sdk/client-medical-imaging';
import { CORPUS_DIR } from '../support/corpus.js';
import { MAIN_JS, eventually, startServer, type RunningServer } from '../support/server.js';

const run = promisify(execFile);

describe('tessera import', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ withoutAdminKey: true });
  });
  after(async () => server.dispose());

  it('imports a folder with the generated admin credentials and prints the summary', async () => {
    const credentials = await import('../../src/cli/import-command.js').then((m) => m.readCredentialsFile(join(server.dataDir, 'credentials')));
    assert.ok(credentials);
    const client = server.client(credentials);
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'cli' }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const { stdout } = await run(process.execPath, [MAIN_JS, 'import', join(CORPUS_DIR, 'studies', 'pcir'), '--datastore', datastoreId!, '--data-dir', server.dataDir, '--endpoint', server.endpoint], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 120_000,
    });
    assert.match(stdout, /copied 24 files/);
    assert.match(stdout, /scanned 24, imported 24, customer errors 0, server errors 0, image sets \d+/);
    assert.match(stdout, /\[#{30}\] 24\/24 files \(0 failed\) COMPLETED/, 'the progress bar reaches the end');
    const imageSetId = /\n {2}([0-9a-f]{32}) version 1 primary/.exec(stdout)?.[1];
    assert.ok(imageSetId, stdout);
    assert.equal((await client.send(new GetImageSetCommand({ datastoreId, imageSetId }))).isPrimary, true);
  });

  it('refuses to run without a data store', async () => {
    await assert.rejects(run(process.execPath, [MAIN_JS, 'import', CORPUS_DIR], { env: { PATH: process.env.PATH ?? '' } }), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? '', /--datastore/);
      return true;
    });
  });
});
