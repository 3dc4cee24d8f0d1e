// UpdateImageSetMetadata through the AWS SDK: AWS's use cases (insert/update, remove an attribute, remove an instance,
// revert), versions, force and the primary-image-set rules, includeStudyImageSets, UPDATE_FAILED, and every
// validation rule of behavior.md §11 that ends in an error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictException,
  CopyImageSetCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  ListImageSetVersionsCommand,
  ResourceNotFoundException,
  SearchImageSetsCommand,
  ServiceQuotaExceededException,
  UpdateImageSetMetadataCommand,
  ValidationException,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { corpusFiles } from '../support/corpus.js';
import { activeDatastore, blob, importFiles, instancesOf, metadataOf, settled, type MetadataDocument } from '../support/image-sets.js';
import { signedFetch } from '../support/signed-fetch.js';
import { startServer, type RunningServer } from '../support/server.js';

describe('UpdateImageSetMetadata', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  let datastoreId: string;
  /** Primary image sets of one study: CT5N (5 instances) and CT2N (2 instances). */
  let primaryA: string;
  let primaryB: string;
  /** A non-primary copy of A, where force may change identities. */
  let copyC: string;

  const update = (imageSetId: string, latestVersionId: string, updates: { updatable?: unknown; removable?: unknown; revert?: string }, force?: boolean) =>
    client.send(
      new UpdateImageSetMetadataCommand({
        datastoreId,
        imageSetId,
        latestVersionId,
        ...(force !== undefined ? { force } : {}),
        updateImageSetMetadataUpdates:
          updates.revert !== undefined
            ? { revertToVersionId: updates.revert }
            : {
                DICOMUpdates: {
                  ...(updates.updatable !== undefined ? { updatableAttributes: blob(updates.updatable) } : {}),
                  ...(updates.removable !== undefined ? { removableAttributes: blob(updates.removable) } : {}),
                },
              },
      }),
    );
  const latestOf = async (imageSetId: string) => (await client.send(new GetImageSetCommand({ datastoreId, imageSetId }))).versionId!;
  const rejects = async (promise: Promise<unknown>, type: new (...args: never[]) => Error, message?: RegExp) => {
    await assert.rejects(promise, (error: Error) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${error.name}: ${error.message}`);
      if (message !== undefined) assert.match(error.message, message);
      return true;
    });
  };

  before(async () => {
    server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20' } });
    client = server.client();
    datastoreId = await activeDatastore(client, 'updates');
    const files = (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/'));
    const placed = await importFiles(server, client, datastoreId, 'study', files);
    assert.equal(placed.length, 2);
    const sizes = await Promise.all(placed.map(async (p) => ({ id: p.imageSetId, n: instancesOf(await metadataOf(client, datastoreId, p.imageSetId)).length })));
    primaryA = sizes.find((s) => s.n === 5)!.id;
    primaryB = sizes.find((s) => s.n === 2)!.id;
    const copied = await client.send(new CopyImageSetCommand({ datastoreId, sourceImageSetId: primaryA, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } }));
    copyC = copied.destinationImageSetProperties!.imageSetId!;
    assert.equal((await settled(client, datastoreId, copyC)).imageSetWorkflowStatus, 'COPIED');
  });
  after(async () => server.dispose());

  it('inserts and updates attributes: LOCKED/UPDATING at once, then a new version; the old one stays readable', async () => {
    const before1 = await metadataOf(client, datastoreId, copyC, '1');
    const response = await update(copyC, '1', { updatable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'UPDATED^NAME' } }, Study: { DICOM: { StudyDescription: 'NEW DESCRIPTION' } } } });
    assert.deepEqual([response.imageSetState, response.imageSetWorkflowStatus, response.latestVersionId], ['LOCKED', 'UPDATING', '2']);
    const done = await settled(client, datastoreId, copyC);
    assert.deepEqual([done.imageSetState, done.imageSetWorkflowStatus, done.versionId], ['ACTIVE', 'UPDATED', '2']);
    const v2 = await metadataOf(client, datastoreId, copyC);
    assert.equal(v2.Patient.DICOM.PatientName, 'UPDATED^NAME');
    assert.equal(v2.Study.DICOM.StudyDescription, 'NEW DESCRIPTION');
    // Everything else is exactly as before.
    assert.deepEqual({ ...v2, Patient: before1.Patient, Study: { ...v2.Study, DICOM: before1.Study.DICOM } }, before1);
    assert.deepEqual(await metadataOf(client, datastoreId, copyC, '1'), before1);
    // Search follows the new version.
    const found = await client.send(new SearchImageSetsCommand({ datastoreId, searchCriteria: { filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: String(before1.Patient.DICOM.PatientID) }] }] } }));
    const summary = found.imageSetsMetadataSummaries!.find((s) => s.imageSetId === copyC)!;
    assert.equal(summary.DICOMTags!.DICOMPatientName, 'UPDATED^NAME');
    assert.equal(summary.DICOMTags!.DICOMStudyDescription, 'NEW DESCRIPTION');
    assert.equal(summary.version, 2);
  });

  it('removes an attribute when the stored value is named, and fails the update (UPDATE_FAILED) when it differs', async () => {
    const v = await latestOf(copyC);
    await update(copyC, v, { removable: { SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'NEW DESCRIPTION' } } } });
    const done = await settled(client, datastoreId, copyC);
    assert.equal(done.imageSetWorkflowStatus, 'UPDATED');
    const after1 = await metadataOf(client, datastoreId, copyC);
    assert.ok(!('StudyDescription' in after1.Study.DICOM));

    const failedResponse = await update(copyC, done.versionId!, { removable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'NOT^THE^STORED^NAME' } } } });
    const failed = await settled(client, datastoreId, copyC);
    assert.deepEqual([failed.imageSetState, failed.imageSetWorkflowStatus, failed.versionId], ['ACTIVE', 'UPDATE_FAILED', failedResponse.latestVersionId]);
    assert.match(failed.message!, /PatientName/);
    // The failed version took a number and carries the previous content.
    assert.deepEqual(await metadataOf(client, datastoreId, copyC), after1);
    const versions = (await client.send(new ListImageSetVersionsCommand({ datastoreId, imageSetId: copyC }))).imageSetPropertiesList!;
    assert.deepEqual(versions.map((x) => x.versionId), [failed.versionId, done.versionId, '2', '1']);
    assert.equal(versions[0]!.ImageSetWorkflowStatus, 'UPDATE_FAILED');
  });

  it('removes an instance: its frames leave the latest version, earlier versions keep it', async () => {
    const v = await latestOf(copyC);
    const document = await metadataOf(client, datastoreId, copyC);
    const [victim, ...rest] = instancesOf(document);
    // Read first, so the server has the frame's lookup cached: the update must still take it out of the latest version.
    const before1 = await client.send(new GetImageFrameCommand({ datastoreId, imageSetId: copyC, imageFrameInformation: { imageFrameId: victim!.frames[0]! } }));
    assert.ok((await before1.imageFrameBlob!.transformToByteArray()).length > 0);
    await update(copyC, v, { removable: { SchemaVersion: 1.1, Study: { Series: { [victim!.series]: { Instances: { [victim!.sop]: {} } } } } } });
    const done = await settled(client, datastoreId, copyC);
    assert.equal(done.imageSetWorkflowStatus, 'UPDATED');
    const after1 = await metadataOf(client, datastoreId, copyC);
    assert.deepEqual(instancesOf(after1).map((i) => i.sop), rest.map((i) => i.sop));
    await rejects(client.send(new GetImageFrameCommand({ datastoreId, imageSetId: copyC, imageFrameInformation: { imageFrameId: victim!.frames[0]! } })), ResourceNotFoundException);
    const kept = await client.send(new GetImageFrameCommand({ datastoreId, imageSetId: copyC, imageFrameInformation: { imageFrameId: rest[0]!.frames[0]! } }));
    assert.ok((await kept.imageFrameBlob!.transformToByteArray()).length > 0);
    assert.ok(instancesOf(await metadataOf(client, datastoreId, copyC, v)).some((i) => i.sop === victim!.sop));
  });

  it('reverts to an earlier version: a new version whose content equals it', async () => {
    const v = await latestOf(copyC);
    const response = await update(copyC, v, { revert: '1' });
    assert.equal(response.latestVersionId, String(Number(v) + 1));
    const done = await settled(client, datastoreId, copyC);
    assert.deepEqual([done.imageSetWorkflowStatus, done.versionId], ['UPDATED', response.latestVersionId]);
    assert.deepEqual(await metadataOf(client, datastoreId, copyC), await metadataOf(client, datastoreId, copyC, '1'));
    await rejects(update(copyC, response.latestVersionId!, { revert: response.latestVersionId! }), ValidationException, /earlier version/);
    await rejects(update(copyC, response.latestVersionId!, { revert: '99' }), ValidationException);
  });

  it('answers a stale latestVersionId with the error AWS gives', async () => {
    await rejects(update(copyC, '1', { updatable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } } }), ResourceNotFoundException, /^Requested version\(s\) of ImageSet\(s\) is not the latest\.$/);
    await rejects(update('0'.repeat(32), '1', { updatable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } } }), ResourceNotFoundException);
  });

  it('changes identities only with force on a non-primary image set, re-keying the instance, and records overrides.forced', async () => {
    const v = await latestOf(copyC);
    const document = await metadataOf(client, datastoreId, copyC);
    const target = instancesOf(document)[0]!;
    const renamed = `${target.sop}.99`;
    const patch = { SchemaVersion: 1.1, Study: { Series: { [target.series]: { Instances: { [target.sop]: { DICOM: { SOPInstanceUID: renamed } } } } } } };
    await rejects(update(copyC, v, { updatable: patch }), ValidationException, /force/);
    const response = await update(copyC, v, { updatable: patch }, true);
    const done = await settled(client, datastoreId, copyC);
    assert.equal(done.imageSetWorkflowStatus, 'UPDATED');
    assert.deepEqual(done.overrides, { forced: true });
    const after1 = await metadataOf(client, datastoreId, copyC);
    const instances = after1.Study.Series[target.series]!.Instances;
    assert.ok(!(target.sop in instances));
    assert.equal(instances[renamed]!.DICOM.SOPInstanceUID, renamed);
    assert.deepEqual(instances[renamed]!.ImageFrames, document.Study.Series[target.series]!.Instances[target.sop]!.ImageFrames);
    const versions = (await client.send(new ListImageSetVersionsCommand({ datastoreId, imageSetId: copyC }))).imageSetPropertiesList!;
    assert.deepEqual(versions.find((x) => x.versionId === response.latestVersionId)!.overrides, { forced: true });
    assert.equal(versions.find((x) => x.versionId === v)!.overrides, undefined);

    // force also lifts the §6.6 constraints on non-primary image sets, and adds private elements with their VR.
    const long = 'L'.repeat(300);
    await rejects(update(copyC, response.latestVersionId!, { updatable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: long } } } }), ValidationException, /exceeds 256/);
    const sop = renamed;
    const privatePatch = { SchemaVersion: 1.1, Study: { Series: { [target.series]: { Instances: { [sop]: { DICOM: { '001910F9': '97' }, DICOMVRs: { '001910F9': 'DS' } } } } } } };
    await rejects(update(copyC, response.latestVersionId!, { updatable: privatePatch }), ValidationException, /requires force/);
    const noVr = { SchemaVersion: 1.1, Study: { Series: { [target.series]: { Instances: { [sop]: { DICOM: { '001910F9': '97' } } } } } } };
    await rejects(update(copyC, response.latestVersionId!, { updatable: noVr }, true), ValidationException, /VR/);
    const forced = await update(copyC, response.latestVersionId!, { updatable: { ...privatePatch, Patient: { DICOM: { PatientName: long } } } }, true);
    assert.equal((await settled(client, datastoreId, copyC)).imageSetWorkflowStatus, 'UPDATED');
    const withPrivate = await metadataOf(client, datastoreId, copyC, forced.latestVersionId!);
    assert.equal(withPrivate.Patient.DICOM.PatientName, long);
    assert.equal(withPrivate.Study.Series[target.series]!.Instances[sop]!.DICOM['001910F9'], '97');
    assert.equal(withPrivate.Study.Series[target.series]!.Instances[sop]!.DICOMVRs!['001910F9'], 'DS');
  });

  it('keeps primary image sets consistent: no Patient/Series edits, no Study edits beside siblings, no identity changes', async () => {
    const series = Object.keys((await metadataOf(client, datastoreId, primaryA)).Study.Series)[0]!;
    await rejects(update(primaryA, '1', { updatable: { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } } }), ValidationException, /Patient-level/);
    await rejects(update(primaryA, '1', { updatable: { SchemaVersion: 1.1, Study: { Series: { [series]: { DICOM: { SeriesDescription: 'X' } } } } } }), ValidationException, /Series-level/);
    await rejects(update(primaryA, '1', { updatable: { SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'X' } } } }), ValidationException, /includeStudyImageSets/);
    await rejects(update(primaryA, '1', { updatable: { SchemaVersion: 1.1, Study: { DICOM: { StudyInstanceUID: '1.2.3' } } } }, true), ValidationException, /primary/);
    assert.equal(await latestOf(primaryA), '1');
  });

  it('propagates Patient and Study edits to every primary image set of the study with includeStudyImageSets', async () => {
    const before1 = await metadataOf(client, datastoreId, primaryB);
    const patch = { SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'STUDY^WIDE' } }, Study: { DICOM: { StudyDescription: 'CONSISTENT' } } };
    // JS SDK 3.958 has no includeStudyImageSets member: the query parameter is sent by hand.
    const response = await signedFetch(server.port, {
      method: 'POST',
      path: `/datastore/${datastoreId}/imageSet/${primaryA}/updateImageSetMetadata`,
      query: { latestVersion: '1', includeStudyImageSets: 'true' },
      body: JSON.stringify({ DICOMUpdates: { updatableAttributes: Buffer.from(JSON.stringify(patch)).toString('base64') } }),
    });
    assert.equal(response.status, 200, response.text);
    assert.equal((response.json() as { latestVersionId: string }).latestVersionId, '2');
    const doneA = await settled(client, datastoreId, primaryA);
    const doneB = await settled(client, datastoreId, primaryB);
    assert.deepEqual([doneA.imageSetWorkflowStatus, doneA.versionId, doneB.imageSetWorkflowStatus, doneB.versionId], ['UPDATED', '2', 'UPDATED', '2']);
    const a = await metadataOf(client, datastoreId, primaryA);
    const b = await metadataOf(client, datastoreId, primaryB);
    assert.deepEqual(b.Patient, a.Patient);
    assert.deepEqual(b.Study.DICOM, a.Study.DICOM);
    assert.equal(b.Study.DICOM.StudyDescription, 'CONSISTENT');
    assert.deepEqual(b.Study.Series, before1.Study.Series, 'the sibling keeps its series');
    // Reverting one of them alone would break study consistency (§11.4); revert cannot carry includeStudyImageSets.
    await rejects(update(primaryA, '2', { revert: '1' }), ConflictException, /differ/);
    const revertAll = await signedFetch(server.port, {
      method: 'POST',
      path: `/datastore/${datastoreId}/imageSet/${primaryA}/updateImageSetMetadata`,
      query: { latestVersion: '2', includeStudyImageSets: 'true' },
      body: JSON.stringify({ revertToVersionId: '1' }),
    });
    assert.equal(revertAll.status, 400, revertAll.text);
    assert.match(revertAll.text, /includeStudyImageSets/);
    assert.equal(await latestOf(primaryA), '2');
    // Without the flag, includeStudyImageSets on a non-primary image set is refused.
    const bad = await signedFetch(server.port, {
      method: 'POST',
      path: `/datastore/${datastoreId}/imageSet/${copyC}/updateImageSetMetadata`,
      query: { latestVersion: await latestOf(copyC), includeStudyImageSets: 'true' },
      body: JSON.stringify({ DICOMUpdates: { updatableAttributes: Buffer.from(JSON.stringify(patch)).toString('base64') } }),
    });
    assert.equal(bad.status, 400);
  });

  it('validates the request: union, blobs, schema, keys, managed and pixel elements, targets, payload quota', async () => {
    const v = await latestOf(copyC);
    const document: MetadataDocument = await metadataOf(client, datastoreId, copyC);
    const { series, sop } = instancesOf(document)[0]!;
    const cases: [string, unknown, RegExp][] = [
      ['no SchemaVersion', { Patient: { DICOM: { PatientName: 'X' } } }, /SchemaVersion/],
      ['unknown keyword', { SchemaVersion: 1.1, Patient: { DICOM: { PatientNayme: 'X' } } }, /not a DICOM keyword/],
      ['wrong level', { SchemaVersion: 1.1, Patient: { DICOM: { StudyDescription: 'X' } } }, /Study-level/],
      ['pixel element', { SchemaVersion: 1.1, Study: { Series: { [series]: { Instances: { [sop]: { DICOM: { Rows: 1 } } } } } } }, /pixel data/],
      ['managed member', { SchemaVersion: 1.1, Study: { Series: { [series]: { Instances: { [sop]: { ImageFrames: [] } } } } } }, /managed/],
      ['unknown series', { SchemaVersion: 1.1, Study: { Series: { '1.2.3.4': { DICOM: { SeriesDescription: 'X' } } } } }, /not in the image set/],
      ['unknown instance', { SchemaVersion: 1.1, Study: { Series: { [series]: { Instances: { '1.2.3.4': { DICOM: { InstanceNumber: '1' } } } } } } }, /not in series/],
      ['top-level member', { SchemaVersion: 1.1, ImageSetID: 'x' }, /unexpected member/],
      ['keyword as hex', { SchemaVersion: 1.1, Patient: { DICOM: { '00100010': 'X' } } }, /keyword PatientName/],
      ['not JSON', 'not json', /not valid JSON/],
    ];
    for (const [name, patch, message] of cases) {
      const bytes = typeof patch === 'string' ? new TextEncoder().encode(patch) : blob(patch);
      await assert.rejects(
        client.send(new UpdateImageSetMetadataCommand({ datastoreId, imageSetId: copyC, latestVersionId: v, updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: bytes } } })),
        (error: Error) => error instanceof ValidationException && message.test(error.message),
        name,
      );
    }
    const big = { SchemaVersion: 1.1, Study: { DICOM: { StudyComments: 'x'.repeat(10_100) } } };
    await rejects(update(copyC, v, { updatable: big }), ValidationException, /payload quota/);

    const raw = (body: unknown) =>
      signedFetch(server.port, { method: 'POST', path: `/datastore/${datastoreId}/imageSet/${copyC}/updateImageSetMetadata`, query: { latestVersion: v }, body: JSON.stringify(body) });
    for (const body of [{}, { DICOMUpdates: { updatableAttributes: 'e30=' }, revertToVersionId: '1' }, { DICOMUpdates: {} }, { DICOMUpdates: { updatableAttributes: '***' } }, { revertToVersionId: 'x' }]) {
      const response = await raw(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.headers.get('x-amzn-errortype')?.split(':')[0], 'ValidationException');
    }
    assert.equal(await latestOf(copyC), v, 'nothing was written');
  });

  it('refuses writes while the image set is locked', async () => {
    const slow = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '20', TESSERA_IMAGE_SET_CHANGE_DELAY_MS: '1500', TESSERA_MAX_CONCURRENT_UPDATES: '1' } });
    try {
      const slowClient = slow.client();
      const ds = await activeDatastore(slowClient, 'locks');
      const [placed] = await importFiles(slow, slowClient, ds, 'one', (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/CT2N/')));
      const id = placed!.imageSetId;
      const copy = await slowClient.send(new CopyImageSetCommand({ datastoreId: ds, sourceImageSetId: id, copyImageSetInformation: { sourceImageSet: { latestVersionId: '1' } } }));
      const target = copy.destinationImageSetProperties!.imageSetId!;
      assert.equal((await slowClient.send(new GetImageSetCommand({ datastoreId: ds, imageSetId: id }))).imageSetWorkflowStatus, 'COPYING_WITH_READ_ONLY_ACCESS');
      // The source is readable but not writable while it is copied.
      assert.ok((await metadataOf(slowClient, ds, id)).Study);
      await assert.rejects(
        slowClient.send(new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: id, latestVersionId: '1', updateImageSetMetadataUpdates: { revertToVersionId: '1' } })),
        ConflictException,
      );
      const source = await settled(slowClient, ds, id);
      assert.deepEqual([source.imageSetState, source.imageSetWorkflowStatus, source.versionId], ['ACTIVE', 'IMPORTED', '1']);
      assert.equal((await settled(slowClient, ds, target)).imageSetWorkflowStatus, 'COPIED');
      await slowClient.send(
        new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: target, latestVersionId: '1', updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'A' } } }) } } }),
      );
      await assert.rejects(
        slowClient.send(new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: target, latestVersionId: '1', updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'B' } } }) } } })),
        ConflictException,
      );
      // This server allows one running update per data store: another image set's update waits its turn.
      await assert.rejects(
        slowClient.send(
          new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: id, latestVersionId: '1', updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'Q' } } }) } } }),
        ),
        ServiceQuotaExceededException,
      );
      assert.equal((await settled(slowClient, ds, target)).versionId, '2');

      // Every transition went into the outbox as an EventBridge event (§17).
      const feed = (await signedFetch(slow.port, { method: 'GET', path: '/events', query: { limit: '1000' } })).json() as { events: { event: { 'detail-type': string; detail: { imageSetId: string; imageSetWorkflowStatus: string } } }[] };
      const seen = feed.events.map((e) => `${e.event['detail-type']}|${e.event.detail.imageSetId}|${e.event.detail.imageSetWorkflowStatus}`);
      for (const expected of [
        `Image Set Copying With Read Only Access|${id}|COPYING_WITH_READ_ONLY_ACCESS`,
        `Image Set Copying|${target}|COPYING`,
        `Image Set Copied|${target}|COPIED`,
        `Image Set Updating|${target}|UPDATING`,
        `Image Set Updated|${target}|UPDATED`,
      ]) {
        assert.ok(seen.includes(expected), `missing ${expected} in ${seen.join(', ')}`);
      }

      // An import that extends a primary image set while it is LOCKED waits for the update, then adds its version.
      // (An instance-level edit: a Study-level one would make the re-imported files conflict, and go non-primary.)
      const { series, sop } = instancesOf(await metadataOf(slowClient, ds, id))[0]!;
      const instanceEdit = { SchemaVersion: 1.1, Study: { Series: { [series]: { Instances: { [sop]: { DICOM: { ImageComments: 'WAITED' } } } } } } };
      await slowClient.send(
        new UpdateImageSetMetadataCommand({ datastoreId: ds, imageSetId: id, latestVersionId: '1', updateImageSetMetadataUpdates: { DICOMUpdates: { updatableAttributes: blob(instanceEdit) } } }),
      );
      const [again] = await importFiles(slow, slowClient, ds, 'again', (await corpusFiles()).filter((f) => f.path.startsWith('studies/pcir/98892001/CT2N/')));
      assert.deepEqual([again!.imageSetId, String(again!.imageSetVersion)], [id, '3']);
      const final = await settled(slowClient, ds, id);
      assert.deepEqual([final.versionId, final.imageSetWorkflowStatus], ['3', 'IMPORTED']);
      assert.equal((await metadataOf(slowClient, ds, id, '2')).Study.Series[series]!.Instances[sop]!.DICOM.ImageComments, 'WAITED');
    } finally {
      await slow.dispose();
    }
  });
});
