// CopyImageSet through the AWS SDK: to a new image set and into an existing one (AWS's two use cases), subsets with
// copiableAttributes, frames shared by reference, consistency and force, promoteToPrimary, COPY_FAILED, quotas, and
// frames surviving the deletion of the image set that stored them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConflictException,
  CopyImageSetCommand,
  DeleteImageSetCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  ResourceNotFoundException,
  SearchImageSetsCommand,
  ServiceQuotaExceededException,
  UpdateImageSetMetadataCommand,
  ValidationException,
  type CopyImageSetCommandInput,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { corpusFiles } from '../support/corpus.js';
import { activeDatastore, blob, importFiles, instancesOf, metadataOf, settled } from '../support/image-sets.js';
import { signedFetch } from '../support/signed-fetch.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';

describe('CopyImageSet', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  /** The primary image set of a 5-instance series (CT5N) and of a 2-instance one (CT2N) of the same study. */
  let primaryA: string;
  let primaryB: string;

  const copy = (sourceImageSetId: string, input: Omit<CopyImageSetCommandInput, 'datastoreId' | 'sourceImageSetId'>) =>
    client.send(new CopyImageSetCommand({ datastoreId, sourceImageSetId, ...input }));
  const selection = (series: string, sops: readonly string[]) =>
    JSON.stringify({ SchemaVersion: '1.1', Study: { Series: { [series]: { Instances: Object.fromEntries(sops.map((s) => [s, {}])) } } } });
  const frameBytes = async (imageSetId: string, imageFrameId: string) =>
    Buffer.from(await (await client.send(new GetImageFrameCommand({ datastoreId, imageSetId, imageFrameInformation: { imageFrameId } }))).imageFrameBlob!.transformToByteArray());

  before(async () => {
    server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20', TESSERA_MAX_FRAMES_PER_COPY: '5' } });
    client = server.client();
    datastoreId = await activeDatastore(client, 'copies');
    const placed = await importFiles(server, client, datastoreId, 'study', (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/')));
    for (const p of placed) {
      const n = instancesOf(await metadataOf(client, datastoreId, p.imageSetId)).length;
      if (n === 5) primaryA = p.imageSetId;
      else primaryB = p.imageSetId;
    }
    assert.ok(primaryA !== undefined && primaryB !== undefined);
  });
  after(async () => server.dispose());

  it('copies into a new image set: source read-only while it runs, destination COPIED with the same instances and shared frames', async () => {
    const source = await metadataOf(client, datastoreId, primaryA);
    const response = await copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } });
    assert.equal(response.datastoreId, datastoreId);
    const s = response.sourceImageSetProperties!;
    const d = response.destinationImageSetProperties!;
    assert.deepEqual([s.imageSetId, s.latestVersionId, s.imageSetState, s.imageSetWorkflowStatus], [primaryA, '1', 'LOCKED', 'COPYING_WITH_READ_ONLY_ACCESS']);
    assert.deepEqual([d.latestVersionId, d.imageSetState, d.imageSetWorkflowStatus], ['1', 'LOCKED', 'COPYING']);
    assert.match(d.imageSetArn!, new RegExp(`datastore/${datastoreId}/imageset/${d.imageSetId}$`));
    const done = await settled(client, datastoreId, d.imageSetId!);
    assert.deepEqual([done.imageSetState, done.imageSetWorkflowStatus, done.versionId, done.isPrimary], ['ACTIVE', 'COPIED', '1', false]);
    const back = await settled(client, datastoreId, primaryA);
    assert.deepEqual([back.imageSetState, back.imageSetWorkflowStatus, back.versionId], ['ACTIVE', 'IMPORTED', '1']);

    const copied = await metadataOf(client, datastoreId, d.imageSetId!);
    assert.equal(copied.ImageSetID, d.imageSetId);
    assert.deepEqual({ ...copied, ImageSetID: source.ImageSetID }, source);
    const frame = instancesOf(source)[0]!.frames[0]!;
    assert.deepEqual(await frameBytes(d.imageSetId!, frame), await frameBytes(primaryA, frame), 'frames are shared, not re-encoded');
  });

  it('copies selected instances into a new image set, then more into it as a destination (merging a new version)', async () => {
    const source = await metadataOf(client, datastoreId, primaryA);
    const [first, second, third] = instancesOf(source);
    const created = await copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(first!.series, [first!.sop]) } } } });
    const target = created.destinationImageSetProperties!.imageSetId!;
    await settled(client, datastoreId, target);
    await settled(client, datastoreId, primaryA);
    assert.deepEqual(instancesOf(await metadataOf(client, datastoreId, target)).map((i) => i.sop), [first!.sop]);

    const merged = await copy(primaryA, {
      copyImageSetInformation: {
        sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(second!.series, [second!.sop, third!.sop]) } },
        destinationImageSet: { imageSetId: target, latestVersionId: '1' },
      },
    });
    assert.deepEqual(
      [merged.destinationImageSetProperties!.imageSetId, merged.destinationImageSetProperties!.latestVersionId, merged.destinationImageSetProperties!.imageSetWorkflowStatus],
      [target, '2', 'COPYING'],
    );
    const done = await settled(client, datastoreId, target);
    assert.deepEqual([done.imageSetWorkflowStatus, done.versionId], ['COPIED', '2']);
    await settled(client, datastoreId, primaryA);
    assert.deepEqual(new Set(instancesOf(await metadataOf(client, datastoreId, target)).map((i) => i.sop)), new Set([first!.sop, second!.sop, third!.sop]));
    assert.deepEqual(instancesOf(await metadataOf(client, datastoreId, target, '1')).map((i) => i.sop), [first!.sop]);

    // The same instance again: SOP Instance UIDs stay unique, the copy ends COPY_FAILED with the old content.
    const again = await copy(primaryA, {
      copyImageSetInformation: {
        sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(first!.series, [first!.sop]) } },
        destinationImageSet: { imageSetId: target, latestVersionId: '2' },
      },
    });
    const failed = await settled(client, datastoreId, target);
    assert.deepEqual([failed.imageSetWorkflowStatus, failed.versionId], ['COPY_FAILED', again.destinationImageSetProperties!.latestVersionId]);
    assert.match(failed.message!, /already exists/);
    assert.deepEqual(await metadataOf(client, datastoreId, target), await metadataOf(client, datastoreId, target, '2'));
    await settled(client, datastoreId, primaryA);

    // Stale versions, unknown sets, a set copied onto itself, and a selection naming what the source lacks.
    const stale = copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: target, latestVersionId: '1' } } });
    await assert.rejects(stale, (e: Error) => e instanceof ResourceNotFoundException && e.message === 'Requested version(s) of ImageSet(s) is not the latest.');
    await assert.rejects(copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '2' } } }), ResourceNotFoundException);
    await assert.rejects(copy('0'.repeat(32), { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } }), ResourceNotFoundException);
    await assert.rejects(copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: primaryA, latestVersionId: '1' } } }), ValidationException);
    await assert.rejects(
      copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(first!.series, ['1.2.3']) } } } }),
      (e: Error) => e instanceof ValidationException && /not in series/.test(e.message),
    );
    await assert.rejects(copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: '{"Study":' } } } }), ValidationException);
  });

  it('checks consistency with the destination unless forced; forced copies keep the destination metadata', async () => {
    const source = await metadataOf(client, datastoreId, primaryA);
    const [first, second] = instancesOf(source);
    const created = await copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(first!.series, [first!.sop]) } } } });
    const target = created.destinationImageSetProperties!.imageSetId!;
    await settled(client, datastoreId, target);
    await settled(client, datastoreId, primaryA);
    await client.send(
      new UpdateImageSetMetadataCommand({
        datastoreId,
        imageSetId: target,
        latestVersionId: '1',
        updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'OTHER^PATIENT' } } }) } },
      }),
    );
    assert.equal((await settled(client, datastoreId, target)).versionId, '2');
    const input = {
      copyImageSetInformation: {
        sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(second!.series, [second!.sop]) } },
        destinationImageSet: { imageSetId: target, latestVersionId: '2' },
      },
    };
    await assert.rejects(copy(primaryA, input), (e: Error) => e instanceof ValidationException && /Patient-level/.test(e.message));
    const forced = await copy(primaryA, { ...input, force: true });
    assert.equal(forced.destinationImageSetProperties!.latestVersionId, '3');
    const done = await settled(client, datastoreId, target);
    assert.deepEqual([done.imageSetWorkflowStatus, done.overrides], ['COPIED', { forced: true }]);
    await settled(client, datastoreId, primaryA);
    const result = await metadataOf(client, datastoreId, target);
    assert.equal(result.Patient.DICOM.PatientName, 'OTHER^PATIENT');
    assert.equal(instancesOf(result).length, 2);
  });

  it('enforces the frames-per-copy quota', async () => {
    // This server allows 5 frames per copy; B + A hold 7 instances of one frame each, A alone 5.
    const files = (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/'));
    assert.equal(files.length, 7);
    const big = await copy(primaryA, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } });
    await settled(client, datastoreId, big.destinationImageSetProperties!.imageSetId!);
    await settled(client, datastoreId, primaryA);
    const target = big.destinationImageSetProperties!.imageSetId!;
    const response = await signedFetch(server.port, {
      method: 'POST',
      path: `/datastore/${datastoreId}/imageSet/${primaryB}/copyImageSet`,
      body: JSON.stringify({ sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: target, latestVersionId: '1' } }),
      query: { force: 'true' },
    });
    // 2 frames fit; the quota counts frames per request, not per destination.
    assert.equal(response.status, 200, response.text);
    await settled(client, datastoreId, target);
    await settled(client, datastoreId, primaryB);
    const tooMany = await signedFetch(server.port, {
      method: 'POST',
      path: `/datastore/${datastoreId}/imageSet/${target}/copyImageSet`,
      body: JSON.stringify({ sourceImageSet: { latestVersionId: '2' } }),
    });
    assert.equal(tooMany.status, 402, tooMany.text);
    assert.equal(tooMany.headers.get('x-amzn-errortype')?.split(':')[0], 'ServiceQuotaExceededException');
    await assert.rejects(copy(target, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '2' } } }), ServiceQuotaExceededException);
  });

  it('promotes to primary: refused while the series has a primary; creates a new primary ID once it is gone; merges into the primary', async () => {
    const b = await metadataOf(client, datastoreId, primaryB);
    const [x, y] = instancesOf(b);
    await assert.rejects(copy(primaryB, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } }, promoteToPrimary: true }), ConflictException);

    // A non-primary copy of instance x, then the primary goes: promoting the copy creates the series' primary anew.
    const staged = await copy(primaryB, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(x!.series, [x!.sop]) } } } });
    const stagedId = staged.destinationImageSetProperties!.imageSetId!;
    await settled(client, datastoreId, stagedId);
    await settled(client, datastoreId, primaryB);
    const rest = await copy(primaryB, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(y!.series, [y!.sop]) } } } });
    const restId = rest.destinationImageSetProperties!.imageSetId!;
    await settled(client, datastoreId, restId);
    await settled(client, datastoreId, primaryB);
    await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: primaryB }));
    await eventually(async () => ((await client.send(new GetImageSetCommand({ datastoreId, imageSetId: primaryB }))).imageSetState === 'DELETED' ? true : undefined));
    // Frames stored by the deleted image set stay readable through the copies that share them.
    assert.ok((await frameBytes(stagedId, x!.frames[0]!)).length > 0);

    const promoted = await copy(stagedId, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } }, promoteToPrimary: true });
    const newPrimary = promoted.destinationImageSetProperties!.imageSetId!;
    assert.notEqual(newPrimary, stagedId);
    const done = await settled(client, datastoreId, newPrimary);
    assert.deepEqual([done.imageSetWorkflowStatus, done.isPrimary], ['COPIED', true]);
    await settled(client, datastoreId, stagedId);
    const primaries = await client.send(
      new SearchImageSetsCommand({ datastoreId, searchCriteria: { filters: [{ operator: 'EQUAL', values: [{ DICOMSeriesInstanceUID: x!.series }] }, { operator: 'EQUAL', values: [{ isPrimary: true }] }] } }),
    );
    assert.deepEqual(primaries.imageSetsMetadataSummaries!.map((s) => s.imageSetId), [newPrimary]);

    // A non-primary destination cannot be promoted into; the primary can, and takes the instance as a new version.
    await assert.rejects(
      copy(restId, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: stagedId, latestVersionId: '1' } }, promoteToPrimary: true }),
      ConflictException,
    );
    const merged = await copy(restId, { copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: newPrimary, latestVersionId: '1' } }, promoteToPrimary: true });
    assert.equal(merged.destinationImageSetProperties!.imageSetId, newPrimary);
    const mergedDone = await settled(client, datastoreId, newPrimary);
    assert.deepEqual([mergedDone.imageSetWorkflowStatus, mergedDone.versionId, mergedDone.isPrimary], ['COPIED', '2', true]);
    assert.deepEqual(new Set(instancesOf(await metadataOf(client, datastoreId, newPrimary)).map((i) => i.sop)), new Set([x!.sop, y!.sop]));
    // A primary image set takes only its own series.
    const a = instancesOf(await metadataOf(client, datastoreId, primaryA))[0]!;
    await assert.rejects(
      copy(primaryA, {
        copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: selection(a.series, [a.sop]) } }, destinationImageSet: { imageSetId: newPrimary, latestVersionId: '2' } },
        force: true,
      }),
      ValidationException,
    );
  });

  it('deletes a frame blob only when the last image set referring to it is gone', async () => {
    const frameFiles = async (): Promise<number> => {
      const dir = join(server.dataDir, 'blobs', 'datastores', datastoreId, 'frames');
      for (let attempt = 0; ; attempt++) {
        try {
          return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
        } catch (error) {
          // A shard folder went away while it was listed (deletions run meanwhile): list again; no folder, no frames.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 20) throw error;
          if ((await readdir(dir).catch(() => undefined)) === undefined) return 0;
        }
      }
    };
    const all = async () => (await client.send(new SearchImageSetsCommand({ datastoreId }))).imageSetsMetadataSummaries!.map((s) => s.imageSetId!);
    const stored = await frameFiles();
    assert.ok(stored >= 5, `frame blobs on disk: ${stored}`);
    const ids = await all();
    // Delete the primary (which stored A's frames) first: its copies still refer to the frames, so none may go.
    await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: primaryA }));
    await eventually(async () => ((await client.send(new GetImageSetCommand({ datastoreId, imageSetId: primaryA }))).imageSetState === 'DELETED' ? true : undefined));
    assert.equal(await frameFiles(), stored);
    for (const id of ids.filter((i) => i !== primaryA)) {
      await settled(client, datastoreId, id);
      await client.send(new DeleteImageSetCommand({ datastoreId, imageSetId: id }));
    }
    await eventually(async () => ((await all()).length === 0 ? true : undefined), 20_000);
    await eventually(async () => ((await frameFiles()) === 0 ? true : undefined), 10_000);
  });
});

describe('ImageSetMetadata size quota on imports, copies and updates', () => {
  it('fails import files, and refuses copies and updates, whose image set version would exceed TESSERA_MAX_METADATA_BYTES', async () => {
    const limit = 20_000;
    const server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20', TESSERA_MAX_METADATA_BYTES: String(limit) } });
    try {
      const client = server.client();
      const datastoreId = await activeDatastore(client, 'quota');
      // The study's two series: 2 instances (~14 KB of metadata) fit, 5 instances (~32 KB) do not.
      const files = (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/'));
      const placed = await importFiles(server, client, datastoreId, 'study', files);
      assert.equal(placed.length, 1, 'only the small series became an image set');
      const small = placed[0]!.imageSetId;
      const failureFile = (await readdir(join(server.dataDir, 'buckets', 'out-bucket', 'study'), { recursive: true })).find((f) => String(f).endsWith('failure.ndjson'))!;
      const failures = (await readFile(join(server.dataDir, 'buckets', 'out-bucket', 'study', String(failureFile)), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { exception: { exceptionType: string; message: string } });
      assert.equal(failures.length, 5);
      for (const f of failures) {
        assert.equal(f.exception.exceptionType, 'ServiceQuotaExceededException');
        assert.match(f.exception.message, /quota is 20000 bytes/);
      }

      // Copies of one instance each (~8 KB), one of them grown by 9.5 KB of ImageComments (still under the limit).
      const [x, y] = instancesOf(await metadataOf(client, datastoreId, small));
      const copyOne = async (sop: string) => {
        const copied = await client.send(
          new CopyImageSetCommand({ datastoreId, sourceImageSetId: small, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1', DICOMCopies: { copiableAttributes: JSON.stringify({ SchemaVersion: '1.1', Study: { Series: { [x!.series]: { Instances: { [sop]: {} } } } } }) } } } }),
        );
        await settled(client, datastoreId, small);
        return copied.destinationImageSetProperties!.imageSetId!;
      };
      const one = await copyOne(x!.sop);
      const other = await copyOne(y!.sop);
      const grow = (imageSetId: string, version: string, sop: string, keyword: string) =>
        client.send(
          new UpdateImageSetMetadataCommand({
            datastoreId,
            imageSetId,
            latestVersionId: version,
            updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Study: { Series: { [x!.series]: { Instances: { [sop]: { DICOM: { [keyword]: 'c'.repeat(9_500) } } } } } } }) } },
          }),
        );
      await settled(client, datastoreId, one);
      await grow(one, '1', x!.sop, 'ImageComments');
      assert.equal((await settled(client, datastoreId, one)).versionId, '2');
      // A second 9.5 KB element would pass the limit: refused before anything is locked.
      await assert.rejects(grow(one, '2', x!.sop, 'FrameComments'), ServiceQuotaExceededException);
      // So would merging the other instance into it.
      await settled(client, datastoreId, other);
      await assert.rejects(
        client.send(new CopyImageSetCommand({ datastoreId, sourceImageSetId: other, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' }, destinationImageSet: { imageSetId: one, latestVersionId: '2' } } })),
        ServiceQuotaExceededException,
      );
      assert.equal((await client.send(new GetImageSetCommand({ datastoreId, imageSetId: one }))).versionId, '2');
    } finally {
      await server.dispose();
    }
  });
});
