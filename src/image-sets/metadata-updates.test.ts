import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationException } from '../api/index.js';
import { copyInconsistency, countSelectedFrames, mergeCopy, newCopyDocument, selectForCopy } from './copy-documents.js';
import type { ImageSetMetadataDocument } from './metadata-document-types.js';
import { parseMetadataPatch } from './metadata-patch.js';
import { applyMetadataUpdates, type MetadataUpdateContext } from './metadata-updates.js';

const SERIES = '1.2.3.1';
const frame = (id: string) => ({ ID: id, PixelDataChecksumFromBaseToFullResolution: [{ Width: 4, Height: 4, Checksum: 1 }], FrameSizeInBytes: 10 });

function document(): ImageSetMetadataDocument {
  return {
    SchemaVersion: '1.1',
    DatastoreID: 'd'.repeat(32),
    ImageSetID: 'i'.repeat(32),
    Patient: { DICOM: { PatientName: 'DOE^JANE', PatientID: 'P1' } },
    Study: {
      DICOM: { StudyInstanceUID: '1.2.3', StudyDescription: 'CHEST', StudyID: '7' },
      Series: {
        [SERIES]: {
          DICOM: { SeriesInstanceUID: SERIES, Modality: 'CT' },
          Instances: {
            '1.2.3.1.1': { DICOM: { SOPInstanceUID: '1.2.3.1.1', InstanceNumber: '1', '00091001': 'A' }, DICOMVRs: { '00091001': 'LO' }, ImageFrames: [frame('f1')] },
            '1.2.3.1.2': { DICOM: { SOPInstanceUID: '1.2.3.1.2', InstanceNumber: '2' }, DICOMVRs: {}, ImageFrames: [frame('f2')] },
          },
        },
      },
    },
  };
}

const NON_PRIMARY: MetadataUpdateContext = { force: false, isPrimary: false, hasStudySiblings: false, includeStudyImageSets: false };
const update = (patch: unknown, context = NON_PRIMARY, base = document()) =>
  applyMetadataUpdates(base, { removable: undefined, updatable: parseMetadataPatch(JSON.stringify(patch), 'updatableAttributes', 'update') }, context);
const remove = (patch: unknown, context = NON_PRIMARY, base = document()) =>
  applyMetadataUpdates(base, { removable: parseMetadataPatch(JSON.stringify(patch), 'removableAttributes', 'remove'), updatable: undefined }, context);
const invalid = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: Error) => e instanceof ValidationException && message.test(e.message));

describe('applyMetadataUpdates', () => {
  it('merges keys, replaces arrays whole, sets null, leaves the input untouched', () => {
    const base = document();
    const result = update({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X', OtherPatientNames: ['A', 'B'], PatientComments: null } } }, NON_PRIMARY, base);
    assert.equal(result.kind, 'updated');
    if (result.kind !== 'updated') return;
    assert.deepEqual(result.document.Patient.DICOM, { PatientName: 'X', PatientID: 'P1', OtherPatientNames: ['A', 'B'], PatientComments: null });
    assert.equal(result.patientAndStudyChanged, true);
    assert.deepEqual(base, document());
  });

  it('removes named values only when they match; an instance or series goes with {}', () => {
    const removed = remove({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'CHEST' } } });
    assert.ok(removed.kind === 'updated' && !('StudyDescription' in removed.document.Study.DICOM));
    const mismatch = remove({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'HEAD' } } });
    assert.deepEqual(mismatch, { kind: 'failed', message: 'Element StudyDescription to remove does not match the stored value' });
    const instance = remove({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.1': {} } } } } });
    assert.ok(instance.kind === 'updated');
    assert.deepEqual(Object.keys(instance.document.Study.Series[SERIES]!.Instances), ['1.2.3.1.2']);
    const series = remove({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: {} } } });
    assert.ok(series.kind === 'updated' && Object.keys(series.document.Study.Series).length === 0);
  });

  it('re-keys a changed SOP Instance UID (force, non-primary) and keeps its frames; refuses duplicates', () => {
    const patch = { SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.1': { DICOM: { SOPInstanceUID: '1.2.3.1.9' } } } } } } };
    invalid(() => update(patch), /requires force=true/);
    const result = update(patch, { ...NON_PRIMARY, force: true });
    assert.ok(result.kind === 'updated');
    assert.deepEqual(Object.keys(result.document.Study.Series[SERIES]!.Instances), ['1.2.3.1.9', '1.2.3.1.2']);
    assert.deepEqual(result.document.Study.Series[SERIES]!.Instances['1.2.3.1.9']!.ImageFrames, [frame('f1')]);
    assert.deepEqual(result.renamedInstances, [{ from: '1.2.3.1.1', to: '1.2.3.1.9' }]);
    const clash = { SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.1': { DICOM: { SOPInstanceUID: '1.2.3.1.2' } } } } } } };
    invalid(() => update(clash, { ...NON_PRIMARY, force: true }), /already exists/);
    invalid(() => update(patch, { ...NON_PRIMARY, force: true, isPrimary: true }), /primary image set cannot be changed/);
  });

  it('applies the primary-image-set level rules', () => {
    const primary = { ...NON_PRIMARY, isPrimary: true };
    invalid(() => update({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } }, primary), /includeStudyImageSets/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { DICOM: { Modality: 'MR' } } } } }, primary), /Series-level/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'X' } } }, { ...primary, hasStudySiblings: true }), /Other primary image sets/);
    assert.equal(update({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'X' } } }, primary).kind, 'updated');
    assert.equal(update({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } }, { ...primary, hasStudySiblings: true, includeStudyImageSets: true }).kind, 'updated');
    invalid(() => update({ SchemaVersion: 1.1, Patient: { DICOM: { PatientName: 'X' } } }, { ...NON_PRIMARY, includeStudyImageSets: true }), /primary image sets only/);
  });

  it('checks §6.6 values unless force on a non-primary set, and VRs of private elements', () => {
    invalid(() => update({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'x'.repeat(65) } } }), /exceeds 64/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { DICOM: { SeriesNumber: '99999999999' } } } } }), /32-bit/);
    assert.equal(update({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: 'x'.repeat(65) } } }, { ...NON_PRIMARY, force: true }).kind, 'updated');
    // An existing private element keeps its stored VR; a new one needs one.
    const existing = update({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.1': { DICOM: { '00091001': 'B' } } } } } } }, { ...NON_PRIMARY, force: true });
    assert.ok(existing.kind === 'updated' && existing.document.Study.Series[SERIES]!.Instances['1.2.3.1.1']!.DICOMVRs!['00091001'] === 'LO');
    invalid(() => update({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.2': { DICOM: { '00091001': 'B' } } } } } } }, { ...NON_PRIMARY, force: true }), /VR/);
  });

  it('refuses unknown keywords, misplaced levels, pixel and managed elements, bad shapes', () => {
    invalid(() => parseMetadataPatch('{"Patient":{}}', 'u', 'update'), /SchemaVersion/);
    invalid(() => parseMetadataPatch('{"SchemaVersion":"1.1","Study":{"Series":{"x":{}}}}', 'u', 'update'), /not a UID/);
    invalid(() => parseMetadataPatch(`{"SchemaVersion":1.1,"Study":{"Series":{"${SERIES}":{"Instances":{"1.2":{"StoredTransferSyntaxUID":"1"}}}}}}`, 'u', 'update'), /managed/);
    invalid(() => update({ SchemaVersion: 1.1, Patient: { DICOM: { Nonsense: 'X' } } }), /not a DICOM keyword/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { DICOM: { PatientName: 'X' } } }), /Patient-level/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.1': { DICOM: { BitsStored: 8 } } } } } } }), /pixel data/);
    invalid(() => update({ SchemaVersion: 1.1, Study: { DICOM: { StudyDescription: { nested: true } } } }), /sequence/);
    invalid(() => remove({ SchemaVersion: 1.1, Study: { DICOM: { StudyInstanceUID: '1.2.3' } } }), /cannot be removed/);
  });
});

describe('copy documents', () => {
  it('selects instances, counts frames, builds a new document and merges into a destination', () => {
    const source = document();
    const selection = selectForCopy(source, parseMetadataPatch(JSON.stringify({ SchemaVersion: '1.1', Study: { Series: { [SERIES]: { Instances: { '1.2.3.1.2': {} } } } } }), 'c', 'copy'));
    assert.equal(countSelectedFrames(selection), 1);
    const fresh = newCopyDocument(source, 'n'.repeat(32), selection);
    assert.equal(fresh.ImageSetID, 'n'.repeat(32));
    assert.deepEqual(Object.keys(fresh.Study.Series[SERIES]!.Instances), ['1.2.3.1.2']);
    assert.equal(countSelectedFrames(selectForCopy(source, undefined)), 2);
    invalid(() => selectForCopy(source, parseMetadataPatch(JSON.stringify({ SchemaVersion: 1.1, Study: { Series: { '9.9': {} } } }), 'c', 'copy')), /not in the source/);

    const destination = { ...document(), Study: { ...document().Study, Series: { [SERIES]: { ...document().Study.Series[SERIES]!, Instances: { '1.2.3.1.1': document().Study.Series[SERIES]!.Instances['1.2.3.1.1']! } } } } };
    assert.equal(copyInconsistency(source, destination, selection), undefined);
    const merged = mergeCopy(destination, selection);
    assert.ok(merged.kind === 'merged');
    assert.deepEqual(Object.keys(merged.document.Study.Series[SERIES]!.Instances), ['1.2.3.1.1', '1.2.3.1.2']);
    assert.deepEqual(mergeCopy(merged.document, selection), { kind: 'failed', message: 'SOP instance 1.2.3.1.2 already exists in the destination image set' });
    const otherPatient = { ...destination, Patient: { DICOM: { PatientName: 'OTHER' } } };
    assert.match(copyInconsistency(source, otherPatient, selection)!, /Patient-level/);
  });
});
