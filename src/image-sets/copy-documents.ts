// CopyImageSet on documents (behavior.md §12): which instances a copy takes, the document of a new destination, and the
// merge into an existing one with its consistency check. Pure, so an interrupted copy is recomputed on start-up.
import { ValidationException } from '../api/index.js';
import type { DocumentInstance, DocumentSeries, ImageSetMetadataDocument } from './metadata-document-types.js';
import { levelsEqual } from './metadata-levels.js';
import type { MetadataPatch } from './metadata-patch.js';

/** The series (with their selected instances) a copy takes from its source, in source document order. */
export type CopySelection = ReadonlyMap<string, DocumentSeries>;

/** Selected instances of the source: everything without `copiableAttributes`; naming what is not there is an error. */
export function selectForCopy(source: ImageSetMetadataDocument, patch: MetadataPatch | undefined): CopySelection {
  const selected = new Map<string, DocumentSeries>();
  if (patch === undefined) {
    for (const [uid, series] of Object.entries(source.Study.Series)) selected.set(uid, series);
    return selected;
  }
  for (const [seriesUid, seriesPatch] of patch.series) {
    const series = source.Study.Series[seriesUid];
    if (series === undefined) throw new ValidationException(`copiableAttributes: series ${seriesUid} is not in the source image set`);
    if (seriesPatch.whole || seriesPatch.instances.size === 0) {
      selected.set(seriesUid, series);
      continue;
    }
    const instances: Record<string, DocumentInstance> = {};
    for (const sopUid of seriesPatch.instances.keys()) {
      const instance = series.Instances[sopUid];
      if (instance === undefined) throw new ValidationException(`copiableAttributes: instance ${sopUid} is not in series ${seriesUid} of the source image set`);
      instances[sopUid] = instance;
    }
    selected.set(seriesUid, { DICOM: series.DICOM, Instances: instances });
  }
  if (selected.size === 0) throw new ValidationException('copiableAttributes selects no instances');
  return selected;
}

export function countSelectedFrames(selection: CopySelection): number {
  let n = 0;
  for (const series of selection.values()) for (const instance of Object.values(series.Instances)) n += instance.ImageFrames?.length ?? 0;
  return n;
}

export function selectedSopInstanceUIDs(selection: CopySelection): string[] {
  return [...selection.values()].flatMap((series) => Object.keys(series.Instances));
}

/** A new image set holding the selection, with the source's Patient and Study metadata (§12.2 "No destination"). */
export function newCopyDocument(source: ImageSetMetadataDocument, imageSetId: string, selection: CopySelection): ImageSetMetadataDocument {
  return {
    SchemaVersion: source.SchemaVersion,
    DatastoreID: source.DatastoreID,
    ImageSetID: imageSetId,
    Patient: source.Patient,
    Study: { DICOM: source.Study.DICOM, Series: Object.fromEntries(selection) },
  };
}

/**
 * Why source and destination are not consistent (§12.2): Patient- and Study-level metadata must be equal, and so must
 * the Series level of every selected series the destination already holds. Undefined when they are consistent.
 */
export function copyInconsistency(source: ImageSetMetadataDocument, destination: ImageSetMetadataDocument, selection: CopySelection): string | undefined {
  if (!levelsEqual(source.Patient.DICOM, destination.Patient.DICOM)) return 'Patient-level metadata of the source and destination image sets differ';
  if (!levelsEqual(source.Study.DICOM, destination.Study.DICOM)) return 'Study-level metadata of the source and destination image sets differ';
  for (const [uid, series] of selection) {
    const existing = destination.Study.Series[uid];
    if (existing !== undefined && !levelsEqual(series.DICOM, existing.DICOM)) return `Series-level metadata of series ${uid} differ between source and destination`;
  }
  return undefined;
}

export type CopyMergeResult =
  | { readonly kind: 'merged'; readonly document: ImageSetMetadataDocument }
  /** A selected SOP instance is already in the destination: the copy ends COPY_FAILED (§12.2). */
  | { readonly kind: 'failed'; readonly message: string };

/**
 * The destination with the selection added. Its Patient, Study and existing Series metadata stay as they are (with force
 * they may differ from the source's; without, the caller checked they are equal); a series new to it brings its own.
 */
export function mergeCopy(destination: ImageSetMetadataDocument, selection: CopySelection): CopyMergeResult {
  const present = new Set(Object.values(destination.Study.Series).flatMap((s) => Object.keys(s.Instances)));
  const series: Record<string, DocumentSeries> = { ...destination.Study.Series };
  for (const [uid, selected] of selection) {
    for (const sopUid of Object.keys(selected.Instances)) {
      if (present.has(sopUid)) return { kind: 'failed', message: `SOP instance ${sopUid} already exists in the destination image set` };
    }
    const existing = series[uid];
    series[uid] = existing === undefined ? selected : { DICOM: existing.DICOM, Instances: { ...existing.Instances, ...selected.Instances } };
  }
  return { kind: 'merged', document: { ...destination, Study: { DICOM: destination.Study.DICOM, Series: series } } };
}
