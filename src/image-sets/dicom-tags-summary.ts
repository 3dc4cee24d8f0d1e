// The DICOMTags summary of SearchImageSets (behavior.md §14; wire contract §5 `DICOMTags`) and the search index fields.
import type { DocumentValue, ImageSetMetadataDocument } from './metadata-document-types.js';

export interface DicomTagsSummary {
  DICOMPatientId?: string;
  DICOMPatientName?: string;
  DICOMPatientBirthDate?: string;
  DICOMPatientSex?: string;
  DICOMStudyInstanceUID?: string;
  DICOMStudyId?: string;
  DICOMStudyDescription?: string;
  DICOMNumberOfStudyRelatedSeries?: number;
  DICOMNumberOfStudyRelatedInstances?: number;
  DICOMAccessionNumber?: string;
  DICOMSeriesInstanceUID?: string;
  DICOMSeriesModality?: string;
  DICOMSeriesBodyPart?: string;
  DICOMSeriesNumber?: number;
  DICOMStudyDate?: string;
  DICOMStudyTime?: string;
}

/** Maximum lengths of the wire contract's DICOMTags members; longer values are left out [I]. */
const MAX_LENGTH = {
  DICOMPatientId: 512,
  DICOMPatientName: 512,
  DICOMPatientBirthDate: 36,
  DICOMPatientSex: 16,
  DICOMStudyInstanceUID: 512,
  DICOMStudyId: 512,
  DICOMStudyDescription: 512,
  DICOMAccessionNumber: 512,
  DICOMSeriesInstanceUID: 512,
  DICOMSeriesModality: 32,
  DICOMSeriesBodyPart: 128,
  DICOMStudyDate: 36,
  DICOMStudyTime: 56,
} as const;

type StringField = keyof typeof MAX_LENGTH;

const UID_PATTERN = /^[0-9.]+$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * A string field from a document value. Absent, null and "" give no field; a multi-valued value (not expected for these
 * VM-1 elements, but possible after an update) is joined with "\" as in DICOM; numbers are stringified [I].
 */
function text(value: DocumentValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const parts = value.map((v) => (v === null ? '' : typeof v === 'object' ? '' : String(v)));
    const joined = parts.join('\\');
    return joined.replace(/\\+$/, '') === '' ? undefined : joined;
  }
  if (typeof value === 'object') return undefined;
  const s = String(value);
  return s === '' ? undefined : s;
}

/** SeriesNumber (IS, a string such as "3 ") as an int32; non-integers and out-of-range values give no field [I]. */
function int32(value: DocumentValue | undefined): number | undefined {
  const s = text(Array.isArray(value) ? (value as readonly DocumentValue[])[0] : value)?.trim();
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
}

/**
 * The DICOMTags summary of an image set from its metadata document. Patient fields come from `Patient.DICOM`, study
 * fields from `Study.DICOM`, series fields from the first series (an image set normally has one). Fields whose element is
 * absent, null or empty are omitted; values that break the contract's length or UID pattern are omitted rather than
 * truncated [I] ("such fields may not be searchable", warning 0xB202).
 * DICOMNumberOfStudyRelatedSeries/Instances are counted over this document only; for primary image sets the caller
 * should replace them with the counts over all primary image sets of the study (§14).
 */
export function dicomTagsSummary(document: ImageSetMetadataDocument): DicomTagsSummary {
  const patient = document.Patient?.DICOM ?? {};
  const study = document.Study?.DICOM ?? {};
  const seriesMap = document.Study?.Series ?? {};
  const series = Object.values(seriesMap)[0]?.DICOM ?? {};
  const out: DicomTagsSummary = {};
  const set = (field: StringField, value: DocumentValue | undefined): void => {
    const s = text(value);
    if (s === undefined || [...s].length > MAX_LENGTH[field]) return;
    if ((field === 'DICOMStudyInstanceUID' || field === 'DICOMSeriesInstanceUID') && !UID_PATTERN.test(s)) return;
    out[field] = s;
  };
  set('DICOMPatientId', patient['PatientID']);
  set('DICOMPatientName', patient['PatientName']);
  set('DICOMPatientBirthDate', patient['PatientBirthDate']);
  set('DICOMPatientSex', patient['PatientSex']);
  set('DICOMStudyInstanceUID', study['StudyInstanceUID']);
  set('DICOMStudyId', study['StudyID']);
  set('DICOMStudyDescription', study['StudyDescription']);
  let instances = 0;
  for (const s of Object.values(seriesMap)) instances += Object.keys(s.Instances ?? {}).length;
  out.DICOMNumberOfStudyRelatedSeries = Object.keys(seriesMap).length;
  out.DICOMNumberOfStudyRelatedInstances = instances;
  set('DICOMAccessionNumber', study['AccessionNumber']);
  set('DICOMSeriesInstanceUID', series['SeriesInstanceUID']);
  set('DICOMSeriesModality', series['Modality']);
  set('DICOMSeriesBodyPart', series['BodyPartExamined']);
  const seriesNumber = int32(series['SeriesNumber']);
  if (seriesNumber !== undefined) out.DICOMSeriesNumber = seriesNumber;
  set('DICOMStudyDate', study['StudyDate']);
  set('DICOMStudyTime', study['StudyTime']);
  return out;
}
