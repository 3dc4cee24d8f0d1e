// Image set changes across SIGKILL: an update, a copy and a delete killed mid-way are, after a restart, either not
// applied or fully applied — never half-written, never LOCKED for good. TESSERA_TEST_KILL_LOOPS sets the random rounds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import {
  CopyImageSetCommand,
  DeleteImageSetCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  ResourceNotFoundException,
  UpdateImageSetMetadataCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { corpusFiles } from '../support/corpus.js';
import { activeDatastore, blob, importFiles, instancesOf, metadataOf, settled } from '../support/image-sets.js';
import { startServer, type RunningServer } from '../support/server.js';

const LOOPS = Number(process.env.TESSERA_TEST_KILL_LOOPS ?? 4);

describe('image set changes survive SIGKILL', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let dataDir: string;
  let datastoreId: string;
  let primary: string;

  const restart = async (env: Record<string, string> = {}) => {
    server = await startServer({ dataDir, keepData: true, env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20', ...env } });
    client = server.client();
  };
  const kill = async () => {
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill('SIGKILL');
    await exited;
  };
  const updateName = (imageSetId: string, latestVersionId: string, name: string) =>
    client.send(
      new UpdateImageSetMetadataCommand({
        datastoreId,
        imageSetId,
        latestVersionId,
        updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: name } } }) } },
      }),
    );
  const copyOf = (sourceImageSetId: string) =>
    client.send(new CopyImageSetCommand({ datastoreId, sourceImageSetId, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } }));

  before(async () => {
    server = await startServer({ keepData: true, env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20' } });
    dataDir = server.dataDir;
    client = server.client();
    datastoreId = await activeDatastore(client, 'crashes');
    const placed = await importFiles(server, client, datastoreId, 'series', (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/CT5N/')));
    primary = placed[0]!.imageSetId;
  });
  after(async () => {
    await server.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes an accepted update and copy after a kill before their work started', async () => {
    const copied = await copyOf(primary);
    const target = copied.destinationImageSetProperties!.imageSetId!;
    await settled(client, datastoreId, target);
    await settled(client, datastoreId, primary);
    await server.stop();

    await restart({ TESSERA_IMAGE_SET_CHANGE_DELAY_MS: '600000' }); // accepted, then held: the kill lands before any work
    const updated = await updateName(target, '1', 'AFTER^CRASH');
    const copy = await copyOf(primary);
    assert.equal((await client.send(new GetImageSetCommand({ datastoreId, imageSetId: target }))).imageSetState, 'LOCKED');
    await kill();

    await restart();
    const done = await settled(client, datastoreId, target);
    assert.deepEqual([done.imageSetState, done.imageSetWorkflowStatus, done.versionId], ['ACTIVE', 'UPDATED', updated.latestVersionId]);
    assert.equal((await metadataOf(client, datastoreId, target)).Patient.DICOM.PatientName, 'AFTER^CRASH');
    const destination = await settled(client, datastoreId, copy.destinationImageSetProperties!.imageSetId!);
    assert.deepEqual([destination.imageSetWorkflowStatus, destination.versionId], ['COPIED', '1']);
    const source = await settled(client, datastoreId, primary);
    assert.deepEqual([source.imageSetState, source.imageSetWorkflowStatus, source.versionId], ['ACTIVE', 'IMPORTED', '1']);
    const frame = instancesOf(await metadataOf(client, datastoreId, destination.imageSetId!))[0]!.frames[0]!;
    const bytes = await client.send(new GetImageFrameCommand({ datastoreId, imageSetId: destination.imageSetId!, imageFrameInformation: { imageFrameId: frame } }));
    assert.ok((await bytes.imageFrameBlob!.transformToByteArray()).length > 0);
  });

  it(`is old or new, never in between, when killed at random moments (${LOOPS} rounds of update + copy + delete)`, async (t) => {
    const outcomes = { updateApplied: 0, updateNotApplied: 0, copyAnswered: 0, deleted: 0, notDeleted: 0 };
    for (let round = 0; round < LOOPS; round++) {
      // A fresh non-primary copy to update and one to delete; the primary is the copy source.
      // The source is read-only while copied: each copy is waited for before the next one.
      const forUpdate = (await copyOf(primary)).destinationImageSetProperties!.imageSetId!;
      await settled(client, datastoreId, primary);
      const forDelete = (await copyOf(primary)).destinationImageSetProperties!.imageSetId!;
      await settled(client, datastoreId, primary);
      await settled(client, datastoreId, forUpdate);
      await settled(client, datastoreId, forDelete);
      const name = `ROUND^${round}`;

      const calls = [
        updateName(forUpdate, '1', name).catch(() => undefined),
        copyOf(primary).catch(() => undefined),
        client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: forDelete })).catch(() => undefined),
      ];
      // Even rounds kill at a random moment after sending; odd ones just after the update and the copy were accepted, while the
      // work runs — so both "never accepted" and "accepted, interrupted" are exercised whatever the machine's load.
      if (round % 2 === 0) await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
      else {
        await Promise.all([calls[0], calls[1]]);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));
      }
      await kill();
      const [, copy] = await Promise.all(calls);
      await restart();

      const updated = await settled(client, datastoreId, forUpdate);
      const document = await metadataOf(client, datastoreId, forUpdate);
      outcomes[updated.versionId === '1' ? 'updateNotApplied' : 'updateApplied']++;
      if (updated.versionId === '1') assert.notEqual(document.Patient.DICOM.PatientName, name, `round ${round}: old version, old content`);
      else {
        assert.deepEqual([updated.versionId, updated.imageSetWorkflowStatus], ['2', 'UPDATED'], `round ${round}`);
        assert.equal(document.Patient.DICOM.PatientName, name, `round ${round}: new version, new content`);
      }
      const source = await settled(client, datastoreId, primary);
      assert.deepEqual([source.imageSetState, source.versionId], ['ACTIVE', '1'], `round ${round}: the copy source is released`);
      const destinationId = (copy as Awaited<ReturnType<typeof copyOf>> | undefined)?.destinationImageSetProperties?.imageSetId;
      if (destinationId !== undefined) {
        outcomes.copyAnswered++;
        const destination = await settled(client, datastoreId, destinationId);
        assert.equal(destination.imageSetWorkflowStatus, 'COPIED', `round ${round}: accepted copy finished`);
        assert.equal(instancesOf(await metadataOf(client, datastoreId, destinationId)).length, 5);
      }
      const deleted = await settled(client, datastoreId, forDelete).catch((error: unknown) => {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      });
      assert.ok(deleted === undefined || deleted.imageSetState === 'ACTIVE' || deleted.imageSetState === 'DELETED', `round ${round}: delete is all or nothing`);
      if (deleted?.imageSetState === 'ACTIVE') assert.equal(instancesOf(await metadataOf(client, datastoreId, forDelete)).length, 5);
      outcomes[deleted?.imageSetState === 'ACTIVE' ? 'notDeleted' : 'deleted']++;
    }
    t.diagnostic(JSON.stringify(outcomes));
  });
});
