// Element-by-element parsing of a data set held in a prefix of the stream (PS3.5 §7): headers, values, nested sequences.
// The parse is synchronous; when it needs bytes beyond the prefix it throws NeedMoreBytes and the caller reads more and starts over.
import { characterSetDecoder, type TextDecodeFn } from './character-set.js';
import type { DicomJsonDataset, DicomJsonElement } from './dicom-json.js';
import { DicomParseError, formatTag } from './dicom-parse-error.js';
import { tagInfo } from './dictionary.js';
import { elementFromValue } from './element-value.js';
import { vrSpecOf } from './value-representation.js';

export interface Syntax {
  readonly isExplicitVR: boolean;
  readonly isLittleEndian: boolean;
}
export const IMPLICIT_LITTLE_ENDIAN: Syntax = { isExplicitVR: false, isLittleEndian: true };
export const EXPLICIT_LITTLE_ENDIAN: Syntax = { isExplicitVR: true, isLittleEndian: true };
export const EXPLICIT_BIG_ENDIAN: Syntax = { isExplicitVR: true, isLittleEndian: false };

export const UNDEFINED_LENGTH = 0xffffffff;
const MAX_SEQUENCE_DEPTH = 64;

/** Not an error: the parse needs the stream up to `untilOffset`; read more and parse again. */
export class NeedMoreBytes {
  constructor(readonly untilOffset: number) {}
}

/** The top-level Pixel Data (or Float / Double Float Pixel Data) element, whose value is not read here. */
export interface PixelDataElement {
  readonly tag: string;
  readonly vr: string;
  readonly headerOffset: number;
  readonly valueOffset: number;
  /** Undefined for undefined length, i.e. encapsulated pixel data. */
  readonly length: number | undefined;
}

export interface DatasetParseResult {
  readonly dataset: DicomJsonDataset;
  readonly pixelData: PixelDataElement | undefined;
  /** Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), raw little-endian 64-bit values. */
  readonly extendedOffsetTable: Buffer | undefined;
  readonly extendedOffsetTableLengths: Buffer | undefined;
  readonly endOffset: number;
}

interface ElementHeader {
  readonly group: number;
  readonly element: number;
  readonly vr: string;
  readonly length: number;
  readonly offset: number;
  readonly valueOffset: number;
}

interface TextContext {
  decodeText: TextDecodeFn;
}

type MutableDataset = Record<string, DicomJsonElement>;

const latin1Decoder = characterSetDecoder([]);
const isUpperLetter = (byte: number): boolean => byte >= 0x41 && byte <= 0x5a;

const tagKeys = new Map<number, string>();

/** "00100010": the DICOM JSON key of a tag (memoised: the same few thousand tags recur in every file). */
export function tagKey(group: number, element: number): string {
  const tag = ((group << 16) | element) >>> 0;
  let key = tagKeys.get(tag);
  if (key === undefined) {
    key = tag.toString(16).toUpperCase().padStart(8, '0');
    if (tagKeys.size < 100_000) tagKeys.set(tag, key);
  }
  return key;
}

/** "(0010,0010)" from "00100010". */
function labelOf(key: string): string {
  return `(${key.slice(0, 4)},${key.slice(4)})`;
}

export function isPixelDataTag(group: number, element: number): boolean {
  return group === 0x7fe0 && (element === 0x0010 || element === 0x0008 || element === 0x0009);
}

export class DatasetParser {
  private pixelRepresentation = 0;
  private readonly sequencePath: string[] = [];

  /** `bytes` holds the stream from offset 0; `streamSize` is the size of the whole stream. */
  constructor(private readonly bytes: Buffer, private readonly streamSize: number) {}

  /** File Meta Information: explicit VR little endian elements of group 0002, read until another group starts. */
  parseFileMeta(start: number): { dataset: DicomJsonDataset; endOffset: number } {
    const dataset: MutableDataset = {};
    const context: TextContext = { decodeText: latin1Decoder };
    let pos = start;
    while (pos < this.streamSize) {
      this.need(pos + 8, pos);
      if (this.bytes.readUInt16LE(pos) !== 0x0002) break;
      pos = this.readValue(this.readHeader(pos, EXPLICIT_LITTLE_ENDIAN), dataset, EXPLICIT_LITTLE_ENDIAN, 0, context);
    }
    return { dataset, endOffset: pos };
  }

  /** The top-level data set from `start` to the end of the stream, stopping at Pixel Data when asked. */
  parseDataset(start: number, syntax: Syntax, isStoppingAtPixelData: boolean): DatasetParseResult {
    const dataset: MutableDataset = {};
    const context: TextContext = { decodeText: latin1Decoder };
    let extendedOffsetTable: Buffer | undefined;
    let extendedOffsetTableLengths: Buffer | undefined;
    let pos = start;
    while (pos < this.streamSize) {
      this.need(pos + 8, pos);
      const group = this.uint16(pos, syntax);
      const element = this.uint16(pos + 2, syntax);
      if (group === 0xfffc && element === 0xfffc) break; // Data Set Trailing Padding: the rest is not data (PS3.10 §7.2)
      if (group === 0xfffe) {
        // A stray delimiter between top-level elements: harmless if empty, otherwise the data set is broken.
        if (this.uint32(pos + 4, syntax) !== 0) throw new DicomParseError(`Unexpected item tag ${formatTag(group, element)} at byte ${pos} between data set elements`, pos);
        pos += 8;
        continue;
      }
      const header = this.readHeader(pos, syntax);
      if (isStoppingAtPixelData && isPixelDataTag(group, element)) {
        const length = header.length === UNDEFINED_LENGTH ? undefined : header.length;
        const pixelData = { tag: tagKey(group, element), vr: header.vr, headerOffset: pos, valueOffset: header.valueOffset, length };
        return { dataset, pixelData, extendedOffsetTable, extendedOffsetTableLengths, endOffset: pos };
      }
      if (group === 0x7fe0 && (element === 0x0001 || element === 0x0002) && header.length !== UNDEFINED_LENGTH) {
        const end = header.valueOffset + header.length;
        this.need(end, pos, tagKey(group, element));
        const table = Buffer.from(this.bytes.subarray(header.valueOffset, end));
        if (element === 0x0001) extendedOffsetTable = table;
        else extendedOffsetTableLengths = table;
        pos = end;
        continue;
      }
      pos = this.readValue(header, dataset, syntax, 0, context);
    }
    return { dataset, pixelData: undefined, extendedOffsetTable, extendedOffsetTableLengths, endOffset: pos };
  }

  private readHeader(pos: number, syntax: Syntax): ElementHeader {
    this.need(pos + 8, pos);
    const group = this.uint16(pos, syntax);
    const element = this.uint16(pos + 2, syntax);
    if (group === 0xfffe) return { group, element, vr: '', length: this.uint32(pos + 4, syntax), offset: pos, valueOffset: pos + 8 };
    if (syntax.isExplicitVR) {
      const first = this.bytes[pos + 4];
      const second = this.bytes[pos + 5];
      if (isUpperLetter(first) && isUpperLetter(second)) {
        const vr = String.fromCharCode(first, second);
        const spec = vrSpecOf(vr);
        if (spec === undefined || spec.hasLongLength) {
          // Unknown VRs use the long form (PS3.5 §7.1.2) and are read as UN.
          this.need(pos + 12, pos, tagKey(group, element));
          return { group, element, vr: spec === undefined ? 'UN' : vr, length: this.uint32(pos + 8, syntax), offset: pos, valueOffset: pos + 12 };
        }
        return { group, element, vr, length: this.uint16(pos + 6, syntax), offset: pos, valueOffset: pos + 8 };
      }
      // No VR where one must be: this element was written implicitly (seen in real files that mix encodings).
    }
    return { group, element, vr: this.implicitVr(group, element), length: this.uint32(pos + 4, syntax), offset: pos, valueOffset: pos + 8 };
  }

  /** The VR of an implicitly encoded element: from the dictionary, with PS3.5 Annex A.1 rules for the ambiguous ones. */
  private implicitVr(group: number, element: number): string {
    if (element === 0x0000) return 'UL'; // group length
    if ((group & 1) === 1) return element >= 0x0010 && element <= 0x00ff ? 'LO' : 'UN'; // private creator / private data
    const info = tagInfo(tagKey(group, element));
    return info === undefined ? 'UN' : this.resolveDictionaryVr(info.vr);
  }

  private resolveDictionaryVr(vr: string): string {
    switch (vr) {
      case 'ox': return 'OW'; // OB or OW: OW in implicit VR (PS3.5 A.1 c)
      case 'lt': return 'OW'; // US or SS or OW (LUT Data): OW
      case 'xs': return this.pixelRepresentation === 1 ? 'SS' : 'US';
      case 'up': return 'UL';
      default: return vrSpecOf(vr) === undefined ? 'UN' : vr;
    }
  }

  private readValue(header: ElementHeader, dataset: MutableDataset, syntax: Syntax, depth: number, context: TextContext): number {
    const { group, element, vr, length } = header;
    const key = tagKey(group, element);
    const spec = vrSpecOf(vr);
    const isBulk = spec?.kind === 'bulk';
    if (vr === 'SQ' || (length === UNDEFINED_LENGTH && (vr === 'UN' || !isBulk))) {
      // UN of undefined length is a sequence encoded implicitly (PS3.5 §6.2.2).
      const itemSyntax = vr === 'SQ' ? syntax : IMPLICIT_LITTLE_ENDIAN;
      const label = labelOf(key);
      const end = length === UNDEFINED_LENGTH ? undefined : header.valueOffset + length;
      if (end !== undefined && end > this.streamSize) throw this.truncated(header.offset, `element ${label}`);
      const items = this.parseItems(header.valueOffset, end, itemSyntax, depth + 1, context, label);
      dataset[key] = items.items.length > 0 ? { vr: 'SQ', Value: items.items } : { vr: 'SQ' };
      return items.endOffset;
    }
    if (length === UNDEFINED_LENGTH) return this.readEncapsulatedValue(header, key, dataset);
    const end = header.valueOffset + length;
    this.need(end, header.offset, key);
    const value = this.bytes.subarray(header.valueOffset, end);
    if (vr === 'UN' && (group & 1) === 0) {
      const known = this.knownUnknown(key, value, end, syntax, depth, context);
      if (known !== undefined) {
        dataset[key] = known;
        return end;
      }
    }
    const json = elementFromValue(vr, value, { isLittleEndian: syntax.isLittleEndian, decodeText: context.decodeText });
    dataset[key] = json;
    if (key === '00080005') context.decodeText = characterSetDecoder((json.Value ?? []).map((term) => (typeof term === 'string' ? term : '')));
    if (depth === 0 && key === '00280103' && typeof json.Value?.[0] === 'number') this.pixelRepresentation = json.Value[0];
    return end;
  }

  /** A public element sent as UN whose VR the dictionary knows is decoded with that VR (as PS3.5 §6.2.2 allows). */
  private knownUnknown(key: string, value: Buffer, end: number, syntax: Syntax, depth: number, context: TextContext): DicomJsonElement | undefined {
    const info = tagInfo(key);
    if (info === undefined) return undefined;
    const vr = this.resolveDictionaryVr(info.vr);
    if (vr === 'UN') return undefined;
    if (vr !== 'SQ') return elementFromValue(vr, value, { isLittleEndian: syntax.isLittleEndian, decodeText: context.decodeText });
    try {
      const items = this.parseItems(end - value.length, end, IMPLICIT_LITTLE_ENDIAN, depth + 1, context, labelOf(key));
      return items.items.length > 0 ? { vr: 'SQ', Value: items.items } : { vr: 'SQ' };
    } catch (error) {
      if (error instanceof DicomParseError) return undefined; // not a parsable sequence after all: keep the bytes as UN
      throw error;
    }
  }

  private parseItems(start: number, end: number | undefined, syntax: Syntax, depth: number, parent: TextContext, label: string): { items: DicomJsonDataset[]; endOffset: number } {
    if (depth > MAX_SEQUENCE_DEPTH) throw new DicomParseError(`Sequences are nested more than ${MAX_SEQUENCE_DEPTH} deep at byte ${start}`, start);
    this.sequencePath.push(label);
    try {
      return this.parseItemList(start, end, syntax, depth, parent, label);
    } finally {
      this.sequencePath.pop();
    }
  }

  private parseItemList(start: number, end: number | undefined, syntax: Syntax, depth: number, parent: TextContext, label: string): { items: DicomJsonDataset[]; endOffset: number } {
    const items: DicomJsonDataset[] = [];
    let pos = start;
    while (end === undefined || pos < end) {
      this.need(pos + 8, pos);
      const group = this.uint16(pos, syntax);
      const element = this.uint16(pos + 2, syntax);
      const length = this.uint32(pos + 4, syntax);
      if (group === 0xfffe && element === 0xe0dd) {
        pos += 8;
        break;
      }
      if (group !== 0xfffe || element !== 0xe000) {
        throw new DicomParseError(`Expected an item in sequence ${label} at byte ${pos} but found ${formatTag(group, element)}`, pos);
      }
      const item: MutableDataset = {};
      const context: TextContext = { decodeText: parent.decodeText };
      if (length === UNDEFINED_LENGTH) {
        pos = this.parseElements(pos + 8, undefined, item, syntax, depth, context);
      } else {
        const itemEnd = pos + 8 + length;
        if (itemEnd > (end ?? this.streamSize)) {
          if (itemEnd > this.streamSize) throw this.truncated(pos, 'an item');
          throw new DicomParseError(`An item of sequence ${label} at byte ${pos} is longer than the sequence`, pos);
        }
        this.parseElements(pos + 8, itemEnd, item, syntax, depth, context);
        pos = itemEnd;
      }
      items.push(item);
    }
    return { items, endOffset: end ?? pos };
  }

  /** Elements of one item: up to `end`, or up to the item delimiter when the item has undefined length. */
  private parseElements(start: number, end: number | undefined, dataset: MutableDataset, syntax: Syntax, depth: number, context: TextContext): number {
    let pos = start;
    while (end === undefined || pos < end) {
      this.need(pos + 8, pos);
      const group = this.uint16(pos, syntax);
      const element = this.uint16(pos + 2, syntax);
      if (group === 0xfffe) {
        if (element === 0xe00d) return end ?? pos + 8;
        if (element === 0xe0dd && end === undefined) return pos; // missing item delimiter: let the sequence end here
        throw new DicomParseError(`Unexpected ${formatTag(group, element)} inside an item at byte ${pos}`, pos);
      }
      const header = this.readHeader(pos, syntax);
      if (end !== undefined && header.length !== UNDEFINED_LENGTH && header.valueOffset + header.length > end) {
        if (header.valueOffset + header.length > this.streamSize) throw this.truncated(pos, `element ${formatTag(group, element)}`);
        throw new DicomParseError(`Element ${formatTag(group, element)} at byte ${pos} is longer than the item that contains it`, pos);
      }
      pos = this.readValue(header, dataset, syntax, depth, context);
    }
    return end ?? pos;
  }

  /** An undefined-length OB/OW below the top level (e.g. a compressed icon image): the fragments, joined, as InlineBinary. */
  private readEncapsulatedValue(header: ElementHeader, key: string, dataset: MutableDataset): number {
    const label = labelOf(key);
    const fragments: Buffer[] = [];
    let pos = header.valueOffset;
    for (let index = 0; ; index++) {
      this.need(pos + 8, pos, key);
      const group = this.bytes.readUInt16LE(pos);
      const element = this.bytes.readUInt16LE(pos + 2);
      const length = this.bytes.readUInt32LE(pos + 4);
      if (group === 0xfffe && element === 0xe0dd) {
        pos += 8;
        break;
      }
      if (group !== 0xfffe || element !== 0xe000 || length === UNDEFINED_LENGTH) {
        throw new DicomParseError(`Element ${label} at byte ${header.offset} has undefined length but is neither a sequence nor encapsulated data`, header.offset);
      }
      this.need(pos + 8 + length, pos, key);
      if (index > 0) fragments.push(this.bytes.subarray(pos + 8, pos + 8 + length)); // item 0 is the offset table
      pos += 8 + length;
    }
    dataset[key] = fragments.length > 0 ? { vr: header.vr, InlineBinary: Buffer.concat(fragments).toString('base64') } : { vr: header.vr };
    return pos;
  }

  /** `key`: the element being read, for the message when the file ends too early. */
  private need(end: number, at: number, key?: string): void {
    if (end <= this.bytes.length) return;
    if (end > this.streamSize) throw this.truncated(at, key === undefined ? undefined : `element ${labelOf(key)}`);
    throw new NeedMoreBytes(end);
  }

  private truncated(at: number, what: string | undefined): DicomParseError {
    const where = `${what ?? 'the element header'} at byte ${at}`;
    const path = this.sequencePath.length > 0 ? ` (inside sequence ${this.sequencePath.join(' > ')})` : '';
    return new DicomParseError(`The file ends inside ${where}${path}`, at);
  }

  private uint16(pos: number, syntax: Syntax): number {
    return syntax.isLittleEndian ? this.bytes.readUInt16LE(pos) : this.bytes.readUInt16BE(pos);
  }

  private uint32(pos: number, syntax: Syntax): number {
    return syntax.isLittleEndian ? this.bytes.readUInt32LE(pos) : this.bytes.readUInt32BE(pos);
  }
}
