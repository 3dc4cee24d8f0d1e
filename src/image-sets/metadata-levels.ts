// Which attribute goes to which level of the metadata document (behavior.md §6.3), the normalised level attributes
// of an instance, and their comparison for primary image set placement (§5.2).
import type { DicomJsonDataset } from '../dicom/dicom-json.js';
import { tagOf } from '../dicom/dictionary.js';
import { encodeElements, VrCollector, type EncodedElement } from './metadata-document-encoding.js';
import type { DocumentItem, DocumentValue, ImageSetMetadataDocument } from './metadata-document-types.js';

export type MetadataLevel = 'Patient' | 'Study' | 'Series' | 'Instance';

/**
 * Patient level: §6.3's list (Patient Module incl. the Issuer of Patient ID macro, de-identification attributes and the
 * Clinical Trial Subject Module). Added [I]: the Patient Demographic attributes that the QIDO-RS `includefield=all`
 * study table lists inside "the Patient module" (dicomweb.md §5.5: PatientBirthName, PatientAddress, …,
 * PatientPrimaryLanguageCodeSequence) — they describe the patient, not the study — and a few Patient Module members
 * the reference's "…" stands for (PatientSpeciesCodeSequence's siblings, ClinicalTrial* identifiers' sequences).
 */
export const PATIENT_LEVEL_KEYWORDS: readonly string[] = [
  // Patient Module (§6.3, confirmed head)
  'PatientName', 'PatientID', 'IssuerOfPatientID', 'IssuerOfPatientIDQualifiersSequence', 'TypeOfPatientID',
  'PatientBirthDate', 'PatientBirthDateInAlternativeCalendar', 'PatientDeathDateInAlternativeCalendar',
  'PatientAlternativeCalendar', 'PatientSex', 'ReferencedPatientPhotoSequence', 'QualityControlSubject',
  'ReferencedPatientSequence', 'PatientBirthTime', 'OtherPatientIDsSequence', 'OtherPatientNames', 'EthnicGroup',
  'PatientComments', 'PatientSpeciesDescription', 'PatientSpeciesCodeSequence', 'PatientBreedDescription',
  'PatientBreedCodeSequence', 'BreedRegistrationSequence', 'StrainDescription', 'StrainNomenclature',
  // Patient Module tail (§6.3 [I])
  'StrainStockSequence', 'StrainAdditionalInformation', 'StrainCodeSequence', 'GeneticModificationsSequence',
  'ResponsiblePerson', 'ResponsiblePersonRole', 'ResponsibleOrganization', 'PatientIdentityRemoved',
  'DeidentificationMethod', 'DeidentificationMethodCodeSequence', 'SourcePatientGroupIdentificationSequence',
  'GroupOfPatientsIdentificationSequence', 'QualityControlSubjectTypeCodeSequence', 'EthnicGroupCodeSequence',
  // Clinical Trial Subject Module
  'ClinicalTrialSponsorName', 'ClinicalTrialProtocolID', 'ClinicalTrialProtocolName', 'ClinicalTrialSiteID',
  'ClinicalTrialSiteName', 'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID',
  'ClinicalTrialProtocolEthicsCommitteeName', 'ClinicalTrialProtocolEthicsCommitteeApprovalNumber',
  'OtherClinicalTrialProtocolIDsSequence', 'IssuerOfClinicalTrialProtocolID', 'IssuerOfClinicalTrialSiteID',
  'IssuerOfClinicalTrialSubjectID', 'IssuerOfClinicalTrialSubjectReadingID',
  // Patient demographics listed with the Patient module by QIDO-RS includefield=all (dicomweb.md §5.5) [I]
  'PatientBirthName', 'PatientAddress', 'PatientMotherBirthName', 'MilitaryRank', 'BranchOfService',
  'CountryOfResidence', 'RegionOfResidence', 'PatientTelephoneNumbers', 'PatientTelecomInformation',
  'PatientReligiousPreference', 'PatientInsurancePlanCodeSequence', 'PatientPrimaryLanguageCodeSequence',
  'PatientPrimaryLanguageModifierCodeSequence',
];

/**
 * Study level: §6.3's list (General Study + Patient Study + Clinical Trial Study modules) plus the further study-level
 * attributes of the QIDO-RS `includefield=all` study table (dicomweb.md §5.5), which §6.3 says to prefer where they
 * differ. Deliberate exceptions [I]: the PerformedProcedureStep* attributes stay at Series level (General Series module;
 * at Study level they would make every series with its own procedure step conflict with its study siblings, §5.2);
 * SpecificCharacterSet and TimezoneOffsetFromUTC stay at Instance level (observed there; §6.7); computed attributes
 * (ModalitiesInStudy, NumberOfStudyRelated*, InstanceAvailability, RetrieveURL) are not stored at any level but
 * are kept at Instance level if a file carries them.
 */
export const STUDY_LEVEL_KEYWORDS: readonly string[] = [
  // General Study
  'StudyInstanceUID', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'ReferringPhysicianIdentificationSequence',
  'ConsultingPhysicianName', 'ConsultingPhysicianIdentificationSequence', 'StudyID', 'AccessionNumber',
  'IssuerOfAccessionNumberSequence', 'StudyDescription', 'PhysiciansOfRecord',
  'PhysiciansOfRecordIdentificationSequence', 'NameOfPhysiciansReadingStudy',
  'PhysiciansReadingStudyIdentificationSequence', 'RequestingService', 'RequestingServiceCodeSequence',
  'ReferencedStudySequence', 'ProcedureCodeSequence', 'ReasonForPerformedProcedureCodeSequence',
  // Patient Study
  'AdmittingDiagnosesDescription', 'AdmittingDiagnosesCodeSequence', 'PatientAge', 'PatientSize', 'PatientWeight',
  'PatientSizeCodeSequence', 'PatientBodyMassIndex', 'MeasuredAPDimension', 'MeasuredLateralDimension',
  'MedicalAlerts', 'Allergies', 'SmokingStatus', 'PregnancyStatus', 'LastMenstrualDate', 'PatientState',
  'PatientSexNeutered', 'AdditionalPatientHistory', 'Occupation', 'AdmissionID', 'IssuerOfAdmissionIDSequence',
  'ReasonForVisit', 'ReasonForVisitCodeSequence', 'ServiceEpisodeID', 'IssuerOfServiceEpisodeIDSequence',
  'ServiceEpisodeDescription', 'ExaminedBodyThickness',
  // Clinical Trial Study
  'ClinicalTrialTimePointID', 'ClinicalTrialTimePointDescription', 'ClinicalTrialTimePointTypeCodeSequence',
  'LongitudinalTemporalOffsetFromEvent', 'LongitudinalTemporalEventType', 'ConsentForClinicalTrialUseSequence',
  // Further study-level attributes of the QIDO-RS includefield=all study table (dicomweb.md §5.5)
  'RequestingPhysician', 'RequestedProcedureDescription', 'RequestedContrastAgent', 'RouteOfAdmissions',
  'AdmittingDate', 'AdmittingTime', 'SpecialNeeds', 'CurrentPatientLocation', 'PatientInstitutionResidence',
  'RequestedProcedureCodeSequence',
];

/**
 * Series level: §6.3's list (General Series + General Equipment + Frame of Reference + Clinical Trial Series modules)
 * plus the series-level attributes of the QIDO-RS `includefield=all` series table (dicomweb.md §5.5). Deliberate
 * exceptions [I]: SliceThickness, SpacingBetweenSlices, NumberOfSlices and NumberOfTimeSlices (image-level in PS3.3)
 * stay at Instance level — §6.7 shows SliceThickness in the instance — otherwise every slice would conflict.
 */
export const SERIES_LEVEL_KEYWORDS: readonly string[] = [
  // General Series
  'Modality', 'SeriesInstanceUID', 'SeriesNumber', 'Laterality', 'SeriesDate', 'SeriesTime', 'PerformingPhysicianName',
  'PerformingPhysicianIdentificationSequence', 'ProtocolName', 'SeriesDescription', 'SeriesDescriptionCodeSequence',
  'OperatorsName', 'OperatorIdentificationSequence', 'ReferencedPerformedProcedureStepSequence',
  'RelatedSeriesSequence', 'BodyPartExamined', 'PatientPosition', 'SmallestPixelValueInSeries',
  'LargestPixelValueInSeries', 'RequestAttributesSequence', 'PerformedProcedureStepID',
  'PerformedProcedureStepStartDate', 'PerformedProcedureStepStartTime', 'PerformedProcedureStepEndDate',
  'PerformedProcedureStepEndTime', 'PerformedProcedureStepDescription', 'PerformedProtocolCodeSequence',
  'CommentsOnThePerformedProcedureStep', 'AnatomicalOrientationType', 'TreatmentSessionUID',
  // General Equipment
  'Manufacturer', 'InstitutionName', 'InstitutionAddress', 'InstitutionCodeSequence', 'StationName',
  'InstitutionalDepartmentName', 'InstitutionalDepartmentTypeCodeSequence', 'ManufacturerModelName',
  'DeviceSerialNumber', 'DeviceUID', 'GantryID', 'UDISequence', 'ManufacturerDeviceClassUID', 'SoftwareVersions',
  'SpatialResolution', 'DateOfLastCalibration', 'TimeOfLastCalibration', 'PixelPaddingValue',
  // Frame of Reference
  'FrameOfReferenceUID', 'PositionReferenceIndicator',
  // Clinical Trial Series
  'ClinicalTrialCoordinatingCenterName', 'ClinicalTrialSeriesID', 'ClinicalTrialSeriesDescription',
  'IssuerOfClinicalTrialSeriesID',
  // Series-level attributes of the QIDO-RS includefield=all series table (dicomweb.md §5.5)
  'ConversionType', 'PresentationIntentType', 'ContrastBolusAgent', 'SecondaryCaptureDeviceManufacturer',
  'SecondaryCaptureDeviceManufacturerModelName', 'SecondaryCaptureDeviceSoftwareVersions', 'SeriesType',
];

function tagsOf(keywords: readonly string[]): Set<string> {
  const tags = new Set<string>();
  for (const keyword of keywords) {
    const tag = tagOf(keyword);
    if (tag !== undefined) tags.add(tag);
  }
  return tags;
}

const PATIENT_TAGS = tagsOf(PATIENT_LEVEL_KEYWORDS);
const STUDY_TAGS = tagsOf(STUDY_LEVEL_KEYWORDS);
const SERIES_TAGS = tagsOf(SERIES_LEVEL_KEYWORDS);
const LEVEL_OF_KEYWORD = new Map<string, MetadataLevel>([
  ...PATIENT_LEVEL_KEYWORDS.map((k) => [k, 'Patient'] as const),
  ...STUDY_LEVEL_KEYWORDS.map((k) => [k, 'Study'] as const),
  ...SERIES_LEVEL_KEYWORDS.map((k) => [k, 'Series'] as const),
]);

/** Level of a top-level element by tag (8 hex). Private, unknown and group-0002 elements are Instance level. */
export function levelOfTag(tag: string): MetadataLevel {
  const t = tag.toUpperCase();
  if (PATIENT_TAGS.has(t)) return 'Patient';
  if (STUDY_TAGS.has(t)) return 'Study';
  if (SERIES_TAGS.has(t)) return 'Series';
  return 'Instance';
}

/** Level of a document key (a keyword; 8-hex keys are always Instance level). For metadata updates (§11). */
export function levelOfKeyword(key: string): MetadataLevel {
  return LEVEL_OF_KEYWORD.get(key) ?? 'Instance';
}

export interface NormalizedLevels {
  readonly patient: Record<string, unknown>;
  readonly study: Record<string, unknown>;
  readonly series: Record<string, unknown>;
}

export interface PartitionedElements {
  readonly patient: DocumentItem;
  readonly study: DocumentItem;
  readonly series: DocumentItem;
  readonly instance: DocumentItem;
  readonly vrs: Record<string, string>;
}

/** Splits encoded top-level elements into the four levels (keys keep tag order). */
export function partitionElements(elements: readonly EncodedElement[], vrs: VrCollector): PartitionedElements {
  const levels: Record<MetadataLevel, Record<string, DocumentValue>> = { Patient: {}, Study: {}, Series: {}, Instance: {} };
  for (const e of elements) levels[e.key === e.tag ? 'Instance' : levelOfTag(e.tag)][e.key] = e.value;
  return { patient: levels.Patient, study: levels.Study, series: levels.Series, instance: levels.Instance, vrs: vrs.toRecord() };
}

/** The normalised Patient / Study / Series level attributes of one instance, exactly as a document would hold them. */
export function normalizedLevels(dataset: DicomJsonDataset): NormalizedLevels {
  const vrs = new VrCollector();
  const p = partitionElements(encodeElements(dataset, vrs, true), vrs);
  return { patient: { ...p.patient }, study: { ...p.study }, series: { ...p.series } };
}

/**
 * The level attributes of a document (the primary image set's current version). A document normally has one series;
 * with several, the first one (document order) is returned [I].
 */
export function levelsOfDocument(document: ImageSetMetadataDocument): NormalizedLevels {
  const firstSeries = Object.values(document.Study.Series)[0];
  return {
    patient: { ...document.Patient.DICOM },
    study: { ...document.Study.DICOM },
    series: { ...(firstSeries?.DICOM ?? {}) },
  };
}

function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function valuesEqual(a: unknown, b: unknown): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    return levelsEqual(a as Record<string, unknown>, b as Record<string, unknown>);
  }
  return a === b;
}

/**
 * Compares two level objects as JSON values (§5.2): key order is irrelevant; an element absent on one side and
 * null / "" / [] on the other compare equal, also inside sequence items [I]. Strings are compared exactly (after the
 * §6.4 normalisation that produced them, so DS "3 " ≠ "3").
 */
export function levelsEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (!valuesEqual(a[key], b[key])) return false;
  return true;
}
