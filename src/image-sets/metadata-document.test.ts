import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from '../dicom/dicom-json.js';
import {
  buildMetadataDocument,
  countInstances,
  defaultChecksumType,
  listFrameIds,
  mergeInstances,
  type FrameForDocument,
  type ImageSetMetadataDocument,
  type InstanceForDocument,
} from './metadata-document.js';

const el = (vr: string, ...values: DicomJsonValue[]): DicomJsonElement => (values.length === 0 ? { vr } : { vr, Value: values });
const pn = (alphabetic: string): DicomJsonElement => ({ vr: 'PN', Value: [{ Alphabetic: alphabetic }] });
const bin = (vr: string, base64: string): DicomJsonElement => ({ vr, InlineBinary: base64 });

const DS_ID = '4f0b2a9c7d1e4e58a3b6c2d91e0f7a65';
const IS_ID = 'a3c91e7f5b2d48c69e0f1a2b3c4d5e6f';

// ---------------------------------------------------------------------------------------------------------------
// §6.7 complete example, from an equivalent DICOM JSON input

const patientAndStudyAndSeries: DicomJsonDataset = {
  // Patient level
  '00100010': pn('DOE^JANE'),
  '00100020': el('LO', 'MRN000123'),
  '00100021': el('LO', 'GENERAL-HOSP'),
  '00100030': el('DA', '19700101'),
  '00100040': el('CS', 'F'),
  '00101002': el('SQ', { '00100020': el('LO', 'A-77'), '00100021': el('LO', 'CLINIC-B'), '00100022': el('CS', 'TEXT') }),
  '00104000': el('LT'),
  // Study level
  '0020000D': el('UI', '1.2.826.0.1.3680043.8.498.10001'),
  '00080020': el('DA', '20250314'),
  '00080030': el('TM', '101530.250'),
  '00080050': el('SH', 'ACC-2025-0042'),
  '00200010': el('SH', '4711'),
  '00081030': el('LO', 'CT CHEST W/O CONTRAST'),
  '00080090': pn('SMITH^JOHN^^DR'),
  '00101010': el('AS', '055Y'),
  '00101030': el('DS', '64.5'),
  '00081032': el('SQ', { '00080100': el('SH', '71250'), '00080102': el('SH', 'CPT'), '00080104': el('LO', 'CT chest w/o contrast') }),
  // Series level
  '0020000E': el('UI', '1.2.826.0.1.3680043.8.498.10002'),
  '00080060': el('CS', 'CT'),
  '00200011': el('IS', '3 '),
  '0008103E': el('LO', 'AXIAL 1.25 LUNG'),
  '00080021': el('DA', '20250314'),
  '00080031': el('TM', '102001'),
  '00180015': el('CS', 'CHEST'),
  '00200060': el('CS'),
  '00080070': el('LO', 'ACME MEDICAL'),
  '00081090': el('LO', 'Scanner 9000'),
  '00181000': el('LO', 'SN-0001'),
  '00181020': el('LO', 'VA40'),
  '00200052': el('UI', '1.2.826.0.1.3680043.8.498.10003'),
  '00201040': el('LO'),
};

const example1: InstanceForDocument = {
  fileMeta: {
    '00020000': el('UL', 198),
    '00020001': bin('OB', 'AAE='),
    '00020002': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00020003': el('UI', '1.2.826.0.1.3680043.8.498.10004'),
    '00020010': el('UI', '1.2.840.10008.1.2.1'),
    '00020012': el('UI', '1.2.826.0.1.3680043.9.9999'),
    '00020013': el('SH', 'EXAMPLE_1_0'),
  },
  dataset: {
    ...patientAndStudyAndSeries,
    '00080005': el('CS', 'ISO_IR 100'),
    '00080008': el('CS', 'ORIGINAL', 'PRIMARY', 'AXIAL'),
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': el('UI', '1.2.826.0.1.3680043.8.498.10004'),
    '00200013': el('IS', 1),
    '00200012': el('IS', 1),
    '00200032': el('DS', '-175.000', '-180.000', '-120.50'),
    '00200037': el('DS', 1, 0, 0, 0, 1, 0),
    '00180050': el('DS', 1.25),
    '00180060': el('DS', 120),
    '00081140': el('SQ', { '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', '1.2.826.0.1.3680043.8.498.10009') }),
    '00280002': el('US', 1),
    '00280004': el('CS', 'MONOCHROME2'),
    '00280010': el('US', 512),
    '00280011': el('US', 512),
    '00280030': el('DS', 0.703125, 0.703125),
    '00280100': el('US', 16),
    '00280101': el('US', 12),
    '00280102': el('US', 11),
    '00280103': el('US', 1),
    '00281050': el('DS', 40, -600),
    '00281051': el('DS', 400, 1500),
    '00281052': el('DS', -1024),
    '00281053': el('DS', 1),
    '00190010': el('LO', 'ACME CT PRIVATE'),
    '00191090': bin('UN', 'AQIDBA=='),
    '001910F9': el('DS', '97'),
  },
  storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202',
  frames: [
    {
      id: '0f6c2a8e4b1d4c7e9a5b3d2f1e0c9b8a',
      frameSizeInBytes: 181344,
      minPixelValue: -1024,
      maxPixelValue: 2963,
      checksums: [
        { width: 128, height: 128, crc32: 1880312349 },
        { width: 256, height: 256, crc32: 3342897401 },
        { width: 512, height: 512, crc32: 2716530477 },
      ],
    },
  ],
};

const example2: InstanceForDocument = {
  fileMeta: { '00020010': el('UI', '1.2.840.10008.1.2.4.50') },
  dataset: {
    ...patientAndStudyAndSeries,
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': el('UI', '1.2.826.0.1.3680043.8.498.10005'),
    '00200013': el('IS', '2'),
    '00080008': el('CS', 'DERIVED', 'SECONDARY'),
    '00280002': el('US', 1),
    '00280004': el('CS', 'MONOCHROME2'),
    '00280010': el('US', 512),
    '00280011': el('US', 512),
    '00280100': el('US', 8),
    '00280101': el('US', 8),
    '00280102': el('US', 7),
    '00280103': el('US', 0),
    '00282110': el('CS', '01'),
    '00282114': el('CS', 'ISO_10918_1'),
  },
  storedTransferSyntaxUID: '1.2.840.10008.1.2.4.50',
  frames: [
    {
      id: '7d1e0a9b8c6f4e2d8b7a6c5d4e3f2a1b',
      frameSizeInBytes: 48211,
      minPixelValue: 0,
      maxPixelValue: 255,
      checksums: [{ width: 512, height: 512, crc32: 402118977 }],
    },
  ],
};

/** behavior.md §6.7, verbatim. */
const EXAMPLE_6_7 = {
  SchemaVersion: '1.1',
  DatastoreID: '4f0b2a9c7d1e4e58a3b6c2d91e0f7a65',
  ImageSetID: 'a3c91e7f5b2d48c69e0f1a2b3c4d5e6f',
  Patient: {
    DICOM: {
      PatientName: 'DOE^JANE',
      PatientID: 'MRN000123',
      IssuerOfPatientID: 'GENERAL-HOSP',
      PatientBirthDate: '19700101',
      PatientSex: 'F',
      OtherPatientIDsSequence: [{ PatientID: 'A-77', IssuerOfPatientID: 'CLINIC-B', TypeOfPatientID: 'TEXT' }],
      PatientComments: null,
    },
  },
  Study: {
    DICOM: {
      StudyInstanceUID: '1.2.826.0.1.3680043.8.498.10001',
      StudyDate: '20250314',
      StudyTime: '101530.250',
      AccessionNumber: 'ACC-2025-0042',
      StudyID: '4711',
      StudyDescription: 'CT CHEST W/O CONTRAST',
      ReferringPhysicianName: 'SMITH^JOHN^^DR',
      PatientAge: '055Y',
      PatientWeight: '64.5',
      ProcedureCodeSequence: [{ CodeValue: '71250', CodingSchemeDesignator: 'CPT', CodeMeaning: 'CT chest w/o contrast' }],
    },
    Series: {
      '1.2.826.0.1.3680043.8.498.10002': {
        DICOM: {
          SeriesInstanceUID: '1.2.826.0.1.3680043.8.498.10002',
          Modality: 'CT',
          SeriesNumber: '3 ',
          SeriesDescription: 'AXIAL 1.25 LUNG',
          SeriesDate: '20250314',
          SeriesTime: '102001',
          BodyPartExamined: 'CHEST',
          Laterality: null,
          Manufacturer: 'ACME MEDICAL',
          ManufacturerModelName: 'Scanner 9000',
          DeviceSerialNumber: 'SN-0001',
          SoftwareVersions: ['VA40'],
          FrameOfReferenceUID: '1.2.826.0.1.3680043.8.498.10003',
          PositionReferenceIndicator: null,
        },
        Instances: {
          '1.2.826.0.1.3680043.8.498.10004': {
            DICOM: {
              FileMetaInformationGroupLength: 198,
              FileMetaInformationVersion: 'AAE=',
              MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
              MediaStorageSOPInstanceUID: '1.2.826.0.1.3680043.8.498.10004',
              TransferSyntaxUID: '1.2.840.10008.1.2.1',
              ImplementationClassUID: '1.2.826.0.1.3680043.9.9999',
              ImplementationVersionName: 'EXAMPLE_1_0',
              SpecificCharacterSet: ['ISO_IR 100'],
              ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
              SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
              SOPInstanceUID: '1.2.826.0.1.3680043.8.498.10004',
              InstanceNumber: '1',
              AcquisitionNumber: '1',
              ImagePositionPatient: ['-175.000', '-180.000', '-120.50'],
              ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
              SliceThickness: '1.25',
              KVP: '120',
              ReferencedImageSequence: [
                { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: '1.2.826.0.1.3680043.8.498.10009' },
              ],
              SamplesPerPixel: 1,
              PhotometricInterpretation: 'MONOCHROME2',
              Rows: 512,
              Columns: 512,
              PixelSpacing: ['0.703125', '0.703125'],
              BitsAllocated: 16,
              BitsStored: 12,
              HighBit: 11,
              PixelRepresentation: 1,
              WindowCenter: ['40', '-600'],
              WindowWidth: ['400', '1500'],
              RescaleIntercept: '-1024',
              RescaleSlope: '1',
              '00190010': 'ACME CT PRIVATE',
              '00191090': 'AQIDBA==',
              '001910F9': '97',
            },
            DICOMVRs: { '00190010': 'LO', '00191090': 'UN', '001910F9': 'DS' },
            StoredTransferSyntaxUID: '1.2.840.10008.1.2.4.202',
            ChecksumType: 'DECOMPRESSED',
            ImageFrames: [
              {
                ID: '0f6c2a8e4b1d4c7e9a5b3d2f1e0c9b8a',
                PixelDataChecksumFromBaseToFullResolution: [
                  { Width: 128, Height: 128, Checksum: 1880312349 },
                  { Width: 256, Height: 256, Checksum: 3342897401 },
                  { Width: 512, Height: 512, Checksum: 2716530477 },
                ],
                MinPixelValue: -1024,
                MaxPixelValue: 2963,
                FrameSizeInBytes: 181344,
              },
            ],
          },
          '1.2.826.0.1.3680043.8.498.10005': {
            DICOM: {
              SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
              SOPInstanceUID: '1.2.826.0.1.3680043.8.498.10005',
              TransferSyntaxUID: '1.2.840.10008.1.2.4.50',
              InstanceNumber: '2',
              ImageType: ['DERIVED', 'SECONDARY'],
              SamplesPerPixel: 1,
              PhotometricInterpretation: 'MONOCHROME2',
              Rows: 512,
              Columns: 512,
              BitsAllocated: 8,
              BitsStored: 8,
              HighBit: 7,
              PixelRepresentation: 0,
              LossyImageCompression: '01',
              LossyImageCompressionMethod: ['ISO_10918_1'],
            },
            DICOMVRs: {},
            StoredTransferSyntaxUID: '1.2.840.10008.1.2.4.50',
            ImageFrames: [
              {
                ID: '7d1e0a9b8c6f4e2d8b7a6c5d4e3f2a1b',
                PixelDataChecksumFromBaseToFullResolution: [{ Width: 512, Height: 512, Checksum: 402118977 }],
                MinPixelValue: 0,
                MaxPixelValue: 255,
                FrameSizeInBytes: 48211,
              },
            ],
          },
        },
      },
    },
  },
};

test('§6.7 complete example is reproduced from equivalent DICOM JSON', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [example1, example2]);
  assert.deepEqual(JSON.parse(JSON.stringify(document)), EXAMPLE_6_7);
});

test('§6.7: input order of instances does not change the document (instances sorted by InstanceNumber)', () => {
  const a = buildMetadataDocument(DS_ID, IS_ID, [example1, example2]);
  const b = buildMetadataDocument(DS_ID, IS_ID, [example2, example1]);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.deepEqual(Object.keys(a.Study.Series['1.2.826.0.1.3680043.8.498.10002']!.Instances), [
    '1.2.826.0.1.3680043.8.498.10004',
    '1.2.826.0.1.3680043.8.498.10005',
  ]);
});

test('key order: top level, instance entry, frame entry and elements in tag order (file meta first)', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [example1]);
  assert.deepEqual(Object.keys(document), ['SchemaVersion', 'DatastoreID', 'ImageSetID', 'Patient', 'Study']);
  assert.deepEqual(Object.keys(document.Study), ['DICOM', 'Series']);
  const instance = document.Study.Series['1.2.826.0.1.3680043.8.498.10002']!.Instances['1.2.826.0.1.3680043.8.498.10004']!;
  assert.deepEqual(Object.keys(instance), ['DICOM', 'DICOMVRs', 'StoredTransferSyntaxUID', 'ChecksumType', 'ImageFrames']);
  assert.deepEqual(Object.keys(instance.ImageFrames![0]!), [
    'ID',
    'PixelDataChecksumFromBaseToFullResolution',
    'MinPixelValue',
    'MaxPixelValue',
    'FrameSizeInBytes',
  ]);
  const keys = Object.keys(instance.DICOM);
  assert.equal(keys[0], 'FileMetaInformationGroupLength');
  assert.ok(keys.indexOf('TransferSyntaxUID') < keys.indexOf('SpecificCharacterSet'));
  assert.ok(keys.indexOf('AcquisitionNumber') < keys.indexOf('InstanceNumber'), 'tag order, 0020,0012 before 0020,0013');
  assert.equal(typeof document.SchemaVersion, 'string');
});

// ---------------------------------------------------------------------------------------------------------------
// Structure rules

function minimal(sop: string, extra: DicomJsonDataset = {}, options: Partial<InstanceForDocument> = {}): InstanceForDocument {
  return {
    dataset: {
      '00100010': pn('DOE^JANE'),
      '00100020': el('LO', 'P1'),
      '0020000D': el('UI', '1.2.3'),
      '0020000E': el('UI', '1.2.3.4'),
      '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.7'),
      '00080018': el('UI', sop),
      ...extra,
    },
    fileMeta: {},
    storedTransferSyntaxUID: '1.2.840.10008.1.2.4.202',
    frames: [],
    ...options,
  };
}

function frame(id: string, extra: Partial<FrameForDocument> = {}): FrameForDocument {
  return { id, frameSizeInBytes: 100, checksums: [{ width: 10, height: 5, crc32: 1 }], ...extra };
}

function instanceOf(document: ImageSetMetadataDocument, series: string, sop: string) {
  const instance = document.Study.Series[series]?.Instances[sop];
  assert.ok(instance, `instance ${sop} in series ${series}`);
  return instance;
}

test('instances without pixel data: empty ImageFrames, no ChecksumType; DICOMVRs always present', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1')]);
  const instance = instanceOf(document, '1.2.3.4', '1.9.1');
  assert.deepEqual(instance.ImageFrames, []);
  assert.equal(instance.ChecksumType, undefined);
  assert.deepEqual(instance.DICOMVRs, {});
  assert.equal(instance.StoredTransferSyntaxUID, '1.2.840.10008.1.2.4.202');
});

test('ImageFrames: frame order kept, checksums base → full, unsigned CRC32, Min/Max only when known', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.1', {}, {
      frames: [
        frame('b'.repeat(32), { checksums: [{ width: 5, height: 3, crc32: 7 }, { width: 10, height: 5, crc32: -1 }], minPixelValue: -3, maxPixelValue: 9 }),
        frame('a'.repeat(32)),
      ],
    }),
  ]);
  const frames = instanceOf(document, '1.2.3.4', '1.9.1').ImageFrames!;
  assert.deepEqual(frames, [
    {
      ID: 'b'.repeat(32),
      PixelDataChecksumFromBaseToFullResolution: [{ Width: 5, Height: 3, Checksum: 7 }, { Width: 10, Height: 5, Checksum: 4294967295 }],
      MinPixelValue: -3,
      MaxPixelValue: 9,
      FrameSizeInBytes: 100,
    },
    { ID: 'a'.repeat(32), PixelDataChecksumFromBaseToFullResolution: [{ Width: 10, Height: 5, Checksum: 1 }], FrameSizeInBytes: 100 },
  ]);
});

test('ChecksumType: default rule and explicit override', () => {
  assert.equal(defaultChecksumType('1.2.840.10008.1.2.4.202', 1), 'DECOMPRESSED');
  assert.equal(defaultChecksumType('1.2.840.10008.1.2.4.90', 2), 'DECOMPRESSED');
  assert.equal(defaultChecksumType('1.2.840.10008.1.2.4.50', 1), undefined);
  assert.equal(defaultChecksumType('1.2.840.10008.1.2.4.202', 0), undefined);
  const withNull = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1', {}, { frames: [frame('c'.repeat(32))], checksumType: null })]);
  assert.equal('ChecksumType' in instanceOf(withNull, '1.2.3.4', '1.9.1'), false);
  const withValue = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1', {}, { storedTransferSyntaxUID: '1.2.840.10008.1.2.4.91', frames: [frame('c'.repeat(32))], checksumType: 'DECOMPRESSED' })]);
  assert.equal(instanceOf(withValue, '1.2.3.4', '1.9.1').ChecksumType, 'DECOMPRESSED');
});

test('an empty storedTransferSyntaxUID leaves the key out', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1', {}, { storedTransferSyntaxUID: '' })]);
  assert.equal('StoredTransferSyntaxUID' in instanceOf(document, '1.2.3.4', '1.9.1'), false);
});

test('Pixel Data never appears; group-0002 elements come from fileMeta, which wins over the data set', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    {
      ...minimal('1.9.1', { '7FE00010': bin('OW', 'AAAA'), '00020010': el('UI', '1.2.840.10008.1.2') }),
      fileMeta: { '00020010': el('UI', '1.2.840.10008.1.2.1'), '00020002': el('UI', '1.2.840.10008.5.1.4.1.1.7') },
    },
  ]);
  const dicom = instanceOf(document, '1.2.3.4', '1.9.1').DICOM;
  assert.equal('PixelData' in dicom, false);
  assert.equal(dicom['TransferSyntaxUID'], '1.2.840.10008.1.2.1');
  assert.equal(dicom['MediaStorageSOPClassUID'], '1.2.840.10008.5.1.4.1.1.7');
});

test('several series in one build: one Series entry each, Patient/Study from the first instance', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.1', { '00081030': el('LO', 'FIRST') }),
    minimal('1.9.2', { '0020000E': el('UI', '1.2.3.5'), '00081030': el('LO', 'SECOND'), '00080060': el('CS', 'MR') }),
  ]);
  assert.deepEqual(Object.keys(document.Study.Series), ['1.2.3.4', '1.2.3.5']);
  assert.equal(document.Study.DICOM['StudyDescription'], 'FIRST');
  assert.equal(document.Study.Series['1.2.3.5']!.DICOM['Modality'], 'MR');
  assert.equal(countInstances(document), 2);
});

test('missing SOPInstanceUID or SeriesInstanceUID throws with the constraint message', () => {
  const noSop = minimal('x');
  const { '00080018': _sop, ...withoutSop } = noSop.dataset;
  assert.throws(() => buildMetadataDocument(DS_ID, IS_ID, [{ ...noSop, dataset: withoutSop }]), /DICOM attribute SOPInstanceUID does not exist/);
  const { '0020000E': _series, ...withoutSeries } = noSop.dataset;
  assert.throws(() => buildMetadataDocument(DS_ID, IS_ID, [{ ...noSop, dataset: withoutSeries }]), /DICOM attribute SeriesInstanceUID does not exist/);
});

test('a build without instances has empty levels and no series', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, []);
  assert.deepEqual(document.Patient, { DICOM: {} });
  assert.deepEqual(document.Study, { DICOM: {}, Series: {} });
  assert.equal(countInstances(document), 0);
  assert.deepEqual(listFrameIds(document), []);
});

test('duplicate SOPInstanceUID within one build: the later one wins', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.1', {}, { frames: [frame('1'.repeat(32))] }),
    minimal('1.9.1', {}, { frames: [frame('2'.repeat(32))] }),
  ]);
  assert.equal(countInstances(document), 1);
  assert.deepEqual(listFrameIds(document), ['2'.repeat(32)]);
});

test('instance order: numeric InstanceNumber, then SOPInstanceUID; instances without InstanceNumber last', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.5'),
    minimal('1.9.4', { '00200013': el('IS', 10) }),
    minimal('1.9.3', { '00200013': el('IS', '2 ') }),
    minimal('1.9.2', { '00200013': el('IS', 2) }),
    minimal('1.9.1'),
  ]);
  assert.deepEqual(Object.keys(document.Study.Series['1.2.3.4']!.Instances), ['1.9.2', '1.9.3', '1.9.4', '1.9.1', '1.9.5']);
});

// ---------------------------------------------------------------------------------------------------------------
// countInstances / listFrameIds

test('countInstances and listFrameIds walk series, instances and frames in document order', () => {
  const document = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.1', { '00200013': el('IS', 1) }, { frames: [frame('a1'), frame('a2')] }),
    minimal('1.9.2', { '00200013': el('IS', 2) }, { frames: [frame('b1')] }),
    minimal('1.9.3', { '0020000E': el('UI', '1.2.3.5') }, { frames: [frame('c1')] }),
    minimal('1.9.4', { '00200013': el('IS', 3) }),
  ]);
  assert.equal(countInstances(document), 4);
  assert.deepEqual(listFrameIds(document), ['a1', 'a2', 'b1', 'c1']);
});

// ---------------------------------------------------------------------------------------------------------------
// mergeInstances

test('merge: a re-imported SOP instance replaces the old one (new frame IDs), others are kept', () => {
  const v1 = buildMetadataDocument(DS_ID, IS_ID, [
    minimal('1.9.1', { '00200013': el('IS', 1) }, { frames: [frame('old1')] }),
    minimal('1.9.2', { '00200013': el('IS', 2) }, { frames: [frame('old2')] }),
  ]);
  const v2 = mergeInstances(v1, [minimal('1.9.1', { '00200013': el('IS', 1), '00200012': el('IS', 7) }, { frames: [frame('new1')] })]);
  assert.equal(countInstances(v2), 2);
  assert.deepEqual(listFrameIds(v2), ['new1', 'old2']);
  assert.equal(instanceOf(v2, '1.2.3.4', '1.9.1').DICOM['AcquisitionNumber'], '7');
  // The input document is not modified.
  assert.deepEqual(listFrameIds(v1), ['old1', 'old2']);
  assert.equal(instanceOf(v1, '1.2.3.4', '1.9.1').DICOM['AcquisitionNumber'], undefined);
});

test('merge: new instances are added; Patient/Study/Series levels of the document are kept', () => {
  const v1 = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1', { '00104000': el('LT') })]);
  const v2 = mergeInstances(v1, [minimal('1.9.2', { '00104000': el('LT', 'ignored at patient level'), '00080060': el('CS', 'OT') })]);
  assert.equal(countInstances(v2), 2);
  assert.equal(v2.Patient.DICOM['PatientComments'], null);
  assert.equal('Modality' in v2.Study.Series['1.2.3.4']!.DICOM, false);
  assert.equal(v2.DatastoreID, DS_ID);
  assert.equal(v2.ImageSetID, IS_ID);
  assert.equal(v2.SchemaVersion, '1.1');
});

test('merge: a new series gets its own entry with its first instance’s series level', () => {
  const v1 = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1')]);
  const v2 = mergeInstances(v1, [minimal('1.9.2', { '0020000E': el('UI', '1.2.3.9'), '00080060': el('CS', 'SR') })]);
  assert.deepEqual(Object.keys(v2.Study.Series), ['1.2.3.4', '1.2.3.9']);
  assert.equal(v2.Study.Series['1.2.3.9']!.DICOM['Modality'], 'SR');
});

test('merge: the same SOPInstanceUID under another series moves; an emptied series disappears', () => {
  const v1 = buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1')]);
  const v2 = mergeInstances(v1, [minimal('1.9.1', { '0020000E': el('UI', '1.2.3.9') })]);
  assert.deepEqual(Object.keys(v2.Study.Series), ['1.2.3.9']);
  assert.equal(countInstances(v2), 1);
});

test('merge into a document without instances takes Patient/Study from the merged instance', () => {
  const empty = buildMetadataDocument(DS_ID, IS_ID, []);
  const merged = mergeInstances(empty, [minimal('1.9.1')]);
  assert.deepEqual(merged, buildMetadataDocument(DS_ID, IS_ID, [minimal('1.9.1')]));
});

test('merge(build(a), b) equals build(a + b), byte for byte', () => {
  const a = [minimal('1.9.3', { '00200013': el('IS', 3) }, { frames: [frame('f3')] }), minimal('1.9.1', { '00200013': el('IS', 1) }, { frames: [frame('f1')] })];
  const b = [minimal('1.9.2', { '00200013': el('IS', 2) }, { frames: [frame('f2')] }), minimal('1.9.3', { '00200013': el('IS', 3) }, { frames: [frame('f3b')] })];
  assert.equal(JSON.stringify(mergeInstances(buildMetadataDocument(DS_ID, IS_ID, a), b)), JSON.stringify(buildMetadataDocument(DS_ID, IS_ID, [...a, ...b])));
});

test('merge accepts a document that went through JSON (as read back from storage)', () => {
  const v1 = JSON.parse(JSON.stringify(buildMetadataDocument(DS_ID, IS_ID, [example1]))) as ImageSetMetadataDocument;
  const v2 = mergeInstances(v1, [example2]);
  assert.deepEqual(JSON.parse(JSON.stringify(v2)), EXAMPLE_6_7);
});

// ---------------------------------------------------------------------------------------------------------------
// Determinism

function shuffledKeys(dataset: DicomJsonDataset): DicomJsonDataset {
  const entries = Object.entries(dataset).reverse();
  return Object.fromEntries(entries.map(([tag, element]) => [tag.toLowerCase(), element]));
}

test('determinism: same input → byte-identical JSON; key order and tag case of the input do not matter', () => {
  const first = JSON.stringify(buildMetadataDocument(DS_ID, IS_ID, [example1, example2]));
  const second = JSON.stringify(buildMetadataDocument(DS_ID, IS_ID, [example1, example2]));
  assert.equal(first, second);
  const reordered = JSON.stringify(
    buildMetadataDocument(DS_ID, IS_ID, [
      { ...example2, dataset: shuffledKeys(example2.dataset), fileMeta: shuffledKeys(example2.fileMeta) },
      { ...example1, dataset: shuffledKeys(example1.dataset), fileMeta: shuffledKeys(example1.fileMeta) },
    ]),
  );
  assert.equal(reordered, first);
});
