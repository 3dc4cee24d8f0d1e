// The DICOM data dictionary (PS3.6): keyword and VR of a tag, from dcmjs's dictionary.
import dcmjs from 'dcmjs';
import type { DicomTag } from './dicom-json.js';

interface DictionaryEntry {
  readonly tag: string;
  readonly vr: string;
  readonly vm: string;
  readonly name: string;
}

const { DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMetaDictionary: { dictionary: Record<string, DictionaryEntry | undefined>; nameMap: Record<string, DictionaryEntry | undefined> };
};

export interface TagInfo {
  readonly keyword: string;
  /** The dictionary VR; "ox"/"xs"-style ambiguous VRs are given as the dictionary writes them. */
  readonly vr: string;
}

const cache = new Map<DicomTag, TagInfo | null>();

/** Standard (public) tags only; private tags and unknown tags give undefined. Repeating groups (60xx) are resolved. */
export function tagInfo(tag: DicomTag): TagInfo | undefined {
  const cached = cache.get(tag);
  if (cached !== undefined) return cached ?? undefined;
  const group = tag.slice(0, 4).toUpperCase();
  const element = tag.slice(4, 8).toUpperCase();
  let entry = DicomMetaDictionary.dictionary[`(${group},${element})`];
  if (entry === undefined && /^(50|60)/.test(group)) entry = DicomMetaDictionary.dictionary[`(${group.slice(0, 2)}xx,${element})`];
  const info = entry === undefined || isPrivateTag(tag) ? null : { keyword: entry.name, vr: entry.vr };
  cache.set(tag, info);
  return info ?? undefined;
}

export function keywordOf(tag: DicomTag): string | undefined {
  return tagInfo(tag)?.keyword;
}

/** The tag of a standard keyword, e.g. "PatientName" → "00100010". */
export function tagOf(keyword: string): DicomTag | undefined {
  const entry = DicomMetaDictionary.nameMap[keyword];
  if (entry === undefined) return undefined;
  return entry.tag.replace(/[(),]/g, '').toUpperCase();
}

/** Odd groups are private (PS3.5 §7.8). */
export function isPrivateTag(tag: DicomTag): boolean {
  return (parseInt(tag.slice(3, 4), 16) & 1) === 1;
}
