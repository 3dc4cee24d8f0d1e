import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from '../dicom/dicom-json.js';
import { buildMetadataDocument, type ImageSetMetadataDocument } from './metadata-document.js';
import { elementKey, encodeItem, isDroppedTag, isMultiValuedTag, personNameToString, VrCollector } from './metadata-document-encoding.js';
import { MULTI_VALUED_TAGS } from './metadata-document-multiplicity.js';

const el = (vr: string, ...values: DicomJsonValue[]): DicomJsonElement => (values.length === 0 ? { vr } : { vr, Value: values });
const bin = (vr: string, base64: string): DicomJsonElement => ({ vr, InlineBinary: base64 });

/** Builds a one-instance document and returns that instance's DICOM and DICOMVRs. */
function instance(extra: DicomJsonDataset): { dicom: Record<string, unknown>; vrs: Record<string, string>; document: ImageSetMetadataDocument } {
  const document = buildMetadataDocument('d'.repeat(32), 'i'.repeat(32), [
    {
      dataset: { '0020000E': el('UI', '1.2.3'), '00080018': el('UI', '1.2.3.4'), ...extra },
      fileMeta: {},
      storedTransferSyntaxUID: '1.2.840.10008.1.2.1',
      frames: [],
    },
  ]);
  const entry = document.Study.Series['1.2.3']!.Instances['1.2.3.4']!;
  return { dicom: entry.DICOM as Record<string, unknown>, vrs: entry.DICOMVRs as Record<string, string>, document };
}

test('binary-number VRs (US, UL, SS, SL, FL, FD, UV, SV) are JSON numbers', () => {
  const { dicom, vrs } = instance({
    '00280010': el('US', 640),
    '00020000': el('UL', 218),
    '00189219': el('SS', -5),
    '00186020': el('SL', -7),
    '0018602C': el('FD', -0.07937499999068676),
    '00720076': el('FL', 0.5),
    '00660040': el('UL', 7, 8),
    '00720083': el('UV', 42),
  });
  assert.equal(dicom['Rows'], 640);
  assert.equal(dicom['FileMetaInformationGroupLength'], 218);
  assert.equal(dicom['TagAngleSecondAxis'], -5);
  assert.equal(dicom['ReferencePixelX0'], -7);
  assert.equal(dicom['PhysicalDeltaX'], -0.07937499999068676);
  assert.deepEqual(dicom['SelectorFLValue'], [0.5]);
  assert.deepEqual(dicom['LongPrimitivePointIndexList'], [7, 8]);
  assert.deepEqual(dicom['SelectorUVValue'], [42]);
  assert.deepEqual(vrs, {});
});

test('numeric VRs given as text are parsed; unparsable text and 64-bit values beyond 2^53 stay strings', () => {
  const { dicom } = instance({
    '00280010': el('US', '512 '),
    '00189219': el('SS', 'garbage'),
    '00720082': el('SV', '9223372036854775807'),
    '00720083': el('UV', '42'),
  });
  assert.equal(dicom['Rows'], 512);
  assert.equal(dicom['TagAngleSecondAxis'], 'garbage');
  assert.deepEqual(dicom['SelectorSVValue'], ['9223372036854775807']);
  assert.deepEqual(dicom['SelectorUVValue'], [42]);
});

test('DS and IS are strings: text kept exactly as stored (padding included), JSON numbers written shortest', () => {
  const { dicom } = instance({
    '00200011': el('IS', '1 '),
    '00180060': el('DS', '120 '),
    '00200013': el('IS', 11),
    '00180050': el('DS', 0.703125),
    '00281052': el('DS', -1024),
    '00281050': el('DS', 40),
    '00200032': el('DS', '-175.000', -180, '-120.50'),
  });
  assert.equal(dicom['KVP'], '120 ');
  assert.equal(dicom['InstanceNumber'], '11');
  assert.equal(dicom['SliceThickness'], '0.703125');
  assert.equal(dicom['RescaleIntercept'], '-1024');
  assert.deepEqual(dicom['WindowCenter'], ['40'], 'VM 1-n: always an array');
  assert.deepEqual(dicom['ImagePositionPatient'], ['-175.000', '-180', '-120.50']);
});

test('text VRs: trailing spaces removed, NUL padding of UI removed, leading spaces kept', () => {
  const { dicom, document } = instance({
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2\0'),
    '00080070': el('LO', 'ACME  '),
    '00081010': el('SH', '  STATION'),
    '00204000': el('LT', 'line one\r\nline two  '),
    '00080060': el('CS', 'CT '),
  });
  assert.equal(dicom['SOPClassUID'], '1.2.840.10008.5.1.4.1.1.2');
  assert.equal(dicom['ImageComments'], 'line one\r\nline two');
  const series = document.Study.Series['1.2.3']!.DICOM;
  assert.equal(series['Manufacturer'], 'ACME');
  assert.equal(series['StationName'], '  STATION');
  assert.equal(series['Modality'], 'CT');
});

test('PN: plain string with ^ and = separators, trailing empty groups dropped; string input kept', () => {
  assert.equal(personNameToString({ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }), 'Yamada^Tarou=山田^太郎=やまだ^たろう');
  assert.equal(personNameToString({ Alphabetic: 'DOE^JANE' }), 'DOE^JANE');
  assert.equal(personNameToString({ Alphabetic: 'X', Phonetic: 'Y' }), 'X==Y');
  assert.equal(personNameToString({ Ideographic: 'Z' }), '=Z');
  const { document, dicom } = instance({
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'SMITH^JOHN^^DR ' }] },
    '00081060': { vr: 'PN', Value: [{ Alphabetic: 'A^B' }, { Alphabetic: 'C^D' }] },
    '00081070': { vr: 'PN', Value: ['OPERATOR^ONE'] },
    '00101001': { vr: 'PN', Value: [{}] },
  });
  assert.equal(document.Patient.DICOM['PatientName'], 'SMITH^JOHN^^DR');
  assert.deepEqual(document.Study.DICOM['NameOfPhysiciansReadingStudy'], ['A^B', 'C^D']);
  assert.deepEqual(document.Study.Series['1.2.3']!.DICOM['OperatorsName'], ['OPERATOR^ONE']);
  assert.equal(document.Patient.DICOM['OtherPatientNames'], null, 'an empty PN object is an empty value');
  assert.equal('PatientName' in dicom, false);
});

test('AT: 8-digit upper-case hex string', () => {
  const { dicom } = instance({
    '00209165': el('AT', '0020000e'),
    '00209167': el('AT', 0x00189151),
    '00191001': el('AT', '(0018,9151)', '00209157'),
  });
  assert.equal(dicom['DimensionIndexPointer'], '0020000E');
  assert.equal(dicom['FunctionalGroupPointer'], '00189151');
  assert.deepEqual(dicom['00191001'], ['00189151', '00209157']);
});

test('binary VRs: base64 of InlineBinary; numeric Value packed little-endian; BulkDataURI → null', () => {
  const { dicom, vrs } = instance({
    '00020001': bin('OB', 'AAE='),
    '00283006': { vr: 'OW', Value: [1, 0x0203] },
    '00660016': { vr: 'OF', Value: [1.5] },
    '00660021': { vr: 'OF', BulkDataURI: 'https://example.invalid/bulk/1' },
    '00191002': bin('OB', 'AQIDBAU='),
  });
  assert.equal(dicom['FileMetaInformationVersion'], 'AAE=');
  assert.deepEqual(dicom['LUTData'], Buffer.from([1, 0, 3, 2]).toString('base64'));
  assert.equal(dicom['PointCoordinatesData'], Buffer.from(new Float32Array([1.5]).buffer).toString('base64'));
  assert.equal(dicom['VectorCoordinateData'], null);
  assert.equal(dicom['00191002'], 'AQIDBAU=');
  assert.equal(vrs['00283006'], 'OW', 'LUT Data is US or OW in the dictionary: VR recorded');
  assert.equal(vrs['00191002'], 'OB');
  assert.equal(vrs['00020001'], undefined);
});

test('empty elements are null; empty UN is ""; empty sequences are null', () => {
  const { dicom, document } = instance({
    '00100030': el('DA'),
    '00200060': el('CS', ''),
    '7FDD1090': bin('UN', ''),
    '00191001': el('UN'),
    '00081140': el('SQ'),
    '00082112': { vr: 'SQ', Value: [] },
    '00280106': el('US'),
    '00201041': el('DS', null),
    '00200037': el('DS', null, null),
    '00180088': el('DS', ''),
  });
  assert.equal(document.Patient.DICOM['PatientBirthDate'], null);
  assert.equal(document.Study.Series['1.2.3']!.DICOM['Laterality'], null);
  assert.equal(dicom['7FDD1090'], '');
  assert.equal(dicom['00191001'], '');
  assert.equal(dicom['ReferencedImageSequence'], null);
  assert.equal(dicom['SourceImageSequence'], null);
  assert.equal(dicom['SmallestImagePixelValue'], null);
  assert.equal(dicom['SliceLocation'], null);
  assert.equal(dicom['ImageOrientationPatient'], null);
  assert.equal(dicom['SpacingBetweenSlices'], null);
});

test('multiplicity follows the dictionary VM: VM>1 always an array, VM 1 a scalar, empty components null', () => {
  const { dicom, document } = instance({
    '00080005': el('CS', 'ISO_IR 100'),
    '00181020': el('LO', '3.1.62'),
    '00080008': el('CS', 'ORIGINAL', null, 'AXIAL'),
    '00280030': el('DS', 0.5, 0.5),
    '00080070': el('LO', 'ACME'),
    '00200012': el('IS', 1, 2),
  });
  assert.deepEqual(dicom['SpecificCharacterSet'], ['ISO_IR 100']);
  assert.deepEqual(document.Study.Series['1.2.3']!.DICOM['SoftwareVersions'], ['3.1.62']);
  assert.deepEqual(dicom['ImageType'], ['ORIGINAL', null, 'AXIAL']);
  assert.deepEqual(dicom['PixelSpacing'], ['0.5', '0.5']);
  assert.equal(document.Study.Series['1.2.3']!.DICOM['Manufacturer'], 'ACME');
  assert.deepEqual(dicom['AcquisitionNumber'], ['1', '2'], 'a VM-1 element with several values keeps all of them');
  assert.equal(isMultiValuedTag('00080008'), true);
  assert.equal(isMultiValuedTag('00100010'), false);
  assert.equal(isMultiValuedTag('60020050'), true, 'OverlayOrigin (60xx,0050) VM 2 in any overlay group');
  assert.equal(isMultiValuedTag('00191001'), false);
  assert.ok(MULTI_VALUED_TAGS.size > 500);
});

test('private elements: keyed by 8-hex tag, value by VR, VR in DICOMVRs; creators are LO (also when read as UN)', () => {
  const { dicom, vrs } = instance({
    '00190010': el('LO', 'ACME CT PRIVATE'),
    '00191090': bin('UN', 'AQA='),
    '001910F9': el('DS', '97'),
    '0019100A': el('US', 3, 4),
    '00291001': el('SH', 'ONE '),
    '00290010': bin('UN', Buffer.from('SIEMENS CSA HEADER').toString('base64')),
  });
  assert.equal(dicom['00190010'], 'ACME CT PRIVATE');
  assert.equal(dicom['00191090'], 'AQA=');
  assert.equal(dicom['001910F9'], '97');
  assert.deepEqual(dicom['0019100A'], [3, 4]);
  assert.equal(dicom['00291001'], 'ONE');
  assert.equal(dicom['00290010'], 'SIEMENS CSA HEADER');
  assert.deepEqual(vrs, { '00190010': 'LO', '0019100A': 'US', '00191090': 'UN', '001910F9': 'DS', '00290010': 'LO', '00291001': 'SH' });
  assert.deepEqual(Object.keys(vrs), Object.keys(vrs).sort(), 'DICOMVRs sorted by tag');
});

test('VRs not derivable from the dictionary are recorded (US/SS, OB/OW ambiguity; standard tag with another VR)', () => {
  const { dicom, vrs } = instance({
    '00280106': el('SS', -2000),
    '00280107': el('US', 4000),
    '60003000': bin('OW', 'AAA='),
    '00280010': el('US', 64),
  });
  assert.equal(dicom['SmallestImagePixelValue'], -2000);
  assert.equal(dicom['OverlayData'], 'AAA=');
  assert.deepEqual(vrs, { '00280106': 'SS', '00280107': 'US', '60003000': 'OW' });
});

test('repeating groups: the first overlay group uses keywords, other groups are keyed by tag with their VR', () => {
  const { dicom, vrs } = instance({
    '60000010': el('US', 512),
    '60020010': el('US', 256),
    '60023000': bin('OW', 'AAE='),
  });
  assert.equal(dicom['OverlayRows'], 512);
  assert.equal(dicom['60020010'], 256);
  assert.equal(dicom['60023000'], 'AAE=');
  assert.equal(vrs['60020010'], 'US');
  assert.equal(vrs['60023000'], 'OW');
  assert.deepEqual(elementKey('60000010'), { key: 'OverlayRows', keyword: 'OverlayRows', dictionaryVr: 'US' });
  assert.deepEqual(elementKey('60020010'), { key: '60020010' });
});

test('elements not in the dictionary are keyed by tag with their VR', () => {
  const { dicom, vrs } = instance({ '00081234': el('LO', 'unknown') });
  assert.equal(dicom['00081234'], 'unknown');
  assert.equal(vrs['00081234'], 'LO');
});

test('a standard element stored as UN is decoded with its dictionary VR', () => {
  const { dicom, vrs, document } = instance({
    '00100010': bin('UN', Buffer.from('DOE^JOHN').toString('base64')),
    '00280010': bin('UN', Buffer.from([0x00, 0x02]).toString('base64')),
    '00080008': bin('UN', Buffer.from('ORIGINAL\\PRIMARY').toString('base64')),
    '00280106': bin('UN', 'AAA='),
    '00081140': bin('UN', 'AAAA'),
  });
  assert.equal(document.Patient.DICOM['PatientName'], 'DOE^JOHN');
  assert.equal(dicom['Rows'], 512);
  assert.deepEqual(dicom['ImageType'], ['ORIGINAL', 'PRIMARY']);
  assert.equal(dicom['SmallestImagePixelValue'], 'AAA=', 'ambiguous dictionary VR: kept as UN');
  assert.equal(dicom['ReferencedImageSequence'], 'AAAA', 'UN sequences are not parsed');
  assert.deepEqual(vrs, { '00081140': 'UN', '00280106': 'UN' });
});

test('sequences: arrays of item objects with the same key rules, nested; nested private VRs go to DICOMVRs', () => {
  const { dicom, vrs } = instance({
    '00082112': {
      vr: 'SQ',
      Value: [
        {
          '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
          '00081155': el('UI', '1.2.3.99\0'),
          '00400560': { vr: 'SQ', Value: [{ '00080100': el('SH', '121322'), '00431001': el('SS', -1) }] },
          '00430010': el('LO', 'GEMS_PARM_01'),
          '00280030': el('DS', 1, 1),
        },
        {},
      ],
    },
    '00431001': el('LO', 'top-level wins'),
  });
  assert.deepEqual(dicom['SourceImageSequence'], [
    {
      ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      ReferencedSOPInstanceUID: '1.2.3.99',
      SpecimenDescriptionSequence: [{ CodeValue: '121322', '00431001': -1 }],
      '00430010': 'GEMS_PARM_01',
      PixelSpacing: ['1', '1'],
    },
    {},
  ]);
  assert.deepEqual(vrs, { '00430010': 'LO', '00431001': 'LO' });
});

test('Pixel Data is dropped at the top level but kept inside sequence items (Icon Image Sequence)', () => {
  const { dicom } = instance({
    '7FE00010': bin('OW', 'AAAA'),
    '00880200': { vr: 'SQ', Value: [{ '00280010': el('US', 2), '7FE00010': bin('OB', 'AQID') }] },
  });
  assert.equal('PixelData' in dicom, false);
  assert.deepEqual(dicom['IconImageSequence'], [{ Rows: 2, PixelData: 'AQID' }]);
});

test('dropped elements: group lengths other than 0002, trailing padding, item tags', () => {
  assert.equal(isDroppedTag('00080000', true), true);
  assert.equal(isDroppedTag('00020000', true), false);
  assert.equal(isDroppedTag('FFFCFFFC', true), true);
  assert.equal(isDroppedTag('FFFEE000', false), true);
  assert.equal(isDroppedTag('7FE00010', true), true);
  assert.equal(isDroppedTag('7FE00010', false), false);
  const { dicom } = instance({ '00080000': el('UL', 100), 'FFFCFFFC': bin('OB', 'AAAA'), '00090000': el('UL', 8) });
  assert.equal('00080000' in dicom || 'FFFCFFFC' in dicom || 'DataSetTrailingPadding' in dicom || '00090000' in dicom, false);
});

test('encodeItem sorts by tag and ignores malformed tag keys', () => {
  const vrs = new VrCollector();
  const item = encodeItem({ '00100020': el('LO', 'B'), '00100010': el('PN', { Alphabetic: 'A' }), bogus: el('LO', 'x') }, vrs);
  assert.deepEqual(Object.keys(item), ['PatientName', 'PatientID']);
});
