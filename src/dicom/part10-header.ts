// The start of a Part 10 object (PS3.10 §7.1): preamble and DICM prefix, File Meta Information, the transfer syntax and the
// data set's real encoding, then the data set up to Pixel Data. Works on a prefix of the file; NeedMoreBytes asks for more.
import {
  DatasetParser, EXPLICIT_BIG_ENDIAN, EXPLICIT_LITTLE_ENDIAN, IMPLICIT_LITTLE_ENDIAN, NeedMoreBytes, tagKey,
  type DatasetParseResult, type Syntax,
} from './dataset-parser.js';
import type { DicomJsonDataset } from './dicom-json.js';
import { DicomParseError, formatTag } from './dicom-parse-error.js';
import { tagInfo } from './dictionary.js';
import { datasetEncodingOf, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax.js';
import { vrSpecOf } from './value-representation.js';

export interface Part10Header {
  readonly hasFileMeta: boolean;
  readonly fileMeta: DicomJsonDataset;
  readonly transferSyntaxUID: string;
  readonly isTransferSyntaxInferred: boolean;
  readonly datasetStart: number;
  readonly syntax: Syntax;
  /** Undefined for a deflated data set, which is parsed after inflating. */
  readonly parsed: DatasetParseResult | undefined;
}

/** Preamble and DICM prefix, file meta, transfer syntax, and (unless deflated) the data set up to Pixel Data. */
export function parsePart10Header(window: Buffer, size: number): Part10Header {
  const parser = new DatasetParser(window, size);
  const start = locateStart(window, size);
  let fileMeta: DicomJsonDataset = {};
  let datasetStart = start.offset;
  if (start.hasFileMeta) ({ dataset: fileMeta, endOffset: datasetStart } = parser.parseFileMeta(start.offset));
  const declared = fileMeta['00020010']?.Value?.[0];
  const declaredUID = typeof declared === 'string' && declared !== '' ? declared : undefined;
  if (declaredUID === undefined) {
    const sniffed = sniffSyntax(window, size, datasetStart);
    if (sniffed === undefined && datasetStart < size) {
      const found = datasetStart + 4 <= window.length ? ` (found ${formatTag(window.readUInt16LE(datasetStart), window.readUInt16LE(datasetStart + 2))})` : '';
      throw new DicomParseError(`Not a DICOM data set: no Transfer Syntax UID and no data element at byte ${datasetStart}${found}`, datasetStart);
    }
    const syntax = sniffed ?? EXPLICIT_LITTLE_ENDIAN;
    const transferSyntaxUID = syntax.isExplicitVR ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN;
    return { hasFileMeta: start.hasFileMeta, fileMeta, transferSyntaxUID, isTransferSyntaxInferred: true, datasetStart, syntax, parsed: parser.parseDataset(datasetStart, syntax, true) };
  }
  const encoding = datasetEncodingOf(declaredUID);
  const base = { hasFileMeta: start.hasFileMeta, fileMeta, transferSyntaxUID: declaredUID, isTransferSyntaxInferred: false, datasetStart };
  if (encoding === 'deflated-explicit-le') return { ...base, syntax: EXPLICIT_LITTLE_ENDIAN, parsed: undefined };
  const declaredSyntax = encoding === 'implicit-le' ? IMPLICIT_LITTLE_ENDIAN : encoding === 'explicit-be' ? EXPLICIT_BIG_ENDIAN : EXPLICIT_LITTLE_ENDIAN;
  const syntax = confirmSyntax(window, size, datasetStart, declaredSyntax);
  return { ...base, syntax, parsed: parser.parseDataset(datasetStart, syntax, true) };
}

/** Where the file meta (or, in a file without one, the data set) begins. */
function locateStart(window: Buffer, size: number): { hasFileMeta: boolean; offset: number } {
  requireBytes(window, size, Math.min(size, 132));
  if (size >= 132 && window.toString('latin1', 128, 132) === 'DICM') {
    requireBytes(window, size, Math.min(size, 140));
    if (size >= 136 && window.readUInt16LE(132) === 0x0002) return { hasFileMeta: true, offset: 132 };
    if (sniffSyntax(window, size, 132) !== undefined) return { hasFileMeta: false, offset: 132 };
    const found = size >= 136 ? `${formatTag(window.readUInt16LE(132), window.readUInt16LE(134))}` : 'the end of the file';
    throw new DicomParseError(`Not a DICOM Part 10 file: the DICM prefix at byte 128 is followed by ${found}, not by the File Meta Information (group 0002)`, 132);
  }
  // PS3.10 requires the preamble, but data sets written without it (or without any file meta) are still met in practice.
  if (size >= 8 && window.readUInt16LE(0) === 0x0002 && isVrAt(window, 4)) return { hasFileMeta: true, offset: 0 };
  if (sniffSyntax(window, size, 0) !== undefined) return { hasFileMeta: false, offset: 0 };
  if (size < 132) throw new DicomParseError(`Not a DICOM Part 10 file: it has only ${size} bytes, too few for the 128-byte preamble and the DICM prefix`, 0);
  throw new DicomParseError('Not a DICOM Part 10 file: no DICM prefix at byte 128, and the file does not start with a DICOM data element either', 128);
}

function requireBytes(window: Buffer, size: number, end: number): void {
  if (end > window.length && end <= size) throw new NeedMoreBytes(end);
}

function isVrAt(bytes: Buffer, pos: number): boolean {
  return pos + 2 <= bytes.length && vrSpecOf(bytes.toString('latin1', pos, pos + 2)) !== undefined;
}

/**
 * The encoding of a data set without file meta, judged from its first element (as PS3.10 leaves it to the reader): a
 * plausible first tag (an even group from 0002 to 0028, where every real data set starts) and either a VR or a length.
 */
function sniffSyntax(window: Buffer, size: number, pos: number): Syntax | undefined {
  requireBytes(window, size, Math.min(size, pos + 8));
  if (pos + 8 > size) return undefined;
  const group = window.readUInt16LE(pos);
  if (group % 2 !== 0 || group < 0x0002 || group > 0x0028) return undefined;
  if (isVrAt(window, pos + 4)) return EXPLICIT_LITTLE_ENDIAN;
  const length = window.readUInt32LE(pos + 4);
  return length === 0xffffffff || pos + 8 + length <= size ? IMPLICIT_LITTLE_ENDIAN : undefined;
}

/** Some files declare one VR encoding and use the other; the first element tells (a VR where a length should be, or none). */
function confirmSyntax(window: Buffer, size: number, pos: number, declared: Syntax): Syntax {
  requireBytes(window, size, Math.min(size, pos + 8));
  if (!declared.isLittleEndian || pos + 8 > size) return declared;
  const hasVr = isVrAt(window, pos + 4);
  if (declared.isExplicitVR && !hasVr) return IMPLICIT_LITTLE_ENDIAN;
  if (!declared.isExplicitVR && hasVr) {
    const dictionaryVr = tagInfo(tagKey(window.readUInt16LE(pos), window.readUInt16LE(pos + 2)))?.vr;
    if (dictionaryVr === window.toString('latin1', pos + 4, pos + 6)) return EXPLICIT_LITTLE_ENDIAN;
  }
  return declared;
}
