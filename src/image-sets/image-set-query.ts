// The typed query SearchImageSets hands to the index, and the rows it gets back.
import type { DatastoreId } from '../api/index.js';

export type IdentifierField = 'DICOMPatientId' | 'DICOMAccessionNumber' | 'DICOMStudyId' | 'DICOMStudyInstanceUID' | 'DICOMSeriesInstanceUID';
export type RangeField = 'createdAt' | 'updatedAt' | 'DICOMStudyDateAndTime';
export type SortField = 'updatedAt' | 'createdAt' | 'DICOMStudyDateAndTime';

/** What the index is asked: equalities, at most one inclusive range, an order, a keyset position. */
export interface ImageSetQuery {
  readonly datastoreId: DatastoreId;
  readonly equals: readonly { readonly field: IdentifierField | 'isPrimary'; readonly value: string | boolean }[];
  readonly range: { readonly field: RangeField; readonly low: string | number; readonly high: string | number } | undefined;
  readonly sort: { readonly field: SortField; readonly order: 'ASC' | 'DESC' };
  readonly after: { readonly sortValue: string | number; readonly id: string } | undefined;
  readonly limit: number;
}

export interface ImageSetSearchRow {
  readonly id: string;
  readonly latestVersion: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly lastAccessedAtMs: number | undefined;
  readonly storageTier: string;
  readonly isPrimary: boolean;
  readonly studyInstanceUID: string;
  readonly instanceCount: number;
  readonly dicomTagsJson: string;
  /** The value of the sort column, for the next page's keyset position. */
  readonly sortValue: string | number;
}

