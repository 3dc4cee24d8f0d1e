// UpdateImageSetMetadata on a document (behavior.md §11.2–11.3): removals first, then the merge, with every rule that
// ends in a ValidationException checked here. Pure: the same document and request always give the same result, so an
// update interrupted by a crash is recomputed on start-up.
import { ValidationException } from '../api/index.js';
import { isPrivateTag, tagInfo, tagOf } from '../dicom/index.js';
import type { DocumentValue, ImageSetMetadataDocument } from './metadata-document-types.js';
import { levelOfKeyword, levelsEqual, type MetadataLevel } from './metadata-levels.js';
import type { MetadataPatch, PatchItem } from './metadata-patch.js';

export interface MetadataUpdateContext {
  readonly force: boolean;
  readonly isPrimary: boolean;
  /** Other primary image sets share this one's StudyInstanceUID (study consistency, §5.2 invariant 3). */
  readonly hasStudySiblings: boolean;
  readonly includeStudyImageSets: boolean;
}

export type MetadataUpdateResult =
  | {
      readonly kind: 'updated';
      readonly document: ImageSetMetadataDocument;
      /** Patient.DICOM or Study.DICOM changed (to propagate to study siblings, §11.5). */
      readonly patientAndStudyChanged: boolean;
      /** SOP Instance UIDs the update changed (their whole pixel blobs follow them). */
      readonly renamedInstances: readonly { readonly from: string; readonly to: string }[];
    }
  /** A removal named a value that is not the stored one: the update ends UPDATE_FAILED (§11.3). */
  | { readonly kind: 'failed'; readonly message: string };

/** Elements describing the stored pixels: Tessera derives them from the frames (§11.2). */
const PIXEL_KEYWORDS = new Set([
  'Rows', 'Columns', 'BitsAllocated', 'BitsStored', 'HighBit', 'PixelRepresentation', 'SamplesPerPixel',
  'PhotometricInterpretation', 'NumberOfFrames', 'PlanarConfiguration', 'PixelData', 'FloatPixelData', 'DoubleFloatPixelData',
]);
/** Identity elements: changing them needs force, and only on non-primary image sets (§11.2). */
const IDENTITY_KEYWORDS = new Set(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'StudyID']);
const UID_KEYWORDS = new Set(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID']);

/** §6.6 limits (characters) of the searchable elements, and the UID pattern of the two search UIDs. */
const LENGTH_LIMITS: ReadonlyMap<string, number> = new Map([
  ['PatientName', 256], ['PatientID', 256], ['PatientBirthDate', 18], ['PatientSex', 16], ['StudyInstanceUID', 256],
  ['StudyID', 16], ['StudyDescription', 64], ['AccessionNumber', 256], ['StudyDate', 18], ['StudyTime', 28],
  ['SeriesInstanceUID', 256], ['Modality', 16], ['BodyPartExamined', 64],
]);
const SEARCH_UID_PATTERN = /^(?:[0-9][0-9]*|0)(\.(?:[1-9][0-9]*|0))*$/;
const HEX_TAG = /^[0-9A-Fa-f]{8}$/;

type MutableItem = Record<string, DocumentValue>;
interface MutableInstance {
  DICOM: MutableItem;
  DICOMVRs?: Record<string, string>;
  [key: string]: unknown;
}
interface MutableSeries {
  DICOM: MutableItem;
  Instances: Record<string, MutableInstance>;
}
interface MutableDocument {
  SchemaVersion: string;
  DatastoreID: string;
  ImageSetID: string;
  Patient: { DICOM: MutableItem };
  Study: { DICOM: MutableItem; Series: Record<string, MutableSeries> };
}

/** Applies `removable` then `updatable` to `document` (which is not modified). */
export function applyMetadataUpdates(
  document: ImageSetMetadataDocument,
  updates: { readonly removable: MetadataPatch | undefined; readonly updatable: MetadataPatch | undefined },
  context: MetadataUpdateContext,
): MetadataUpdateResult {
  if (context.includeStudyImageSets && !context.isPrimary) {
    throw new ValidationException('includeStudyImageSets applies to primary image sets only');
  }
  const working = structuredClone(document) as unknown as MutableDocument;
  const rules = new Rules(context);
  let failure: string | undefined;
  if (updates.removable !== undefined) failure = applyRemovals(working, updates.removable, rules);
  if (updates.updatable !== undefined) applyUpdates(working, updates.updatable, rules);
  assertUniqueSopInstances(working as unknown as ImageSetMetadataDocument);
  if (failure !== undefined) return { kind: 'failed', message: failure };
  const after = working as unknown as ImageSetMetadataDocument;
  return {
    kind: 'updated',
    document: after,
    patientAndStudyChanged: !levelsEqual(document.Patient.DICOM, after.Patient.DICOM) || !levelsEqual(document.Study.DICOM, after.Study.DICOM),
    renamedInstances: rules.renamedInstances,
  };
}

/** The level and identity rules every named element is checked against (removals and updates alike). */
class Rules {
  readonly renamedInstances: { from: string; to: string }[] = [];

  constructor(readonly context: MetadataUpdateContext) {}

  get unlocksConstraints(): boolean {
    return this.context.force && !this.context.isPrimary;
  }

  /** Checks a top-level key named at `level`; returns the tag. */
  element(key: string, level: MetadataLevel, action: 'update' | 'remove'): string {
    const tag = checkKey(key, `${level}.DICOM`);
    if (HEX_TAG.test(key)) {
      if (level !== 'Instance') throw new ValidationException(`${key} is not a ${level}-level element; private and unknown elements belong to instances`);
      if (isPrivateTag(tag) && !this.unlocksConstraints) {
        throw new ValidationException(
          this.context.isPrimary
            ? `Private element ${key} cannot be changed on a primary image set`
            : `Changing private element ${key} requires force=true`,
        );
      }
      return tag;
    }
    const keywordLevel = levelOfKeyword(key);
    if (keywordLevel !== level) throw new ValidationException(`${key} is a ${keywordLevel}-level element, not a ${level}-level one`);
    if (PIXEL_KEYWORDS.has(key)) throw new ValidationException(`${key} describes the stored pixel data and cannot be changed`);
    if (action === 'remove' && UID_KEYWORDS.has(key)) throw new ValidationException(`${key} cannot be removed`);
    if (this.context.isPrimary) {
      if (level === 'Series') throw new ValidationException(`Series-level elements (${key}) cannot be changed on a primary image set`);
      if (level === 'Patient' && !this.context.includeStudyImageSets) {
        throw new ValidationException(`Patient-level elements (${key}) of a primary image set can only be changed with includeStudyImageSets=true`);
      }
      if (level === 'Study' && this.context.hasStudySiblings && !this.context.includeStudyImageSets) {
        throw new ValidationException(
          `Other primary image sets share this study: Study-level elements (${key}) can only be changed with includeStudyImageSets=true`,
        );
      }
    }
    return tag;
  }

  /** Identity elements may change only with force on a non-primary image set. */
  identityChange(key: string, before: DocumentValue | undefined, after: DocumentValue): void {
    if (!IDENTITY_KEYWORDS.has(key) || valuesEqual(before, after)) return;
    if (this.context.isPrimary) {
      throw new ValidationException(`${key} of a primary image set cannot be changed, not even with force; change a non-primary copy and promote it`);
    }
    if (!this.context.force) throw new ValidationException(`Changing ${key} requires force=true`);
  }

  /** §6.6 value constraints, unless force on a non-primary image set overrides them. */
  value(key: string, value: DocumentValue): void {
    checkValueShape(key, value);
    if (this.unlocksConstraints) return;
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    const limit = LENGTH_LIMITS.get(key);
    if (limit !== undefined && text !== undefined && [...text].length > limit) {
      throw new ValidationException(`DICOM attribute ${key} exceeds ${limit} characters`);
    }
    if ((key === 'StudyInstanceUID' || key === 'SeriesInstanceUID') && text !== undefined && !SEARCH_UID_PATTERN.test(text)) {
      throw new ValidationException(`DICOM attribute ${key} is not a valid UID`);
    }
    if (key === 'SeriesNumber' && text !== undefined && text.trim() !== '') {
      const n = Number(text.trim());
      if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new ValidationException('DICOM attribute SeriesNumber is not a 32-bit integer');
    }
  }

}

function checkKey(key: string, where: string): string {
  if (HEX_TAG.test(key)) {
    const tag = key.toUpperCase();
    const info = tagInfo(tag);
    if (info !== undefined && tagOf(info.keyword) === tag) throw new ValidationException(`${where}: write ${key} by its keyword ${info.keyword}`);
    return tag;
  }
  const tag = tagOf(key);
  if (tag === undefined) throw new ValidationException(`${where}: ${key} is not a DICOM keyword`);
  return tag;
}

/** Values as the document encodes them (§6.4): strings, numbers, null, arrays of those, or sequences of items. */
function checkValueShape(key: string, value: DocumentValue, depth = 0): void {
  if (depth > 16) throw new ValidationException(`${key}: sequences nest too deeply`);
  if (value === null || typeof value === 'string') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationException(`${key}: numbers must be finite`);
    return;
  }
  if (Array.isArray(value)) {
    for (const entry of value as readonly DocumentValue[]) {
      if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) checkItem(key, entry as PatchItem, depth + 1);
      else if (Array.isArray(entry)) throw new ValidationException(`${key}: nested arrays are not DICOM values`);
      else checkValueShape(key, entry, depth + 1);
    }
    return;
  }
  if (typeof value === 'object') throw new ValidationException(`${key}: a sequence is an array of items`);
  throw new ValidationException(`${key}: unsupported value`);
}

function checkItem(parent: string, item: PatchItem, depth: number): void {
  for (const [key, value] of Object.entries(item)) {
    checkKey(key, `${parent} item`);
    checkValueShape(`${parent}.${key}`, value, depth);
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function valuesEqual(a: unknown, b: unknown): boolean {
  return levelsEqual({ v: a }, { v: b });
}

/** Removes the elements of `patch` from `item`, when their stored value is the one given; returns a failure message. */
function removeElements(item: MutableItem, patch: PatchItem, level: MetadataLevel, rules: Rules, vrs?: Record<string, string>): string | undefined {
  let failure: string | undefined;
  for (const [key, expected] of Object.entries(patch)) {
    const tag = rules.element(key, level, 'remove');
    if (IDENTITY_KEYWORDS.has(key)) rules.identityChange(key, item[key], null);
    if (!(key in item)) {
      failure ??= `Element ${key} to remove is not present`;
      continue;
    }
    // A removal names the value it expects (AWS examples send the current value); a different one fails the update.
    if (!isEmpty(expected) && !valuesEqual(item[key], expected)) {
      failure ??= `Element ${key} to remove does not match the stored value`;
      continue;
    }
    delete item[key];
    if (vrs !== undefined && HEX_TAG.test(key)) delete vrs[tag];
  }
  return failure;
}

function applyRemovals(document: MutableDocument, patch: MetadataPatch, rules: Rules): string | undefined {
  let failure: string | undefined;
  if (patch.patient !== undefined) failure ??= removeElements(document.Patient.DICOM, patch.patient, 'Patient', rules);
  if (patch.study !== undefined) failure ??= removeElements(document.Study.DICOM, patch.study, 'Study', rules);
  for (const [seriesUid, seriesPatch] of patch.series) {
    const series = document.Study.Series[seriesUid];
    if (series === undefined) throw new ValidationException(`Series ${seriesUid} is not in the image set`);
    if (seriesPatch.whole) {
      delete document.Study.Series[seriesUid];
      continue;
    }
    if (seriesPatch.dicom !== undefined) failure ??= removeElements(series.DICOM, seriesPatch.dicom, 'Series', rules);
    for (const [sopUid, instancePatch] of seriesPatch.instances) {
      const instance = series.Instances[sopUid];
      if (instance === undefined) throw new ValidationException(`Instance ${sopUid} is not in series ${seriesUid} of the image set`);
      if (instancePatch.whole) {
        delete series.Instances[sopUid];
        continue;
      }
      if (instancePatch.dicom !== undefined) {
        failure ??= removeElements(instance.DICOM, instancePatch.dicom, 'Instance', rules, instance.DICOMVRs);
      }
    }
  }
  return failure;
}

function setElements(item: MutableItem, patch: PatchItem, level: MetadataLevel, rules: Rules, vrs?: { stored: Record<string, string>; given: Readonly<Record<string, string>> | undefined }): void {
  for (const [key, value] of Object.entries(patch)) {
    const tag = rules.element(key, level, 'update');
    rules.identityChange(key, item[key], value);
    rules.value(key, value);
    if (HEX_TAG.test(key) && vrs !== undefined) {
      // A new private element must come with its VR; an existing one keeps its stored VR (§11.2, AWS example 6).
      const vr = vrs.given?.[key] ?? vrs.given?.[tag] ?? vrs.stored[tag] ?? vrs.stored[key];
      if (vr === undefined) throw new ValidationException(`Element ${key} needs its VR in DICOMVRs`);
      vrs.stored[tag] = vr;
      if (key !== tag) delete vrs.stored[key];
    }
    item[key] = value;
  }
}

function applyUpdates(document: MutableDocument, patch: MetadataPatch, rules: Rules): void {
  if (patch.patient !== undefined) setElements(document.Patient.DICOM, patch.patient, 'Patient', rules);
  if (patch.study !== undefined) setElements(document.Study.DICOM, patch.study, 'Study', rules);
  for (const [seriesUid, seriesPatch] of patch.series) {
    const series = document.Study.Series[seriesUid];
    if (series === undefined) throw new ValidationException(`Series ${seriesUid} is not in the image set`);
    for (const [sopUid, instancePatch] of seriesPatch.instances) {
      const instance = series.Instances[sopUid];
      if (instance === undefined) throw new ValidationException(`Instance ${sopUid} is not in series ${seriesUid} of the image set`);
      if (instancePatch.vrs !== undefined && instancePatch.dicom === undefined) {
        throw new ValidationException(`DICOMVRs of instance ${sopUid} only accompany the elements they describe`);
      }
      if (instancePatch.dicom === undefined) continue;
      const stored = (instance.DICOMVRs ??= {});
      setElements(instance.DICOM, instancePatch.dicom, 'Instance', rules, { stored, given: instancePatch.vrs });
      const newSop = instance.DICOM.SOPInstanceUID;
      if (typeof newSop === 'string' && newSop !== sopUid) {
        rekey(series.Instances, sopUid, newSop, `SOP instance ${newSop}`);
        rules.renamedInstances.push({ from: sopUid, to: newSop });
      }
    }
    if (seriesPatch.dicom !== undefined) {
      setElements(series.DICOM, seriesPatch.dicom, 'Series', rules);
      const newUid = series.DICOM.SeriesInstanceUID;
      if (typeof newUid === 'string' && newUid !== seriesUid) rekey(document.Study.Series, seriesUid, newUid, `Series ${newUid}`);
    }
  }
}

/** Changing a Series or SOP Instance UID moves its map entry (§11.2), keeping the entry's position. */
function rekey<T>(map: Record<string, T>, from: string, to: string, what: string): void {
  if (!/^[0-9.]{1,256}$/.test(to)) throw new ValidationException(`${what} is not a UID`);
  if (to in map) throw new ValidationException(`${what} already exists in the image set`);
  const entries = Object.entries(map).map(([key, value]) => [key === from ? to : key, value] as const);
  for (const key of Object.keys(map)) delete map[key];
  for (const [key, value] of entries) map[key] = value;
}

/** SOP Instance UIDs are unique within an image set (§5.2 invariant 2), across its series too. */
export function assertUniqueSopInstances(document: ImageSetMetadataDocument): void {
  const seen = new Set<string>();
  for (const series of Object.values(document.Study.Series)) {
    for (const sopUid of Object.keys(series.Instances)) {
      if (seen.has(sopUid)) throw new ValidationException(`SOP instance ${sopUid} would appear twice in the image set`);
      seen.add(sopUid);
    }
  }
}
