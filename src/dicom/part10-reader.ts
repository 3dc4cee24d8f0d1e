// Streaming DICOM Part 10 reader (PS3.10 §7): file meta, data set up to Pixel Data, and where every frame lies, read in
// bounded chunks from a ByteSource so that multi-GB files never have to be in memory.
import { inflateRawSync, inflateSync } from 'node:zlib';
import { bufferByteSource, type ByteSource } from './byte-source.js';
import { DatasetParser, EXPLICIT_LITTLE_ENDIAN, NeedMoreBytes, type DatasetParseResult, type PixelDataElement, type Syntax } from './dataset-parser.js';
import type { DicomJsonDataset } from './dicom-json.js';
import { DicomParseError, formatTag } from './dicom-parse-error.js';
import { readEncapsulatedItems } from './encapsulated-fragments.js';
import {
  encapsulatedFrames, frameGeometryOf, nativeFrames, type FrameLocation, type PixelDataLocation,
} from './pixel-data-location.js';
import { parsePart10Header, type Part10Header } from './part10-header.js';
import { transferSyntaxOf } from './transfer-syntax.js';

export { DicomParseError } from './dicom-parse-error.js';
export type { ByteRange, FrameLocation, PixelDataLocation, PixelDataWarning } from './pixel-data-location.js';

/** Warnings about the data set itself (AWS warning codes, behavior.md §4.3). */
export type DatasetWarning = 'ELEMENTS_DISCARDED';

export interface ParsedInstance {
  /** From the file meta; inferred (Implicit or Explicit VR Little Endian) when there is none, see isTransferSyntaxInferred. */
  readonly transferSyntaxUID: string;
  readonly isTransferSyntaxInferred: boolean;
  readonly hasFileMeta: boolean;
  /** Group 0002, as written (empty when there is no file meta). */
  readonly fileMeta: DicomJsonDataset;
  /** Every other element except Pixel Data and the Extended Offset Table elements; nested sequences included. */
  readonly dataset: DicomJsonDataset;
  /**
   * Pixel Data, or Float / Double Float Pixel Data (then `tag` says which and vr is OF / OD). For Explicit VR Big Endian the
   * frame bytes are as in the file, i.e. big-endian words.
   */
  readonly pixelData: PixelDataLocation | undefined;
  /** Where frame ranges point: the file itself, or the inflated data set for Deflated Explicit VR Little Endian. */
  readonly frameSource: ByteSource;
  readonly warnings: readonly DatasetWarning[];
}

export interface ReadPart10Options {
  /** Largest header (everything before the Pixel Data value; the whole inflated data set when deflated). Default 64 MiB. */
  readonly maxHeaderBytes?: number;
}

const DEFAULT_MAX_HEADER_BYTES = 64 * 1024 * 1024;
const FIRST_READ_BYTES = 64 * 1024;

/** Reads the header of a Part 10 object and locates its frames; the caller keeps owning (and closes) `source`. */
export async function readPart10(source: ByteSource, options: ReadPart10Options = {}): Promise<ParsedInstance> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const size = source.sizeBytes;
  if (size === 0) throw new DicomParseError('Not a DICOM Part 10 file: the file is empty', 0);
  let window = await source.read(0, Math.min(size, FIRST_READ_BYTES));
  let head: Part10Header;
  for (;;) {
    try {
      head = parsePart10Header(window, size);
      break;
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      window = await extendWindow(source, window, error.untilOffset, maxHeaderBytes);
    }
  }
  let parsed = head.parsed;
  let frameSource = source;
  if (parsed === undefined) {
    const inflated = await inflateDataset(source, head.datasetStart, maxHeaderBytes);
    frameSource = bufferByteSource(inflated);
    parsed = new DatasetParser(inflated, inflated.length).parseDataset(0, EXPLICIT_LITTLE_ENDIAN, true);
  }
  const warnings: DatasetWarning[] = [];
  let dataset = parsed.dataset;
  let pixelData: PixelDataLocation | undefined;
  if (parsed.pixelData !== undefined) {
    const located = await locatePixelData(frameSource, parsed, head.transferSyntaxUID, maxHeaderBytes);
    pixelData = located.pixelData;
    const trailing = await readTrailingElements(frameSource, located.valueEnd, head.syntax, parsed.pixelData, maxHeaderBytes);
    if (trailing === 'discarded') warnings.push('ELEMENTS_DISCARDED');
    else if (trailing !== undefined) dataset = { ...dataset, ...trailing };
  }
  return {
    transferSyntaxUID: head.transferSyntaxUID,
    isTransferSyntaxInferred: head.isTransferSyntaxInferred,
    hasFileMeta: head.hasFileMeta,
    fileMeta: head.fileMeta,
    dataset,
    pixelData,
    frameSource,
    warnings,
  };
}

/** The bytes of one frame: its ranges concatenated (for BitsAllocated 1 see FrameLocation.bitOffset). */
export async function readFrame(instance: ParsedInstance, frameIndex: number): Promise<Buffer> {
  const frames = instance.pixelData?.frames ?? [];
  const frame: FrameLocation | undefined = Number.isInteger(frameIndex) ? frames[frameIndex] : undefined;
  if (frame === undefined) throw new RangeError(`Frame ${frameIndex} does not exist: the instance has ${frames.length} frames`);
  const parts: Buffer[] = [];
  for (const range of frame.ranges) parts.push(await instance.frameSource.read(range.offset, range.length));
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

async function extendWindow(source: ByteSource, window: Buffer, untilOffset: number, maxHeaderBytes: number): Promise<Buffer> {
  if (untilOffset > maxHeaderBytes) {
    throw new DicomParseError(`The DICOM header is larger than the limit of ${maxHeaderBytes} bytes (it reaches at least byte ${untilOffset} before any Pixel Data)`);
  }
  const wanted = Math.max(untilOffset, Math.min(maxHeaderBytes, Math.max(window.length * 2, untilOffset + FIRST_READ_BYTES)));
  const length = Math.min(source.sizeBytes, wanted);
  const more = await source.read(window.length, length - window.length);
  return Buffer.concat([window, more], length);
}

/** Deflated Explicit VR Little Endian (PS3.5 §A.5): everything after the file meta is one raw deflate stream. */
async function inflateDataset(source: ByteSource, start: number, maxHeaderBytes: number): Promise<Buffer> {
  const compressedBytes = source.sizeBytes - start;
  if (compressedBytes > maxHeaderBytes) throw new DicomParseError(`The deflated data set (${compressedBytes} bytes) is larger than the limit of ${maxHeaderBytes} bytes`, start);
  const compressed = await source.read(start, compressedBytes);
  try {
    return inflateRawSync(compressed, { maxOutputLength: maxHeaderBytes });
  } catch (rawError) {
    if (rawError instanceof RangeError) throw new DicomParseError(`The deflated data set inflates to more than the limit of ${maxHeaderBytes} bytes`, start);
    try {
      return inflateSync(compressed, { maxOutputLength: maxHeaderBytes }); // some writers add a zlib header
    } catch {
      throw new DicomParseError(`The deflated data set at byte ${start} cannot be inflated: ${(rawError as Error).message}`, start, { cause: rawError });
    }
  }
}

async function locatePixelData(source: ByteSource, parsed: DatasetParseResult, transferSyntaxUID: string, maxHeaderBytes: number): Promise<{ pixelData: PixelDataLocation; valueEnd: number }> {
  const element = parsed.pixelData!;
  const geometry = frameGeometryOf(parsed.dataset);
  const floatVr = element.tag === '7FE00008' ? 'OF' : element.tag === '7FE00009' ? 'OD' : undefined;
  if (element.length === undefined) {
    const items = await readEncapsulatedItems(source, element.valueOffset, maxHeaderBytes);
    if (items.fragments.length === 0) throw new DicomParseError(`The encapsulated Pixel Data at byte ${element.headerOffset} has no fragments`, element.headerOffset);
    const { frames, warnings } = encapsulatedFrames({
      fragments: items.fragments,
      basicOffsetTable: items.basicOffsetTable,
      extendedOffsetTable: parsed.extendedOffsetTable,
      extendedOffsetTableLengths: parsed.extendedOffsetTableLengths,
      numberOfFrames: geometry.numberOfFrames,
      codestream: transferSyntaxOf(transferSyntaxUID)?.frameCodestream,
    });
    const vr = floatVr ?? (element.vr === 'OW' ? 'OW' : 'OB');
    const valueLength = items.endOffset - element.valueOffset;
    return { pixelData: { tag: element.tag, isEncapsulated: true, vr, valueOffset: element.valueOffset, valueLength, frames, warnings }, valueEnd: items.endOffset };
  }
  const valueEnd = element.valueOffset + element.length;
  if (valueEnd > source.sizeBytes) {
    const label = formatTag(0x7fe0, parseInt(element.tag.slice(4), 16));
    throw new DicomParseError(`The file ends inside element ${label} (Pixel Data) at byte ${element.headerOffset}: its value needs ${element.length} bytes, ${source.sizeBytes - element.valueOffset} remain`, element.headerOffset);
  }
  const defaultBits = floatVr === 'OF' ? 32 : floatVr === 'OD' ? 64 : undefined;
  const { frames, warnings } = nativeFrames(geometry, element.valueOffset, element.length, defaultBits);
  const vr = floatVr ?? nativeVr(element, geometry.bitsAllocated);
  return { pixelData: { tag: element.tag, isEncapsulated: false, vr, valueOffset: element.valueOffset, valueLength: element.length, frames, warnings }, valueEnd };
}

function nativeVr(element: PixelDataElement, bitsAllocated: number | undefined): string {
  if (element.vr === 'OB' || element.vr === 'OW') return element.vr;
  return bitsAllocated !== undefined && bitsAllocated > 8 ? 'OW' : 'OB';
}

const MAX_TRAILING_BYTES = 1024 * 1024;

/**
 * Elements after Pixel Data (private groups 7FE1+, digital signatures FFFA): read when small and well formed; otherwise
 * 'discarded' (the ELEMENTS_DISCARDED warning). Zero padding and Data Set Trailing Padding are not elements.
 */
async function readTrailingElements(source: ByteSource, start: number, syntax: Syntax, pixelData: PixelDataElement, maxHeaderBytes: number): Promise<DicomJsonDataset | 'discarded' | undefined> {
  const length = source.sizeBytes - start;
  if (length <= 0) return undefined;
  if (length > Math.min(MAX_TRAILING_BYTES, maxHeaderBytes)) return 'discarded';
  const tail = await source.read(start, length);
  if (tail.every((byte) => byte === 0)) return undefined;
  try {
    const { dataset } = new DatasetParser(tail, tail.length).parseDataset(0, syntax, false);
    const isAscending = Object.keys(dataset).every((tag) => tag > pixelData.tag);
    return isAscending ? dataset : 'discarded';
  } catch (error) {
    if (error instanceof DicomParseError) return 'discarded';
    throw error;
  }
}
