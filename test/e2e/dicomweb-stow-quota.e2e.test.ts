// STOW-RS under the ImageSetMetadata size quota: the instances of an image set whose new version would exceed it are
// refused (FailedSOPSequence, 0xA700 out of resources) and their frames deleted; the rest of the request is stored.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateDatastoreCommand, GetDatastoreCommand } from '@aws-sdk/client-medical-imaging';
import { CORPUS_DIR, corpusFiles, type CorpusFile } from '../support/corpus.js';
import { described, dicomwebClientFor, dicomwebFetch } from '../support/dicomweb.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';

const LIMIT = 20_000;

async function frameFiles(dataDir: string): Promise<number> {
  const all = (await readdir(dataDir, { recursive: true })).map(String);
  return all.filter((path) => /(^|\/)frames\/.+\/[0-9a-f]{32}$/.test(path)).length;
}

describe('STOW-RS and the ImageSetMetadata size quota', { timeout: 300_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  before(async () => {
    server = await startServer({ env: { TESSERA_MAX_METADATA_BYTES: String(LIMIT) } });
    const client = server.client();
    ({ datastoreId } = (await client.send(new CreateDatastoreCommand({ datastoreName: 'stow-quota' }))) as { datastoreId: string });
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    // The study's two series: 2 instances (~14 KB of metadata) fit, 5 instances (~32 KB) do not.
    files = (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/'));
  });
  after(async () => server?.dispose());

  it('refuses the instances of the series over the quota, stores the others, and keeps no frames of the refused ones', async () => {
    const bySeries = new Map<string, CorpusFile[]>();
    for (const f of files) bySeries.set(f.series_instance_uid!, [...(bySeries.get(f.series_instance_uid!) ?? []), f]);
    const small = [...bySeries.values()].find((group) => group.length === 2)!;
    const large = [...bySeries.values()].find((group) => group.length === 5)!;
    assert.ok(small && large, 'the study has a 2-instance and a 5-instance series');

    const datasets = await Promise.all(files.map(async (f) => {
      const bytes = await readFile(join(CORPUS_DIR, f.path));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }));
    const raw = (await described(dicomwebClientFor(server.port, datastoreId).storeInstances({ datasets }))) as unknown;
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, { Value: Record<string, { Value: unknown[] }>[] } | undefined>;
    const referenced = (body['00081199']?.Value ?? []).map((item) => item['00081155']!.Value[0]);
    const failed = (body['00081198']?.Value ?? []).map((item) => ({ sop: item['00081155']!.Value[0], reason: item['00081197']!.Value[0] }));
    assert.deepEqual(referenced.sort(), small.map((f) => f.sop_instance_uid).sort());
    assert.deepEqual(failed.map((f) => f.sop).sort(), large.map((f) => f.sop_instance_uid).sort());
    for (const f of failed) assert.equal(f.reason, 0xa700, 'out of resources');

    for (const f of large) {
      const path = `/datastore/${datastoreId}/studies/${f.study_instance_uid}/series/${f.series_instance_uid}/instances/${f.sop_instance_uid}/metadata`;
      assert.equal((await dicomwebFetch(server.port, path)).status, 404, `${f.path} was not stored`);
    }
    for (const f of small) {
      const path = `/datastore/${datastoreId}/studies/${f.study_instance_uid}/series/${f.series_instance_uid}/instances/${f.sop_instance_uid}/metadata`;
      assert.equal((await dicomwebFetch(server.port, path)).status, 200, `${f.path} was stored`);
    }
    const storedFrames = small.reduce((n, f) => n + f.frames.length, 0);
    assert.equal(await frameFiles(server.dataDir), storedFrames, 'frames of the refused instances are deleted');
  });
});
