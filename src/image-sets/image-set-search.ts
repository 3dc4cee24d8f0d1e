// SearchImageSets (behavior.md §14): criteria rules, the typed query the index answers, summaries with DICOMTags.
import {
  ValidationException,
  type DatastoreId,
  type PageTokens,
} from '../api/index.js';
import type { DicomTagsSummary } from './dicom-tags-summary.js';
import type { ImageSetRepository } from './image-set-repository.js';
import type { IdentifierField, ImageSetQuery, SortField } from './image-set-query.js';

/** One search value as the request carries it (already shape-validated at the edge). */
export type SearchValue =
  | { readonly field: IdentifierField; readonly value: string }
  | { readonly field: 'createdAt' | 'updatedAt'; readonly valueMs: number }
  | { readonly field: 'DICOMStudyDateAndTime'; readonly date: string; readonly time: string | undefined }
  | { readonly field: 'isPrimary'; readonly value: boolean };

export interface SearchFilterInput {
  readonly operator: 'EQUAL' | 'BETWEEN';
  readonly values: readonly SearchValue[];
}

export interface SearchCriteriaInput {
  readonly filters: readonly SearchFilterInput[] | undefined;
  readonly sort: { readonly sortField: SortField; readonly sortOrder: 'ASC' | 'DESC' } | undefined;
}

export interface ImageSetsMetadataSummary {
  readonly imageSetId: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly lastAccessedAt?: Date;
  readonly storageTier: string;
  readonly DICOMTags: DicomTagsSummary;
  readonly isPrimary: boolean;
}

const DEFAULT_PAGE_SIZE = 50;
const IDENTIFIERS: readonly string[] = ['DICOMPatientId', 'DICOMAccessionNumber', 'DICOMStudyId', 'DICOMStudyInstanceUID', 'DICOMSeriesInstanceUID'];

export class ImageSetSearch {
  constructor(
    private readonly repository: ImageSetRepository,
    private readonly pageTokens: PageTokens,
  ) {}

  async search(
    datastoreId: DatastoreId,
    criteria: SearchCriteriaInput,
    nextToken: string | undefined,
    maxResults: number | undefined,
  ): Promise<{ imageSetsMetadataSummaries: ImageSetsMetadataSummary[]; sort: { sortField: SortField; sortOrder: 'ASC' | 'DESC' }; nextToken?: string }> {
    const plan = planQuery(criteria);
    // The token is bound to the criteria: the same position means nothing under other filters or another order.
    const scope = `SearchImageSets|${datastoreId}|${JSON.stringify(plan)}`;
    const after = nextToken === undefined ? undefined : this.pageTokens.decode<{ sortValue: string | number; id: string }>(scope, nextToken);
    const limit = maxResults ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.searchImageSets({ datastoreId, ...plan, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const counts = await this.repository.studyCounts(datastoreId, [...new Set(page.filter((r) => r.isPrimary).map((r) => r.studyInstanceUID))]);
    const last = page.at(-1);
    return {
      imageSetsMetadataSummaries: page.map((row) => {
        const tags = JSON.parse(row.dicomTagsJson) as DicomTagsSummary;
        // Study counters cover the study's primary image sets; a non-primary set counts only itself (§14).
        const study = row.isPrimary ? counts.get(row.studyInstanceUID) : undefined;
        return {
          imageSetId: row.id,
          version: row.latestVersion,
          createdAt: new Date(row.createdAtMs),
          updatedAt: new Date(row.updatedAtMs),
          ...(row.lastAccessedAtMs !== undefined ? { lastAccessedAt: new Date(row.lastAccessedAtMs) } : {}),
          storageTier: row.storageTier,
          DICOMTags: {
            ...tags,
            DICOMNumberOfStudyRelatedSeries: study?.series ?? 1,
            DICOMNumberOfStudyRelatedInstances: study?.instances ?? row.instanceCount,
          },
          isPrimary: row.isPrimary,
        };
      }),
      sort: { sortField: plan.sort.field, sortOrder: plan.sort.order },
      ...(rows.length > limit && last !== undefined ? { nextToken: this.pageTokens.encode(scope, { sortValue: last.sortValue, id: last.id }) } : {}),
    };
  }
}

/**
 * The attribute/operator matrix and combinations of behavior.md §14: EQUAL on an identifier or isPrimary, BETWEEN on a
 * date; two filters only as one BETWEEN plus one EQUAL, or isPrimary plus an identifier; a sort on a date other than
 * the one filtered by BETWEEN is refused.
 */
export function planQuery(criteria: SearchCriteriaInput): Pick<ImageSetQuery, 'equals' | 'range' | 'sort'> {
  const equals: { field: IdentifierField | 'isPrimary'; value: string | boolean }[] = [];
  let range: ImageSetQuery['range'];
  for (const filter of criteria.filters ?? []) {
    const fields = new Set(filter.values.map((v) => v.field));
    if (fields.size !== 1) throw new ValidationException('All values of a search filter must name the same attribute');
    const field = filter.values[0]!.field;
    if (filter.operator === 'EQUAL') {
      if (filter.values.length !== 1) throw new ValidationException('The EQUAL operator takes exactly one value');
      const value = filter.values[0]!;
      if (value.field === 'isPrimary') equals.push({ field: 'isPrimary', value: value.value });
      else if (IDENTIFIERS.includes(value.field)) equals.push({ field: value.field as IdentifierField, value: (value as { value: string }).value });
      else throw new ValidationException(`The EQUAL operator is not supported for ${field}; use BETWEEN`);
    } else {
      if (filter.values.length !== 2) throw new ValidationException('The BETWEEN operator takes exactly two values: a lower and an upper bound');
      if (range !== undefined) throw new ValidationException('At most one BETWEEN filter is allowed');
      const [low, high] = filter.values as [SearchValue, SearchValue];
      if (low.field === 'createdAt' || low.field === 'updatedAt') {
        range = { field: low.field, low: low.valueMs, high: (high as { valueMs: number }).valueMs };
      } else if (low.field === 'DICOMStudyDateAndTime') {
        const h = high as { date: string; time: string | undefined };
        range = { field: 'DICOMStudyDateAndTime', low: studyDateTimeKey(low.date, low.time, 'low'), high: studyDateTimeKey(h.date, h.time, 'high') };
      } else {
        throw new ValidationException(`The BETWEEN operator is not supported for ${field}; use EQUAL`);
      }
      if (range.low > range.high) throw new ValidationException('The lower bound of a BETWEEN filter must not be greater than the upper bound');
    }
  }
  const identifiers = equals.filter((e) => e.field !== 'isPrimary');
  if (identifiers.length > 1) throw new ValidationException('At most one EQUAL filter on a DICOM identifier is allowed');
  if (equals.length > 1 && range !== undefined) throw new ValidationException('A BETWEEN filter combines with one EQUAL filter only');
  // Default order: updatedAt DESC (AWS). With a BETWEEN on another date and no sort asked for, the results come newest
  // first by that date instead, so the range index serves the order too (no sort of every match); the response says so.
  const sort =
    criteria.sort !== undefined
      ? { field: criteria.sort.sortField, order: criteria.sort.sortOrder }
      : { field: range?.field ?? ('updatedAt' as const), order: 'DESC' as const };
  if (range !== undefined && criteria.sort !== undefined && sort.field !== range.field) {
    throw new ValidationException(`Sorting by ${sort.field} is not supported with a BETWEEN filter on ${range.field}`);
  }
  return { equals, range, sort };
}

/**
 * DICOM date (YYYYMMDD) and time (HHMMSS.FFFFFF, parts optional) as a text key whose order is time order. A missing
 * time is the start of the day for a lower bound and, for an upper bound, the end of that day.
 */
export function studyDateTimeKey(date: string, time: string | undefined, bound: 'low' | 'high' | 'value'): string {
  const d = date.trim();
  if (!/^\d{8}$/.test(d)) throw new ValidationException(`DICOMStudyDate must be a DICOM date YYYYMMDD, got '${date}'`);
  const t = (time ?? '').trim();
  if (t !== '' && !/^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(t)) throw new ValidationException(`DICOMStudyTime must be a DICOM time HHMMSS.FFFFFF, got '${time}'`);
  if (t === '' && bound === 'high') return `${d}235959.999999`;
  const [whole = '', fraction = ''] = t.split('.');
  return `${d}${whole.padEnd(6, '0')}.${fraction.padEnd(6, '0')}`;
}

/** The stored key of an image set's study date and time, or '~' (sorts after every date) when it has none. */
export function storedStudyDateTimeKey(date: string | undefined, time: string | undefined): string {
  if (date === undefined) return '~';
  try {
    return studyDateTimeKey(date, time, 'value');
  } catch {
    return '~';
  }
}
