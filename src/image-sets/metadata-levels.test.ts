import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from '../dicom/dicom-json.js';
import { tagOf } from '../dicom/dictionary.js';
import { buildMetadataDocument } from './metadata-document.js';
import {
  levelOfKeyword,
  levelOfTag,
  levelsEqual,
  levelsOfDocument,
  normalizedLevels,
  PATIENT_LEVEL_KEYWORDS,
  SERIES_LEVEL_KEYWORDS,
  STUDY_LEVEL_KEYWORDS,
} from './metadata-levels.js';

const el = (vr: string, ...values: DicomJsonValue[]): DicomJsonElement => (values.length === 0 ? { vr } : { vr, Value: values });

const dataset: DicomJsonDataset = {
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
  '00100020': el('LO', 'P1'),
  '00100030': el('DA'),
  '00120062': el('CS', 'YES'),
  '00101040': el('LO', 'Somewhere 1'),
  '0020000D': el('UI', '1.2.3'),
  '00080020': el('DA', '20250314'),
  '00080050': el('SH', 'ACC1'),
  '00101010': el('AS', '055Y'),
  '00101030': el('DS', 64.5),
  '00081032': el('SQ', { '00080100': el('SH', '71250') }),
  '0020000E': el('UI', '1.2.3.4'),
  '00080060': el('CS', 'CT'),
  '00200011': el('IS', '3 '),
  '00181020': el('LO', 'VA40'),
  '00400244': el('DA', '20250314'),
  '00180050': el('DS', 1.25),
  '00080005': el('CS', 'ISO_IR 100'),
  '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
  '00080018': el('UI', '1.2.3.4.5'),
  '00090010': el('LO', 'PRIVATE'),
};

test('every level keyword is a dictionary keyword, and no keyword is on two levels', () => {
  const all = [...PATIENT_LEVEL_KEYWORDS, ...STUDY_LEVEL_KEYWORDS, ...SERIES_LEVEL_KEYWORDS];
  for (const keyword of all) assert.ok(tagOf(keyword), `${keyword} is in the dictionary`);
  assert.equal(new Set(all).size, all.length);
});

test('level placement follows §6.3 (observed placements included)', () => {
  for (const k of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'OtherPatientIDsSequence', 'PatientComments', 'PatientIdentityRemoved', 'DeidentificationMethod', 'DeidentificationMethodCodeSequence', 'ClinicalTrialSubjectID']) {
    assert.equal(levelOfKeyword(k), 'Patient', k);
  }
  for (const k of ['StudyInstanceUID', 'StudyDate', 'StudyTime', 'AccessionNumber', 'ReferringPhysicianName', 'StudyID', 'StudyDescription', 'PatientWeight', 'PatientSize', 'PatientAge', 'ProcedureCodeSequence']) {
    assert.equal(levelOfKeyword(k), 'Study', k);
  }
  for (const k of ['DeviceSerialNumber', 'FrameOfReferenceUID', 'Manufacturer', 'ManufacturerModelName', 'Modality', 'PositionReferenceIndicator', 'SeriesDate', 'SeriesInstanceUID', 'SeriesNumber', 'SeriesTime', 'SoftwareVersions', 'ProtocolName', 'BodyPartExamined', 'SeriesDescription', 'Laterality', 'PerformedProcedureStepStartDate']) {
    assert.equal(levelOfKeyword(k), 'Series', k);
  }
  for (const k of ['SOPInstanceUID', 'SOPClassUID', 'SpecificCharacterSet', 'TransferSyntaxUID', 'SliceThickness', 'InstanceNumber', 'ImageType', '00191001']) {
    assert.equal(levelOfKeyword(k), 'Instance', k);
  }
  assert.equal(levelOfTag('00100010'), 'Patient');
  assert.equal(levelOfTag('0020000d'), 'Study');
  assert.equal(levelOfTag('0020000E'), 'Series');
  assert.equal(levelOfTag('00020010'), 'Instance');
  assert.equal(levelOfTag('00090010'), 'Instance');
});

test('normalizedLevels: the §6.4-encoded Patient / Study / Series elements of one instance', () => {
  assert.deepEqual(normalizedLevels(dataset), {
    patient: { PatientName: 'DOE^JANE', PatientID: 'P1', PatientBirthDate: null, PatientIdentityRemoved: 'YES', PatientAddress: 'Somewhere 1' },
    study: { StudyInstanceUID: '1.2.3', StudyDate: '20250314', AccessionNumber: 'ACC1', PatientAge: '055Y', PatientWeight: '64.5', ProcedureCodeSequence: [{ CodeValue: '71250' }] },
    series: { SeriesInstanceUID: '1.2.3.4', Modality: 'CT', SeriesNumber: '3 ', SoftwareVersions: ['VA40'], PerformedProcedureStepStartDate: '20250314' },
  });
});

test('levelsOfDocument returns what normalizedLevels gives for the instance the document was built from', () => {
  const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [{ dataset, fileMeta: {}, storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202', frames: [] }]);
  const fromDocument = levelsOfDocument(document);
  const fromInstance = normalizedLevels(dataset);
  assert.ok(levelsEqual(fromDocument.patient, fromInstance.patient));
  assert.ok(levelsEqual(fromDocument.study, fromInstance.study));
  assert.ok(levelsEqual(fromDocument.series, fromInstance.series));
  assert.deepEqual(fromDocument, fromInstance);
  // After a JSON round trip (as stored) too.
  assert.deepEqual(levelsOfDocument(JSON.parse(JSON.stringify(document))), fromInstance);
});

test('levelsOfDocument of a document without series has an empty series level', () => {
  const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), []);
  assert.deepEqual(levelsOfDocument(document), { patient: {}, study: {}, series: {} });
});

test('levelsEqual: absent vs null / "" / [] compare equal; key order is irrelevant', () => {
  assert.ok(levelsEqual({ PatientName: 'A', PatientComments: null }, { PatientName: 'A' }));
  assert.ok(levelsEqual({ PatientName: 'A' }, { PatientName: 'A', OtherPatientNames: [] }));
  assert.ok(levelsEqual({ PatientName: 'A', PatientSex: '' }, { PatientSex: null, PatientName: 'A' }));
  assert.ok(levelsEqual({}, {}));
});

test('levelsEqual: different values, arrays and sequences differ; nested items use the same rules', () => {
  assert.equal(levelsEqual({ PatientName: 'A' }, { PatientName: 'B' }), false);
  assert.equal(levelsEqual({ PatientName: 'A' }, {}), false);
  assert.equal(levelsEqual({ SoftwareVersions: ['1'] }, { SoftwareVersions: ['1', '2'] }), false);
  assert.equal(levelsEqual({ SoftwareVersions: ['1'] }, { SoftwareVersions: '1' }), false);
  assert.equal(levelsEqual({ SeriesNumber: '3 ' }, { SeriesNumber: '3' }), false, 'strings compare exactly');
  assert.equal(levelsEqual({ SeriesNumber: '3' }, { SeriesNumber: 3 }), false);
  assert.ok(levelsEqual({ OtherPatientIDsSequence: [{ PatientID: 'X', IssuerOfPatientID: null }] }, { OtherPatientIDsSequence: [{ PatientID: 'X' }] }));
  assert.equal(levelsEqual({ OtherPatientIDsSequence: [{ PatientID: 'X' }] }, { OtherPatientIDsSequence: [{ PatientID: 'Y' }] }), false);
  assert.equal(levelsEqual({ OtherPatientIDsSequence: [{ PatientID: 'X' }] }, { OtherPatientIDsSequence: [{ PatientID: 'X' }, {}] }), false);
});

test('normalizedLevels of two instances differing only at instance level are equal; a PatientName change is not', () => {
  const other = { ...dataset, '00080018': el('UI', '1.2.3.4.6'), '00200013': el('IS', 2), '00180050': el('DS', 5) };
  const a = normalizedLevels(dataset);
  const b = normalizedLevels(other);
  assert.ok(levelsEqual(a.patient, b.patient) && levelsEqual(a.study, b.study) && levelsEqual(a.series, b.series));
  const renamed = normalizedLevels({ ...dataset, '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN' }] } });
  assert.equal(levelsEqual(a.patient, renamed.patient), false);
  // An element empty in one instance and absent in the other does not conflict.
  const { '00100030': _birthDate, ...withoutBirthDate } = dataset;
  assert.ok(levelsEqual(a.patient, normalizedLevels(withoutBirthDate).patient));
});
