import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from '../dicom/dicom-json.js';
import { buildMetadataDocument, type ImageSetMetadataDocument } from './metadata-document.js';
import { dicomTagsSummary } from './dicom-tags-summary.js';

const el = (vr: string, ...values: DicomJsonValue[]): DicomJsonElement => (values.length === 0 ? { vr } : { vr, Value: values });

function documentOf(...datasets: DicomJsonDataset[]): ImageSetMetadataDocument {
  return buildMetadataDocument(
    'd'.repeat(32),
    'i'.repeat(32),
    datasets.map((dataset) => ({ dataset, fileMeta: {}, storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202', frames: [] })),
  );
}

const full: DicomJsonDataset = {
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
  '00100020': el('LO', 'SUBJECT08701'),
  '00100030': el('DA', '19700101'),
  '00100040': el('CS', 'F'),
  '0020000D': el('UI', '1.2.840.99999999.84710745.943275268089'),
  '00200010': el('SH', '2011201407'),
  '00081030': el('LO', 'CT CHEST'),
  '00080050': el('SH', 'ACC-1'),
  '00080020': el('DA', '19991122'),
  '00080030': el('TM', '140728'),
  '0020000E': el('UI', '1.2.840.99999999.1.2'),
  '00080060': el('CS', 'CT'),
  '00180015': el('CS', 'CHEST'),
  '00200011': el('IS', '3 '),
  '00080018': el('UI', '1.2.840.99999999.1.2.3'),
};

test('all DICOMTags fields, from the Patient, Study and Series levels of the document (§14)', () => {
  const summary = dicomTagsSummary(documentOf(full, { ...full, '00080018': el('UI', '1.2.840.99999999.1.2.4') }));
  assert.deepEqual(summary, {
    DICOMPatientId: 'SUBJECT08701',
    DICOMPatientName: 'Doe^Jane',
    DICOMPatientBirthDate: '19700101',
    DICOMPatientSex: 'F',
    DICOMStudyInstanceUID: '1.2.840.99999999.84710745.943275268089',
    DICOMStudyId: '2011201407',
    DICOMStudyDescription: 'CT CHEST',
    DICOMNumberOfStudyRelatedSeries: 1,
    DICOMNumberOfStudyRelatedInstances: 2,
    DICOMAccessionNumber: 'ACC-1',
    DICOMSeriesInstanceUID: '1.2.840.99999999.1.2',
    DICOMSeriesModality: 'CT',
    DICOMSeriesBodyPart: 'CHEST',
    DICOMSeriesNumber: 3,
    DICOMStudyDate: '19991122',
    DICOMStudyTime: '140728',
  });
});

test('absent, null and empty elements give no field; the counts are always present', () => {
  const summary = dicomTagsSummary(
    documentOf({ '0020000E': el('UI', '1.2.3'), '00080018': el('UI', '1.2.3.4'), '00100010': el('PN'), '00200011': el('IS'), '00080020': el('DA', '') }),
  );
  assert.deepEqual(summary, { DICOMNumberOfStudyRelatedSeries: 1, DICOMNumberOfStudyRelatedInstances: 1, DICOMSeriesInstanceUID: '1.2.3' });
});

test('SeriesNumber: int32 from the IS string; non-integers and out-of-range values are left out', () => {
  const number = (value: DicomJsonValue) => dicomTagsSummary(documentOf({ ...full, '00200011': el('IS', value) })).DICOMSeriesNumber;
  assert.equal(number(' -12 '), -12);
  assert.equal(number(7), 7);
  assert.equal(number('2147483647'), 2147483647);
  assert.equal(number('2147483648'), undefined);
  assert.equal(number('1.5'), undefined);
  assert.equal(number('abc'), undefined);
});

test('values breaking the contract (length, UID pattern) are left out rather than truncated', () => {
  const summary = dicomTagsSummary(
    documentOf({ ...full, '00080020': el('DA', '2'.repeat(37)), '00080060': el('CS', 'M'.repeat(33)), '0020000D': el('UI', '1.2.abc') }),
  );
  assert.equal(summary.DICOMStudyDate, undefined);
  assert.equal(summary.DICOMSeriesModality, undefined);
  assert.equal(summary.DICOMStudyInstanceUID, undefined);
  assert.equal(summary.DICOMStudyTime, '140728');
});

test('the first series gives the series fields; counts cover every series of the document', () => {
  const second = { ...full, '0020000E': el('UI', '1.2.840.99999999.1.9'), '00080060': el('CS', 'MR'), '00080018': el('UI', '1.2.840.99999999.1.9.1') };
  const summary = dicomTagsSummary(documentOf(full, second));
  assert.equal(summary.DICOMSeriesInstanceUID, '1.2.840.99999999.1.2');
  assert.equal(summary.DICOMSeriesModality, 'CT');
  assert.equal(summary.DICOMNumberOfStudyRelatedSeries, 2);
  assert.equal(summary.DICOMNumberOfStudyRelatedInstances, 2);
});

test('works on documents edited after import (multi-valued or numeric values) and on an empty document', () => {
  const edited = documentOf(full) as unknown as { Patient: { DICOM: Record<string, unknown> }; Study: { DICOM: Record<string, unknown> } };
  edited.Patient.DICOM['PatientName'] = ['A^B', 'C^D'];
  edited.Study.DICOM['StudyID'] = 42;
  const summary = dicomTagsSummary(edited as unknown as ImageSetMetadataDocument);
  assert.equal(summary.DICOMPatientName, 'A^B\\C^D');
  assert.equal(summary.DICOMStudyId, '42');
  assert.deepEqual(dicomTagsSummary(documentOf()), { DICOMNumberOfStudyRelatedSeries: 0, DICOMNumberOfStudyRelatedInstances: 0 });
});
