// The documents UpdateImageSetMetadata and CopyImageSet take (behavior.md §11.1–11.3, §12.1): JSON shaped like the
// metadata document, parsed into a patch with every structural rule checked. Values are checked by the operations.
import { ValidationException } from '../api/index.js';
import type { DocumentValue } from './metadata-document-types.js';

export type PatchItem = Readonly<Record<string, DocumentValue>>;

export interface InstancePatch {
  /** `{}`: the whole instance (removal, copy selection). */
  readonly whole: boolean;
  readonly dicom: PatchItem | undefined;
  readonly vrs: Readonly<Record<string, string>> | undefined;
}

export interface SeriesPatch {
  /** `{}`: the whole series (removal, copy selection). */
  readonly whole: boolean;
  readonly dicom: PatchItem | undefined;
  readonly instances: ReadonlyMap<string, InstancePatch>;
}

export interface MetadataPatch {
  readonly patient: PatchItem | undefined;
  readonly study: PatchItem | undefined;
  readonly series: ReadonlyMap<string, SeriesPatch>;
}

/** Keys of an instance that Tessera derives from the stored frames (§11.2: never updatable). */
const MANAGED_INSTANCE_KEYS = new Set(['ImageFrames', 'StoredTransferSyntaxUID', 'ChecksumType']);
/** UIDs as the 2026 model accepts them (`[0-9.]+`), at most 256 characters (§6.6). */
const UID_KEY = /^[0-9.]{1,256}$/;

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function only(label: string, object: Record<string, Json>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    if (MANAGED_INSTANCE_KEYS.has(key)) throw new ValidationException(`${label}: ${where}${key} is managed by the service and cannot be changed`);
    throw new ValidationException(`${label}: unexpected member ${where}${key} (allowed: ${allowed.join(', ')})`);
  }
}

function item(label: string, value: Json, where: string): PatchItem {
  if (!isObject(value)) throw new ValidationException(`${label}: ${where} must be a JSON object`);
  return value as PatchItem;
}

function vrMap(label: string, value: Json, where: string): Record<string, string> {
  if (!isObject(value)) throw new ValidationException(`${label}: ${where} must be a JSON object`);
  for (const [tag, vr] of Object.entries(value)) {
    if (!/^[0-9A-Fa-f]{8}$/.test(tag)) throw new ValidationException(`${label}: ${where} key ${tag} is not an 8-digit hex tag`);
    if (typeof vr !== 'string' || !/^[A-Z]{2}$/.test(vr)) throw new ValidationException(`${label}: ${where}.${tag} is not a DICOM VR`);
  }
  return value as Record<string, string>;
}

function checkSchemaVersion(label: string, document: Record<string, Json>): void {
  const version = document.SchemaVersion;
  // AWS examples send 1.1 as a number (SDK samples) or "1.1" (CLI copy example): both are accepted.
  if (version !== 1.1 && version !== '1.1') throw new ValidationException(`${label}: SchemaVersion must be 1.1`);
}

/**
 * Parses one of the three documents. `purpose` decides what is allowed: `copy` selects series and instances only (empty
 * objects as leaves); `remove` and `update` may name elements at every level, and `{}` at a series or instance means
 * the whole series or instance (only meaningful for removal; an update of `{}` changes nothing).
 */
export function parseMetadataPatch(text: string, label: string, purpose: 'update' | 'remove' | 'copy'): MetadataPatch {
  let document: Json;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ValidationException(`${label} is not valid JSON`);
  }
  if (!isObject(document)) throw new ValidationException(`${label} must be a JSON object`);
  checkSchemaVersion(label, document);
  only(label, document, purpose === 'copy' ? ['SchemaVersion', 'Study'] : ['SchemaVersion', 'Patient', 'Study'], '');

  let patient: PatchItem | undefined;
  if (document.Patient !== undefined) {
    const p = item(label, document.Patient, 'Patient');
    only(label, p, ['DICOM'], 'Patient.');
    if (p.DICOM !== undefined) patient = item(label, p.DICOM, 'Patient.DICOM');
  }
  let study: PatchItem | undefined;
  const series = new Map<string, SeriesPatch>();
  if (document.Study !== undefined) {
    const s = item(label, document.Study, 'Study');
    only(label, s, purpose === 'copy' ? ['Series'] : ['DICOM', 'Series'], 'Study.');
    if (s.DICOM !== undefined) study = item(label, s.DICOM, 'Study.DICOM');
    if (s.Series !== undefined) {
      for (const [seriesUid, value] of Object.entries(item(label, s.Series, 'Study.Series'))) {
        if (!UID_KEY.test(seriesUid)) throw new ValidationException(`${label}: series key ${seriesUid} is not a UID`);
        series.set(seriesUid, parseSeries(label, seriesUid, value, purpose));
      }
    }
  }
  return { patient, study, series };
}

function parseSeries(label: string, seriesUid: string, value: Json, purpose: 'update' | 'remove' | 'copy'): SeriesPatch {
  const where = `Study.Series.${seriesUid}`;
  const s = item(label, value, where);
  only(label, s, purpose === 'copy' ? ['Instances'] : ['DICOM', 'Instances'], `${where}.`);
  const instances = new Map<string, InstancePatch>();
  if (s.Instances !== undefined) {
    for (const [sopUid, instanceValue] of Object.entries(item(label, s.Instances, `${where}.Instances`))) {
      if (!UID_KEY.test(sopUid)) throw new ValidationException(`${label}: instance key ${sopUid} is not a UID`);
      const instanceWhere = `${where}.Instances.${sopUid}`;
      const i = item(label, instanceValue, instanceWhere);
      only(label, i, purpose === 'copy' ? [] : ['DICOM', 'DICOMVRs'], `${instanceWhere}.`);
      instances.set(sopUid, {
        whole: Object.keys(i).length === 0,
        dicom: i.DICOM === undefined ? undefined : item(label, i.DICOM, `${instanceWhere}.DICOM`),
        vrs: i.DICOMVRs === undefined ? undefined : vrMap(label, i.DICOMVRs, `${instanceWhere}.DICOMVRs`),
      });
    }
  }
  return { whole: Object.keys(s).length === 0, dicom: s.DICOM === undefined ? undefined : item(label, s.DICOM, `${where}.DICOM`), instances };
}
