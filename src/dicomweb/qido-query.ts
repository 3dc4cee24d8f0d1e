// QIDO-RS query parameters → a typed query (dicomweb.md §5.2–§5.4): match keys by keyword or tag per route, single
// value / wildcard / UID list / range / fuzzy matching, includefield, limit and offset.
import { ValidationException } from '../api/index.js';
import { keywordOf, tagOf } from '../dicom/index.js';

export type QidoLevel = 'study' | 'series' | 'instance';

/** Match keys the index can filter on (dicomweb.md §5.2), by keyword. */
export const STUDY_KEYS = [
  'StudyDate', 'StudyTime', 'AccessionNumber', 'ModalitiesInStudy', 'ReferringPhysicianName', 'StudyDescription',
  'PatientName', 'PatientID', 'PatientBirthDate', 'PatientBirthTime', 'StudyInstanceUID', 'StudyID',
] as const;
export const SERIES_KEYS = ['Modality', 'SeriesInstanceUID', 'SeriesNumber', 'PerformedProcedureStepStartDate', 'PerformedProcedureStepStartTime'] as const;
export const INSTANCE_KEYS = ['SOPClassUID', 'SOPInstanceUID', 'WarningReason'] as const;
export type QidoKey = (typeof STUDY_KEYS)[number] | (typeof SERIES_KEYS)[number] | (typeof INSTANCE_KEYS)[number];

const UID_KEYS: ReadonlySet<string> = new Set(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID']);
const RANGE_KEYS: ReadonlySet<string> = new Set(['StudyDate', 'StudyTime', 'PatientBirthDate', 'PatientBirthTime', 'PerformedProcedureStepStartDate', 'PerformedProcedureStepStartTime']);
const PN_KEYS: ReadonlySet<string> = new Set(['PatientName', 'ReferringPhysicianName']);
const NUMBER_KEYS: ReadonlySet<string> = new Set(['SeriesNumber', 'WarningReason']);

export type QidoMatch =
  | { readonly kind: 'equals'; readonly value: string | number; readonly isCaseInsensitive: boolean }
  | { readonly kind: 'wildcard'; readonly pattern: string; readonly isCaseInsensitive: boolean }
  | { readonly kind: 'list'; readonly values: readonly string[] }
  | { readonly kind: 'range'; readonly low: string | undefined; readonly high: string | undefined }
  | { readonly kind: 'fuzzy'; readonly words: readonly string[] };

export interface QidoCondition {
  readonly key: QidoKey;
  readonly match: QidoMatch;
}

export interface QidoQuery {
  readonly level: QidoLevel;
  readonly datastoreId: string;
  /** Parent UIDs from the path (hierarchical routes). */
  readonly studyInstanceUID?: string;
  readonly seriesInstanceUID?: string;
  readonly conditions: readonly QidoCondition[];
  /** studies and a study's instances: last update first; series: SeriesNumber; instances: InstanceNumber. */
  readonly order: 'updated' | 'series-number' | 'instance-number';
  readonly limit: number;
  readonly offset: number;
}

/** One result row: the DICOM JSON of its levels (as stored) and the counts computed over the primary image sets. */
export interface QidoRow {
  readonly imageSetId: string;
  readonly studyJson: string;
  readonly seriesJson?: string;
  readonly instanceJson?: string;
  readonly modalities: string;
  readonly studySeriesCount: number;
  readonly studyInstanceCount: number;
  readonly seriesInstanceCount?: number;
}

export interface ParsedQido {
  readonly query: QidoQuery;
  /** Tags asked for with includefield (8-hex, top level); `all` when includefield=all. */
  readonly includeFields: ReadonlySet<string> | 'all';
  /** Keys that were given but cannot be matched here (reported in a Warning header, dicomweb.md §5.2). */
  readonly unsupportedKeys: readonly string[];
}

export const MAX_LIMIT = 1000;
const MAX_OFFSET = 1_000_000;
const MAX_REACHABLE = 10_000;
const MAX_INCLUDE_FIELDS = 50;
const CONTROL_PARAMETERS = new Set(['limit', 'offset', 'includefield', 'fuzzymatching', 'imagesetid']);

export function parseQido(
  level: QidoLevel,
  allowedKeys: readonly QidoKey[],
  base: { datastoreId: string; studyInstanceUID?: string; seriesInstanceUID?: string; order: QidoQuery['order'] },
  params: URLSearchParams,
): ParsedQido {
  const limit = integer(params.get('limit'), MAX_LIMIT, 'limit', 1, MAX_LIMIT);
  const offset = integer(params.get('offset'), 0, 'offset', 0, MAX_OFFSET);
  if (offset + limit > MAX_REACHABLE && params.get('limit') !== null) throw new ValidationException(`At most ${MAX_REACHABLE} results can be reached (offset + limit)`);
  const isFuzzy = (params.get('fuzzymatching') ?? 'false').toLowerCase() === 'true';
  const includeValues = params.getAll('includefield').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (includeValues.length > MAX_INCLUDE_FIELDS) throw new ValidationException(`includefield may be given at most ${MAX_INCLUDE_FIELDS} times`);
  const includeFields: Set<string> | 'all' = includeValues.some((v) => v.toLowerCase() === 'all')
    ? 'all'
    : new Set(includeValues.map((v) => tagOfParameter(v.split('.')[0]!)).filter((t): t is string => t !== undefined));
  const conditions: QidoCondition[] = [];
  const unsupportedKeys: string[] = [];
  for (const [name, raw] of params.entries()) {
    if (CONTROL_PARAMETERS.has(name.toLowerCase())) continue;
    const tag = tagOfParameter(name);
    const keyword = tag === undefined ? undefined : keywordOf(tag);
    const key = allowedKeys.find((k) => k === keyword);
    if (key === undefined) {
      // A private creator given with a private includefield is part of the request, not a match key (dicomweb.md §5.5).
      if (tag === undefined || !/^[0-9A-F]{4}00[1-9A-F][0-9A-F]$/.test(tag) || (parseInt(tag[3]!, 16) & 1) === 0) unsupportedKeys.push(name);
      continue;
    }
    const value = raw.replace(/^"(.*)"$/, '$1');
    if (value === '') {
      // Universal matching: the attribute is returned, nothing is filtered (PS3.4 C.2.2.2.3).
      if (includeFields !== 'all') includeFields.add(tag!);
      continue;
    }
    if (includeFields !== 'all') includeFields.add(tag!);
    conditions.push({ key, match: matchOf(key, value, isFuzzy) });
  }
  return { query: { level, ...base, conditions, limit, offset }, includeFields, unsupportedKeys };
}

function matchOf(key: QidoKey, value: string, isFuzzy: boolean): QidoMatch {
  if (PN_KEYS.has(key) && isFuzzy) return { kind: 'fuzzy', words: value.split(/[\s^=]+/).filter((w) => w !== '').map((w) => w.toLowerCase()) };
  if (UID_KEYS.has(key)) {
    const values = value.split(/[,\\]/).map((v) => v.trim());
    if (values.some((v) => !/^[0-9]+(\.[0-9]+)*$/.test(v))) throw new ValidationException(`Invalid UID in ${key}=${value}`);
    return values.length === 1 ? { kind: 'equals', value: values[0]!, isCaseInsensitive: false } : { kind: 'list', values };
  }
  if (RANGE_KEYS.has(key) && value.includes('-')) {
    const [low, high] = value.split('-');
    const check = (v: string | undefined) => {
      if (v !== undefined && v !== '' && !/^[0-9]+(\.[0-9]*)?$/.test(v)) throw new ValidationException(`Invalid range ${key}=${value}`);
      return v === '' ? undefined : v;
    };
    return { kind: 'range', low: check(low), high: check(high) };
  }
  if (RANGE_KEYS.has(key) && !/^[0-9]+(\.[0-9]*)?$/.test(value) && !/[*?]/.test(value)) throw new ValidationException(`Invalid value ${key}=${value}`);
  if (NUMBER_KEYS.has(key) && !/[*?]/.test(value)) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new ValidationException(`Invalid number ${key}=${value}`);
    return { kind: 'equals', value: n, isCaseInsensitive: false };
  }
  if (/[*?]/.test(value)) return { kind: 'wildcard', pattern: value, isCaseInsensitive: PN_KEYS.has(key) };
  return { kind: 'equals', value, isCaseInsensitive: PN_KEYS.has(key) };
}

/** A keyword (`PatientID`) or a tag (`00100020`) as an 8-hex tag. */
function tagOfParameter(name: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(name)) return name.toUpperCase();
  return tagOf(name);
}

function integer(raw: string | null, fallback: number, name: string, min: number, max: number): number {
  if (raw === null || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ValidationException(`${name} must be a non-negative integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new ValidationException(`${name} must be between ${min} and ${max}`);
  return n;
}
