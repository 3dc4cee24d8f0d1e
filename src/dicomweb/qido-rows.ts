// The QIDO-RS index rows of one primary image set (one series): the study attributes, the series row and one row per
// instance, with the match-key columns QIDO filters on and the DICOM JSON it returns (dicomweb.md §5).
import { tagOf, type DicomJsonElement } from '../dicom/index.js';
import type { ImageSetMetadataDocument } from '../image-sets/index.js';
import { instanceDicomJson, seriesInstances } from './instance-dicom-json.js';

export type DicomJsonObject = Record<string, DicomJsonElement>;

export interface QidoStudyColumns {
  readonly studyDate: string | null;
  readonly studyTime: string | null;
  readonly accessionNumber: string | null;
  readonly referringPhysicianName: string | null;
  readonly studyDescription: string | null;
  readonly patientName: string | null;
  readonly patientId: string | null;
  readonly patientBirthDate: string | null;
  readonly patientBirthTime: string | null;
  readonly studyId: string | null;
}

export interface QidoSeriesRow {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly modality: string | null;
  readonly seriesNumber: number | null;
  readonly ppsStartDate: string | null;
  readonly ppsStartTime: string | null;
  readonly instanceCount: number;
  /** Patient and study level attributes (the same for every primary series of a study). */
  readonly study: QidoStudyColumns;
  readonly studyJson: string;
  readonly seriesJson: string;
}

export interface QidoInstanceRow {
  readonly sopInstanceUID: string;
  readonly sopClassUID: string | null;
  readonly instanceNumber: number | null;
  readonly warningReason: number | null;
  /** Instance-level attributes (everything not at patient, study or series level), no bulk data. */
  readonly instanceJson: string;
}

export interface QidoImageSetRows {
  readonly series: QidoSeriesRow;
  readonly instances: readonly QidoInstanceRow[];
}

/** Rows of a primary image set's document (its one series). */
export function qidoRowsOf(document: ImageSetMetadataDocument): QidoImageSetRows | undefined {
  const [seriesInstanceUID, series] = Object.entries(document.Study.Series)[0] ?? [];
  if (seriesInstanceUID === undefined || series === undefined) return undefined;
  const locations = seriesInstances(document, seriesInstanceUID);
  const studyKeys = new Set([...Object.keys(document.Patient.DICOM), ...Object.keys(document.Study.DICOM)]);
  const seriesKeys = new Set(Object.keys(series.DICOM));
  let studyJson: DicomJsonObject = {};
  let seriesJson: DicomJsonObject = {};
  const instances: QidoInstanceRow[] = [];
  for (const location of locations) {
    const all = instanceDicomJson(document, location, { includeFileMeta: false, bulkDataUri: () => '' });
    const levels = splitLevels(all, location.instance.DICOM, studyKeys, seriesKeys);
    if (instances.length === 0) {
      studyJson = levels.study;
      seriesJson = levels.series;
    }
    instances.push({
      sopInstanceUID: location.sopInstanceUID,
      sopClassUID: text(all, '00080016'),
      instanceNumber: number(all, '00200013'),
      warningReason: number(all, '00081196'),
      instanceJson: JSON.stringify(withoutBulk(levels.instance)),
    });
  }
  return {
    series: {
      studyInstanceUID: text(studyJson, '0020000D') ?? '',
      seriesInstanceUID,
      modality: text(seriesJson, '00080060'),
      seriesNumber: number(seriesJson, '00200011'),
      ppsStartDate: text(seriesJson, '00400244'),
      ppsStartTime: text(seriesJson, '00400245'),
      instanceCount: instances.length,
      study: {
        studyDate: text(studyJson, '00080020'),
        studyTime: text(studyJson, '00080030'),
        accessionNumber: text(studyJson, '00080050'),
        referringPhysicianName: personName(studyJson, '00080090'),
        studyDescription: text(studyJson, '00081030'),
        patientName: personName(studyJson, '00100010'),
        patientId: text(studyJson, '00100020'),
        patientBirthDate: text(studyJson, '00100030'),
        patientBirthTime: text(studyJson, '00100032'),
        studyId: text(studyJson, '00200010'),
      },
      studyJson: JSON.stringify(withoutBulk(studyJson)),
      seriesJson: JSON.stringify(withoutBulk(seriesJson)),
    },
    instances,
  };
}

/** The merged instance split back into its document levels (keys are keywords there, tags here). */
function splitLevels(
  all: DicomJsonObject,
  instanceDicom: Record<string, unknown>,
  studyKeys: ReadonlySet<string>,
  seriesKeys: ReadonlySet<string>,
): { study: DicomJsonObject; series: DicomJsonObject; instance: DicomJsonObject } {
  const byKey = (keys: Iterable<string>) => new Set([...keys].map(tagKey));
  const studyTags = byKey(studyKeys);
  const seriesTags = byKey(seriesKeys);
  const instanceTags = byKey(Object.keys(instanceDicom));
  const study: DicomJsonObject = {};
  const series: DicomJsonObject = {};
  const instance: DicomJsonObject = {};
  for (const [tag, element] of Object.entries(all)) {
    if (instanceTags.has(tag)) instance[tag] = element;
    else if (seriesTags.has(tag)) series[tag] = element;
    else if (studyTags.has(tag)) study[tag] = element;
    else instance[tag] = element;
  }
  return { study, series, instance };
}

const keywordTags = new Map<string, string>();
function tagKey(key: string): string {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return key.toUpperCase();
  let tag = keywordTags.get(key);
  if (tag === undefined) {
    tag = tagOfKeyword(key);
    keywordTags.set(key, tag);
  }
  return tag;
}

function tagOfKeyword(keyword: string): string {
  return tagOf(keyword) ?? keyword;
}

/** Bulk data is never part of QIDO results from the index (includefield of a bulk element reads the document). */
function withoutBulk(object: DicomJsonObject): DicomJsonObject {
  const out: DicomJsonObject = {};
  for (const [tag, element] of Object.entries(object)) if (element.BulkDataURI === undefined) out[tag] = element;
  return out;
}

function text(object: DicomJsonObject, tag: string): string | null {
  const value = object[tag]?.Value?.[0];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function number(object: DicomJsonObject, tag: string): number | null {
  const value = Number(object[tag]?.Value?.[0]);
  return object[tag]?.Value?.[0] === undefined || !Number.isFinite(value) ? null : value;
}

function personName(object: DicomJsonObject, tag: string): string | null {
  const value = object[tag]?.Value?.[0];
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? ((value as { Alphabetic?: string }).Alphabetic ?? null) : String(value);
}
