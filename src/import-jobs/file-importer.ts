// One input file → a parsed instance with its frames transcoded, verified and stored (nothing visible yet).
import { frameBlobKey, pixelDataBlobKey, type SealedBlobStore } from '../blobs/index.js';
import type { ObjectReader } from '../buckets/index.js';
import { importTreatmentOf, pixelDescriptionOf, type PixelDescription, type TranscodeRequest, type TranscodeResult } from '../codec/index.js';
import { readFrame, readPart10, type ParsedInstance } from '../dicom/index.js';
import type { DicomJsonDataset } from '../dicom/dicom-json.js';
import { newId } from '../api/index.js';
import { checkElementConstraints, type InstanceForDocument } from '../image-sets/index.js';
import type { DataKey } from '../keys/index.js';
import { WARNING_CODES, type ImportWarning, type WarningType } from './job-report.js';
import type { StoredFrame } from './import-job-repository.js';

export interface FrameTranscoder {
  transcode(request: TranscodeRequest): Promise<TranscodeResult>;
}

/** A file the customer must fix: it becomes a FAILURE line with this message. */
export class CustomerFileError extends Error {}

export interface ImportedInstance {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  readonly document: InstanceForDocument;
  readonly storedFrames: readonly StoredFrame[];
  /** The whole Pixel Data value, when it could not be stored as frames. */
  readonly pixelBlob?: { readonly blobKey: string; readonly transferSyntaxUID: string; readonly sizeBytes: number };
  readonly warnings: readonly ImportWarning[];
}

/** DICOM JSON elements that replace or add to an instance's own, for instances of one study (or one series). */
export interface MetadataOverride {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string | undefined;
  readonly elements: DicomJsonDataset;
}

export interface FileImporterOptions {
  readonly blobs: SealedBlobStore;
  readonly overrides?: readonly MetadataOverride[];
  readonly codec: FrameTranscoder;
  /** Frames of one file transcoded at the same time (bounds memory for huge multi-frame files). */
  readonly framesInFlight: number;
}

export async function importFile(
  reader: ObjectReader,
  datastore: { readonly id: string; readonly dataKey: DataKey; readonly losslessStorageFormat: 'HTJ2K' | 'JPEG_2000_LOSSLESS' },
  options: FileImporterOptions,
  storedBlobKeys: string[],
): Promise<ImportedInstance> {
  let instance: ParsedInstance;
  try {
    instance = await readPart10(reader);
  } catch (error) {
    throw asCustomerError(error);
  }
  instance = applyOverrides(instance, options.overrides ?? []);
  const constraints = checkElementConstraints(instance.dataset);
  if (constraints.errors.length > 0) throw new CustomerFileError(constraints.errors[0]!);
  const warnings: ImportWarning[] = constraints.warnings.map((w) => ({ code: w.code, message: w.message }));
  for (const warning of instance.warnings) warnings.push({ code: warningType(warning), message: describeWarning(warning) });

  const sopInstanceUID = text(instance.dataset, '00080018')!;
  const frames: InstanceForDocument['frames'][number][] = [];
  const storedFrames: StoredFrame[] = [];
  let storedTransferSyntaxUID = instance.transferSyntaxUID;

  let pixelBlob: ImportedInstance['pixelBlob'];
  if (instance.pixelData !== undefined) {
    const pixelData = instance.pixelData;
    for (const warning of pixelData.warnings) warnings.push({ code: warningType(warning), message: describeWarning(warning) });
    const treatment = importTreatmentOf(instance.transferSyntaxUID);
    // Pixel data that cannot become image frames is kept whole, with a warning, as HealthImaging does (behavior.md §7.1).
    const keepWhole = async (code: 'UNSUPPORTED_TRANSFER_SYNTAX' | 'TRANSCODING_EXCEPTION' | 'FRAMES_EXTRACTION_FAILURE', message: string) => {
      const blobKey = pixelDataBlobKey(datastore.id, newId<string>());
      await options.blobs.put(blobKey, datastore.dataKey, readRange(instance.frameSource, pixelData.valueOffset, pixelData.valueLength));
      storedBlobKeys.push(blobKey);
      if (!warnings.some((w) => w.code === code)) warnings.push({ code, message });
      pixelBlob = { blobKey, transferSyntaxUID: instance.transferSyntaxUID, sizeBytes: pixelData.valueLength };
    };
    if (treatment === 'unsupported') {
      await keepWhole('UNSUPPORTED_TRANSFER_SYNTAX', `Transfer syntax ${instance.transferSyntaxUID} is not supported for frames; the pixel data was stored as one object`);
    } else if (pixelData.tag !== '7FE00010') {
      await keepWhole('TRANSCODING_EXCEPTION', 'Float pixel data cannot be transcoded; it was stored as one object');
    } else if (pixelData.frames.length === 0) {
      await keepWhole('FRAMES_EXTRACTION_FAILURE', 'The pixel data could not be split into frames; it was stored as one object');
    } else {
      let pixel: PixelDescription;
      try {
        pixel = pixelDescriptionOf(instance.dataset);
      } catch (error) {
        throw asCustomerError(error);
      }
      try {
        await transcodeFrames(instance, pixel, datastore, options, storedBlobKeys, frames, storedFrames);
        storedTransferSyntaxUID = frames.length > 0 ? storedFrames[0]!.storedTransferSyntaxUID : storedTransferSyntaxUID;
      } catch (error) {
        // A codec that refuses the sample format by design (more than 16 bits, signed 8-bit) is not a broken file.
        if (!(error instanceof CustomerFileError) || !/cannot be transcoded/.test(error.message)) throw error;
        await Promise.all(storedFrames.map((frame) => options.blobs.delete(frame.blobKey)));
        storedFrames.length = 0;
        frames.length = 0;
        await keepWhole('TRANSCODING_EXCEPTION', `${error.message}; the pixel data was stored as one object`);
      }
    }
  }

  return {
    studyInstanceUID: text(instance.dataset, '0020000D')!,
    seriesInstanceUID: text(instance.dataset, '0020000E')!,
    sopInstanceUID,
    document: { dataset: withWarningReason(instance.dataset, warnings), fileMeta: instance.fileMeta, storedTransferSyntaxUID, frames },
    storedFrames,
    ...(pixelBlob !== undefined ? { pixelBlob } : {}),
    warnings,
  };
}

/** Reads, transcodes, verifies and stores every frame, a bounded number at a time. */
async function transcodeFrames(
  instance: ParsedInstance,
  pixel: PixelDescription,
  datastore: { readonly id: string; readonly dataKey: DataKey; readonly losslessStorageFormat: 'HTJ2K' | 'JPEG_2000_LOSSLESS' },
  options: FileImporterOptions,
  storedBlobKeys: string[],
  frames: InstanceForDocument['frames'][number][],
  storedFrames: StoredFrame[],
): Promise<void> {
  const count = instance.pixelData!.frames.length;
  // Only what the document needs is kept per frame; the codestream is dropped once stored (memory stays flat).
  const results: Omit<TranscodeResult, 'data'>[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const bytes = await readFrame(instance, index);
      const bitOffset = instance.pixelData!.frames[index]!.bitOffset;
      let result: TranscodeResult;
      try {
        result = await options.codec.transcode({
          transferSyntaxUID: instance.transferSyntaxUID,
          pixel,
          frame: bytes,
          ...(bitOffset !== undefined ? { bitOffset } : {}),
          target: datastore.losslessStorageFormat,
        });
      } catch (error) {
        throw asCustomerError(error, `Frame ${index + 1} of ${count}: `);
      }
      const { data: _stored, ...kept } = result;
      results[index] = kept;
      const id = newId<string>();
      const blobKey = frameBlobKey(datastore.id, id);
      await options.blobs.put(blobKey, datastore.dataKey, Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength));
      storedBlobKeys.push(blobKey);
      storedFrames[index] = { id, blobKey, storedTransferSyntaxUID: result.storedTransferSyntaxUID, sizeBytes: result.data.byteLength };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.framesInFlight, count) }, worker));
  for (let i = 0; i < count; i++) {
    const result = results[i]!;
    frames.push({
      id: storedFrames[i]!.id,
      frameSizeInBytes: result.frameSizeInBytes,
      ...(result.minPixelValue !== undefined ? { minPixelValue: result.minPixelValue } : {}),
      ...(result.maxPixelValue !== undefined ? { maxPixelValue: result.maxPixelValue } : {}),
      checksums: result.checksums,
    });
  }
}

/** A byte range of a source as a stream of 4 MiB pieces (bounded memory for multi-GB pixel data). */
async function* readRange(source: { read(offset: number, length: number): Promise<Buffer> }, offset: number, length: number): AsyncIterable<Buffer> {
  const piece = 4 * 1024 * 1024;
  for (let done = 0; done < length; done += piece) yield await source.read(offset + done, Math.min(piece, length - done));
}

/** importConfiguration (2026-05): the mapped JSON wins over the file's values; the identifying UIDs never change. */
function applyOverrides(instance: ParsedInstance, overrides: readonly MetadataOverride[]): ParsedInstance {
  const study = text(instance.dataset, '0020000D');
  const series = text(instance.dataset, '0020000E');
  const matching = overrides.filter((o) => o.studyInstanceUID === study && (o.seriesInstanceUID === undefined || o.seriesInstanceUID === series));
  if (matching.length === 0) return instance;
  const dataset: Record<string, DicomJsonDataset[string]> = { ...instance.dataset };
  // Study-wide mappings first, then series-specific ones, so the narrower mapping wins.
  for (const override of [...matching].sort((a, b) => Number(a.seriesInstanceUID !== undefined) - Number(b.seriesInstanceUID !== undefined))) {
    for (const [tag, element] of Object.entries(override.elements)) {
      if (!IDENTIFYING_TAGS.has(tag.toUpperCase())) dataset[tag.toUpperCase()] = element;
    }
  }
  return { ...instance, dataset };
}

/**
 * The data set as stored: an instance imported with a warning carries its code in WarningReason (0008,1196, US), an
 * instance-level attribute of the metadata document, which is what QIDO-RS matches (dicomweb.md §6.4, behavior.md
 * §4.3). The element has VM 1, so of several warnings the first one collected is kept (constraint warnings, then parse
 * warnings, then pixel data ones — a fixed order); it is the same one the STOW-RS response reports. Without a warning
 * the data set is left as the file has it.
 */
export function withWarningReason(dataset: DicomJsonDataset, warnings: readonly ImportWarning[]): DicomJsonDataset {
  const first = warnings[0];
  if (first === undefined) return dataset;
  return { ...dataset, [WARNING_REASON_TAG]: { vr: 'US', Value: [WARNING_CODES[first.code]] } };
}

const WARNING_REASON_TAG = '00081196';

const IDENTIFYING_TAGS = new Set(['0020000D', '0020000E', '00080018', '00080016', '7FE00010']);

function text(dataset: DicomJsonDataset, tag: string): string | undefined {
  const value = dataset[tag]?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}

function warningType(code: string): WarningType {
  return code in WARNING_CODES ? (code as WarningType) : 'OTHER';
}

function describeWarning(code: string): string {
  switch (code) {
    case 'INVALID_OFFSET_TABLE':
      return 'The file was imported but contains an invalid offset table, may see issues when retrieving certain frames.';
    case 'FRAME_NUMBER_MISMATCH':
      return 'The file was imported but its number of frames does not match its pixel data fragments.';
    case 'ELEMENTS_DISCARDED':
      return 'The file was imported but elements after the pixel data could not be read and were discarded.';
    default:
      return `The file was imported with a warning: ${code}`;
  }
}

function asCustomerError(error: unknown, prefix = ''): Error {
  // Parse and transcode errors describe the file; anything else is ours and stays a server error.
  if (error instanceof Error && (error.name === 'DicomParseError' || error.name === 'FrameTranscodeError')) {
    return new CustomerFileError(`${prefix}${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
