// DICOM element constraints enforced on import and on metadata updates (behavior.md §6.6, §4.3 warning codes).
import type { DicomJsonDataset, DicomJsonElement, PersonNameValue } from '../dicom/dicom-json.js';
import { elementKey, normalizeTag, personNameToString, stripTrailingPadding } from './metadata-document-encoding.js';

export type ElementConstraintWarningCode = 'INVALID_UID_FORMAT' | 'INVALID_DICOM_VALUE_LENGTH';

export interface ElementConstraintWarning {
  readonly code: ElementConstraintWarningCode;
  readonly message: string;
}

export interface ElementConstraintResult {
  /** Violations that reject the file on import (customer error) / the update (ValidationException) unless forced. */
  readonly errors: string[];
  /** Non-conformances that do not stop the import (warning.ndjson, WarningReason). */
  readonly warnings: ElementConstraintWarning[];
}

/** Elements that must exist with a non-empty value (§4.3 customer errors: "DICOM attribute SOPClassUID does not exist"). */
const REQUIRED: readonly [tag: string, keyword: string][] = [
  ['0020000D', 'StudyInstanceUID'],
  ['0020000E', 'SeriesInstanceUID'],
  ['00080018', 'SOPInstanceUID'],
  ['00080016', 'SOPClassUID'],
];

/** §6.6 length limits whose violation is an error. */
const LENGTH_ERRORS: ReadonlyMap<string, readonly [keyword: string, max: number]> = new Map([
  ['00100010', ['PatientName', 256]],
  ['00100020', ['PatientID', 256]],
  ['00100040', ['PatientSex', 16]],
  ['0020000D', ['StudyInstanceUID', 256]],
  ['00200010', ['StudyID', 16]],
  ['00081030', ['StudyDescription', 64]],
  ['00080050', ['AccessionNumber', 256]],
  ['0020000E', ['SeriesInstanceUID', 256]],
  ['00080060', ['Modality', 16]],
  ['00180015', ['BodyPartExamined', 64]],
] as const);

/**
 * §6.6 limits of the date/time search fields. Their violation is a warning (INVALID_DICOM_VALUE_LENGTH: "such fields may
 * not be searchable (e.g. StudyDate/StudyTime)", §4.3), not an error [I] — PatientBirthDate treated like them.
 */
const LENGTH_WARNINGS: ReadonlyMap<string, readonly [keyword: string, max: number]> = new Map([
  ['00080020', ['StudyDate', 18]],
  ['00080030', ['StudyTime', 28]],
  ['00100030', ['PatientBirthDate', 18]],
] as const);

/** §6.6 pattern of DICOMStudyInstanceUID / DICOMSeriesInstanceUID. */
const SEARCH_UID_PATTERN = /^(?:[0-9][0-9]*|0)(\.(?:[1-9][0-9]*|0))*$/;
/** PS3.5 §9.1 UID rules: digit components without leading zeros, at most 64 characters. */
const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
const UID_MAX = 64;

/** Maximum value lengths per VR (PS3.5 2022b Table 6.2-1; PN per component group). UC, UR, UT, UI unchecked here. */
const VR_MAX_LENGTH: ReadonlyMap<string, number> = new Map([
  ['AE', 16], ['AS', 4], ['CS', 16], ['DA', 8], ['DS', 16], ['DT', 26], ['IS', 12], ['LO', 64], ['LT', 10240],
  ['PN', 64], ['SH', 16], ['ST', 1024], ['TM', 14],
]);

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function charLength(s: string): number {
  return [...s].length;
}

/** The element's values as strings with trailing padding removed; null entries skipped. */
function stringValues(element: DicomJsonElement): string[] {
  const out: string[] = [];
  for (const v of element.Value ?? []) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') {
      if (element.vr === 'PN') out.push(personNameToString(v as PersonNameValue));
      continue;
    }
    out.push(typeof v === 'number' ? String(v) : stripTrailingPadding(v));
  }
  return out.filter((s) => s !== '');
}

function displayName(tag: string): string {
  return elementKey(tag).key;
}

/**
 * §6.6 constraints for one instance's data set (without file meta). Errors name the keyword, e.g.
 * "DICOM attribute StudyInstanceUID exceeds 256 characters", "DICOM attribute SOPInstanceUID does not exist".
 * Warnings cover the whole data set including sequence items (paths like `ReferencedImageSequence[0].ReferencedSOPInstanceUID`):
 * UIDs that break the UI rules (INVALID_UID_FORMAT) and values longer than their VR allows (INVALID_DICOM_VALUE_LENGTH).
 * An element with an error gets no warning as well.
 */
export function checkElementConstraints(dataset: DicomJsonDataset): ElementConstraintResult {
  const errors: string[] = [];
  const warnings: ElementConstraintWarning[] = [];
  const byTag = new Map<string, DicomJsonElement>();
  for (const [tag, element] of Object.entries(dataset)) byTag.set(normalizeTag(tag), element);
  const erroneous = new Set<string>();

  for (const [tag, keyword] of REQUIRED) {
    const element = byTag.get(tag);
    if (element === undefined || stringValues(element).length === 0) {
      errors.push(`DICOM attribute ${keyword} does not exist`);
      erroneous.add(tag);
    }
  }
  for (const [tag, [keyword, max]] of LENGTH_ERRORS) {
    const element = byTag.get(tag);
    if (element === undefined) continue;
    const values = stringValues(element);
    if (values.some((v) => charLength(v) > max)) {
      errors.push(`DICOM attribute ${keyword} exceeds ${max} characters`);
      erroneous.add(tag);
    } else if ((tag === '0020000D' || tag === '0020000E') && values.some((v) => !SEARCH_UID_PATTERN.test(v))) {
      errors.push(`DICOM attribute ${keyword} has an invalid UID format`);
      erroneous.add(tag);
    }
  }
  const seriesNumber = byTag.get('00200011');
  if (seriesNumber !== undefined) {
    const values = stringValues(seriesNumber).map((v) => v.trim());
    if (values.some((v) => !/^[+-]?\d+$/.test(v) || Number(v) < INT32_MIN || Number(v) > INT32_MAX)) {
      errors.push('DICOM attribute SeriesNumber is not an integer in the int32 range');
      erroneous.add('00200011');
    }
  }

  checkItem(byTag, '', true, erroneous, warnings);
  return { errors, warnings };
}

function checkItem(
  elements: ReadonlyMap<string, DicomJsonElement>,
  prefix: string,
  topLevel: boolean,
  erroneous: ReadonlySet<string>,
  warnings: ElementConstraintWarning[],
): void {
  for (const tag of [...elements.keys()].sort()) {
    const element = elements.get(tag)!;
    const path = `${prefix}${displayName(tag)}`;
    const vr = (element.vr ?? '').toUpperCase();
    if (vr === 'SQ') {
      (element.Value ?? []).forEach((item, i) => {
        if (item === null || typeof item !== 'object') return;
        const nested = new Map<string, DicomJsonElement>();
        for (const [t, e] of Object.entries(item as DicomJsonDataset)) nested.set(normalizeTag(t), e);
        checkItem(nested, `${path}[${i}].`, false, erroneous, warnings);
      });
      continue;
    }
    if (topLevel && erroneous.has(tag)) continue;
    const values = stringValues(element);
    if (vr === 'UI') {
      if (values.some((v) => charLength(v) > UID_MAX || !UID_PATTERN.test(v))) {
        warnings.push({ code: 'INVALID_UID_FORMAT', message: `DICOM attribute ${path} has an invalid UID format` });
      }
      continue;
    }
    const searchLimit = topLevel ? LENGTH_WARNINGS.get(tag) : undefined;
    if (searchLimit !== undefined && values.some((v) => charLength(v) > searchLimit[1])) {
      warnings.push({
        code: 'INVALID_DICOM_VALUE_LENGTH',
        message: `DICOM attribute ${path} exceeds ${searchLimit[1]} characters and is not searchable`,
      });
      continue;
    }
    const max = VR_MAX_LENGTH.get(vr);
    if (max === undefined) continue;
    // DS/IS given as JSON numbers have lost their stored text; only their string form can be checked.
    const checked = vr === 'DS' || vr === 'IS' ? (element.Value ?? []).filter((v): v is string => typeof v === 'string').map(stripTrailingPadding) : values;
    const tooLong = vr === 'PN' ? checked.some((v) => v.split('=').some((group) => charLength(group) > max)) : checked.some((v) => charLength(v) > max);
    if (tooLong) {
      warnings.push({
        code: 'INVALID_DICOM_VALUE_LENGTH',
        message: `DICOM attribute ${path} exceeds the ${max} characters allowed for VR ${vr}`,
      });
    }
  }
}
