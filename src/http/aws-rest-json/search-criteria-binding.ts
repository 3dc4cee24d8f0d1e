// Binds the SearchImageSets body (the SearchCriteria structure itself, wire contract §5) to the typed criteria.
import type { StringShape, Violations } from '../../api/index.js';
import type { SearchCriteriaInput, SearchFilterInput, SearchValue, SortField } from '../../image-sets/index.js';

const DICOM_ID: StringShape = { type: 'string', minLength: 0, maxLength: 512 };
const DICOM_UID: StringShape = { type: 'string', pattern: /^[0-9.]+$/, patternText: '[0-9.]+', minLength: 0, maxLength: 512 };
const STUDY_DATE: StringShape = { type: 'string', minLength: 0, maxLength: 36 };
const STUDY_TIME: StringShape = { type: 'string', minLength: 0, maxLength: 56 };

const VALUE_MEMBERS = [
  'DICOMPatientId',
  'DICOMAccessionNumber',
  'DICOMStudyId',
  'DICOMStudyInstanceUID',
  'DICOMSeriesInstanceUID',
  'createdAt',
  'updatedAt',
  'DICOMStudyDateAndTime',
  'isPrimary',
] as const;

export function bindSearchCriteria(body: Record<string, unknown>, v: Violations): SearchCriteriaInput {
  let filters: SearchFilterInput[] | undefined;
  if (body.filters !== undefined && body.filters !== null) {
    if (!Array.isArray(body.filters)) v.add('searchCriteria.filters', body.filters, 'Member must be a list');
    else if (body.filters.length < 1 || body.filters.length > 2) v.add('searchCriteria.filters', `${body.filters.length} filters`, 'Member must have length between 1 and 2');
    else filters = body.filters.map((filter, i) => bindFilter(filter, `searchCriteria.filters.${i + 1}.member`, v)).filter((f): f is SearchFilterInput => f !== undefined);
  }
  let sort: SearchCriteriaInput['sort'];
  if (body.sort !== undefined && body.sort !== null) {
    const raw = body.sort as Record<string, unknown>;
    const sortOrder = v.enumValue('searchCriteria.sort.sortOrder', raw.sortOrder, ['ASC', 'DESC'] as const, true);
    const sortField = v.enumValue('searchCriteria.sort.sortField', raw.sortField, ['updatedAt', 'createdAt', 'DICOMStudyDateAndTime'] as const, true);
    if (sortOrder !== undefined && sortField !== undefined) sort = { sortOrder, sortField: sortField as SortField };
  }
  return { filters, sort };
}

function bindFilter(raw: unknown, member: string, v: Violations): SearchFilterInput | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    v.add(member, raw, 'Member must be a structure');
    return undefined;
  }
  const filter = raw as Record<string, unknown>;
  const operator = v.enumValue(`${member}.operator`, filter.operator, ['EQUAL', 'BETWEEN'] as const, true);
  if (!Array.isArray(filter.values) || filter.values.length < 1 || filter.values.length > 2) {
    v.add(`${member}.values`, filter.values ?? null, 'Member must be a list of 1 to 2 values');
    return undefined;
  }
  const values = filter.values.map((value, i) => bindValue(value, `${member}.values.${i + 1}.member`, v));
  if (operator === undefined || values.some((x) => x === undefined)) return undefined;
  return { operator, values: values as SearchValue[] };
}

function bindValue(raw: unknown, member: string, v: Violations): SearchValue | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    v.add(member, raw, 'Member must be a structure');
    return undefined;
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1 || !(VALUE_MEMBERS as readonly string[]).includes(keys[0]!)) {
    v.add(member, keys.join(','), `Exactly one member of the union must be set: one of ${VALUE_MEMBERS.join(', ')}`);
    return undefined;
  }
  const field = keys[0] as (typeof VALUE_MEMBERS)[number];
  const value = (raw as Record<string, unknown>)[field];
  switch (field) {
    case 'DICOMPatientId':
    case 'DICOMAccessionNumber':
    case 'DICOMStudyId': {
      const text = v.string(`${member}.${field}`, value, DICOM_ID, true);
      return text === undefined ? undefined : { field, value: text };
    }
    case 'DICOMStudyInstanceUID':
    case 'DICOMSeriesInstanceUID': {
      const text = v.string(`${member}.${field}`, value, DICOM_UID, true);
      return text === undefined ? undefined : { field, value: text };
    }
    case 'createdAt':
    case 'updatedAt':
      // Epoch seconds as a JSON number: JS keeps milliseconds, botocore sends whole seconds (wire contract §6.3).
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        v.add(`${member}.${field}`, value, 'Member must be a timestamp in epoch seconds');
        return undefined;
      }
      return { field, valueMs: Math.round(value * 1000) };
    case 'DICOMStudyDateAndTime': {
      const object = (value ?? {}) as Record<string, unknown>;
      const date = v.string(`${member}.DICOMStudyDateAndTime.DICOMStudyDate`, object.DICOMStudyDate, STUDY_DATE, true);
      const time = v.string(`${member}.DICOMStudyDateAndTime.DICOMStudyTime`, object.DICOMStudyTime, STUDY_TIME, false);
      return date === undefined ? undefined : { field, date, time };
    }
    case 'isPrimary': {
      if (typeof value !== 'boolean') {
        v.add(`${member}.isPrimary`, value, 'Member must be a boolean');
        return undefined;
      }
      return { field, value };
    }
  }
}

