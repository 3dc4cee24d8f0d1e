import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from '../dicom/dicom-json.js';
import { checkElementConstraints } from './element-constraints.js';

const el = (vr: string, ...values: DicomJsonValue[]): DicomJsonElement => (values.length === 0 ? { vr } : { vr, Value: values });

const valid: DicomJsonDataset = {
  '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
  '00080018': el('UI', '1.2.826.0.1.3680043.8.498.10004'),
  '0020000D': el('UI', '1.2.826.0.1.3680043.8.498.10001'),
  '0020000E': el('UI', '1.2.826.0.1.3680043.8.498.10002'),
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
  '00100020': el('LO', 'MRN000123'),
  '00100030': el('DA', '19700101'),
  '00100040': el('CS', 'F'),
  '00200010': el('SH', '4711'),
  '00081030': el('LO', 'CT CHEST'),
  '00080050': el('SH', 'ACC'),
  '00080020': el('DA', '20250314'),
  '00080030': el('TM', '101530.250'),
  '00080060': el('CS', 'CT'),
  '00180015': el('CS', 'CHEST'),
  '00200011': el('IS', 3),
};

test('a conforming data set has no errors and no warnings', () => {
  assert.deepEqual(checkElementConstraints(valid), { errors: [], warnings: [] });
});

test('missing or empty required attributes: "DICOM attribute <Keyword> does not exist"', () => {
  const { '00080018': _sop, '00080016': _class, ...rest } = valid;
  const result = checkElementConstraints({ ...rest, '0020000E': el('UI', '') });
  assert.deepEqual(result.errors, [
    'DICOM attribute SeriesInstanceUID does not exist',
    'DICOM attribute SOPInstanceUID does not exist',
    'DICOM attribute SOPClassUID does not exist',
  ]);
  assert.deepEqual(checkElementConstraints({}).errors, [
    'DICOM attribute StudyInstanceUID does not exist',
    'DICOM attribute SeriesInstanceUID does not exist',
    'DICOM attribute SOPInstanceUID does not exist',
    'DICOM attribute SOPClassUID does not exist',
  ]);
});

test('§6.6 length limits are errors naming the keyword', () => {
  const cases: [string, DicomJsonElement, string][] = [
    ['00100010', { vr: 'PN', Value: [{ Alphabetic: 'A'.repeat(200), Ideographic: 'B'.repeat(60) }] }, 'DICOM attribute PatientName exceeds 256 characters'],
    ['00100020', el('LO', 'P'.repeat(257)), 'DICOM attribute PatientID exceeds 256 characters'],
    ['00100040', el('CS', 'S'.repeat(17)), 'DICOM attribute PatientSex exceeds 16 characters'],
    ['0020000D', el('UI', '1.' + '2'.repeat(255)), 'DICOM attribute StudyInstanceUID exceeds 256 characters'],
    ['00200010', el('SH', 'I'.repeat(17)), 'DICOM attribute StudyID exceeds 16 characters'],
    ['00081030', el('LO', 'D'.repeat(65)), 'DICOM attribute StudyDescription exceeds 64 characters'],
    ['00080050', el('SH', 'A'.repeat(257)), 'DICOM attribute AccessionNumber exceeds 256 characters'],
    ['0020000E', el('UI', '1.' + '3'.repeat(255)), 'DICOM attribute SeriesInstanceUID exceeds 256 characters'],
    ['00080060', el('CS', 'M'.repeat(17)), 'DICOM attribute Modality exceeds 16 characters'],
    ['00180015', el('CS', 'B'.repeat(65)), 'DICOM attribute BodyPartExamined exceeds 64 characters'],
  ];
  for (const [tag, element, message] of cases) {
    const result = checkElementConstraints({ ...valid, [tag]: element });
    assert.deepEqual(result.errors, [message], message);
    assert.deepEqual(result.warnings, [], `${message}: no extra warning for the same element`);
  }
});

test('limits count characters after trailing padding, not bytes', () => {
  assert.deepEqual(checkElementConstraints({ ...valid, '00200010': el('SH', 'ABCDEFGHIJKLMNOP  ') }).errors, []);
  assert.deepEqual(checkElementConstraints({ ...valid, '00081030': el('LO', 'é'.repeat(64)) }), { errors: [], warnings: [] });
});

test('Study/Series UIDs must match the §6.6 pattern (error); the first component may have a leading zero', () => {
  assert.deepEqual(checkElementConstraints({ ...valid, '0020000D': el('UI', '1.2.3..4') }).errors, ['DICOM attribute StudyInstanceUID has an invalid UID format']);
  assert.deepEqual(checkElementConstraints({ ...valid, '0020000E': el('UI', '1.2.03') }).errors, ['DICOM attribute SeriesInstanceUID has an invalid UID format']);
  assert.deepEqual(checkElementConstraints({ ...valid, '0020000E': el('UI', '1.2.x') }).errors, ['DICOM attribute SeriesInstanceUID has an invalid UID format']);
  const leadingZero = checkElementConstraints({ ...valid, '0020000D': el('UI', '01.2.3') });
  assert.deepEqual(leadingZero.errors, []);
  assert.deepEqual(leadingZero.warnings, [{ code: 'INVALID_UID_FORMAT', message: 'DICOM attribute StudyInstanceUID has an invalid UID format' }]);
  const long = checkElementConstraints({ ...valid, '0020000D': el('UI', '1.' + '2'.repeat(70)) });
  assert.deepEqual(long.errors, []);
  assert.deepEqual(long.warnings.map((w) => w.code), ['INVALID_UID_FORMAT'], 'over 64 characters breaks UI rules but not §6.6');
});

test('SeriesNumber must be an int32 integer (error); an empty SeriesNumber is fine', () => {
  for (const value of ['2147483648', '-2147483649', '1.5', 'abc']) {
    assert.deepEqual(checkElementConstraints({ ...valid, '00200011': el('IS', value) }).errors, ['DICOM attribute SeriesNumber is not an integer in the int32 range'], value);
  }
  assert.deepEqual(checkElementConstraints({ ...valid, '00200011': el('IS', ' -2147483648 ') }).errors, []);
  assert.deepEqual(checkElementConstraints({ ...valid, '00200011': el('IS') }).errors, []);
});

test('other UIDs that break UI rules are INVALID_UID_FORMAT warnings, also inside sequences', () => {
  const result = checkElementConstraints({
    ...valid,
    '00080018': el('UI', '1.2.3..4'),
    '00081140': el('SQ', { '00081155': el('UI', '1.2.3.04') }, { '00081155': el('UI', '1.2.3.4') }),
    '00020010': el('UI', '1.2.840.10008.1.2.1'),
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, [
    { code: 'INVALID_UID_FORMAT', message: 'DICOM attribute SOPInstanceUID has an invalid UID format' },
    { code: 'INVALID_UID_FORMAT', message: 'DICOM attribute ReferencedImageSequence[0].ReferencedSOPInstanceUID has an invalid UID format' },
  ]);
});

test('StudyDate / StudyTime / PatientBirthDate beyond §6.6 are warnings (not searchable), not errors', () => {
  const result = checkElementConstraints({ ...valid, '00080020': el('DA', '2'.repeat(19)), '00080030': el('TM', '1'.repeat(29)), '00100030': el('DA', '1'.repeat(19)) });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, [
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute StudyDate exceeds 18 characters and is not searchable' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute StudyTime exceeds 28 characters and is not searchable' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute PatientBirthDate exceeds 18 characters and is not searchable' },
  ]);
});

test('values longer than their VR allows are INVALID_DICOM_VALUE_LENGTH warnings (incl. private and nested elements)', () => {
  const result = checkElementConstraints({
    ...valid,
    '00080020': el('DA', '2025-03-14'),
    '00081010': el('SH', 'S'.repeat(17)),
    '00080090': { vr: 'PN', Value: [{ Alphabetic: 'A'.repeat(64), Ideographic: 'B'.repeat(65) }] },
    '00180060': el('DS', '12345678901234567'),
    '00180050': el('DS', 0.30000000000000004),
    '00191010': el('LO', 'L'.repeat(65)),
    '00082112': el('SQ', { '00080100': el('SH', 'C'.repeat(17)) }),
    '00204000': el('LT', 'x'.repeat(10240)),
    '00080005': el('CS', 'ISO_IR 100', 'X'.repeat(17)),
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, [
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute SpecificCharacterSet exceeds the 16 characters allowed for VR CS' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute StudyDate exceeds the 8 characters allowed for VR DA' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute ReferringPhysicianName exceeds the 64 characters allowed for VR PN' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute StationName exceeds the 16 characters allowed for VR SH' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute SourceImageSequence[0].CodeValue exceeds the 16 characters allowed for VR SH' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute KVP exceeds the 16 characters allowed for VR DS' },
    { code: 'INVALID_DICOM_VALUE_LENGTH', message: 'DICOM attribute 00191010 exceeds the 64 characters allowed for VR LO' },
  ]);
});

test('errors and warnings together; lower-case tag keys are accepted', () => {
  const lower = Object.fromEntries(Object.entries(valid).map(([tag, element]) => [tag.toLowerCase(), element]));
  assert.deepEqual(checkElementConstraints(lower), { errors: [], warnings: [] });
  const result = checkElementConstraints({ ...valid, '00080060': el('CS', 'M'.repeat(17)), '00081010': el('SH', 'S'.repeat(17)) });
  assert.deepEqual(result.errors, ['DICOM attribute Modality exceeds 16 characters']);
  assert.equal(result.warnings.length, 1);
});
