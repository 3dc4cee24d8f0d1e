// One input file → a parsed instance with its frames transcoded, verified and stored (nothing visible yet).
import { frameBlobKey, type SealedBlobStore } from '../blobs/index.js';
import type { ObjectReader } from '../buckets/index.js';
import { importTreatmentOf, pixelDescriptionOf, type PixelDescription, type TranscodeRequest, type TranscodeResult } from '../codec/index.js';
import { readFrame, readPart10, type ParsedInstance } from '../dicom/index.js';
import type { DicomJsonDataset } from '../dicom/dicom-json.js';
import { newId } from '../api/index.js';
import { checkElementConstraints, type InstanceForDocument } from '../image-sets/index.js';
import type { DataKey } from '../keys/index.js';
import type { ImportWarning, WarningType } from './job-report.js';
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
  readonly warnings: readonly ImportWarning[];
}

export interface FileImporterOptions {
  readonly blobs: SealedBlobStore;
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
  const constraints = checkElementConstraints(instance.dataset);
  if (constraints.errors.length > 0) throw new CustomerFileError(constraints.errors[0]!);
  const warnings: ImportWarning[] = constraints.warnings.map((w) => ({ code: w.code, message: w.message }));

  const sopInstanceUID = text(instance.dataset, '00080018')!;
  const frames: InstanceForDocument['frames'][number][] = [];
  const storedFrames: StoredFrame[] = [];
  let storedTransferSyntaxUID = instance.transferSyntaxUID;

  if (instance.pixelData !== undefined) {
    for (const warning of instance.pixelData.warnings) warnings.push({ code: warningType(warning), message: describeWarning(warning) });
    const treatment = importTreatmentOf(instance.transferSyntaxUID);
    if (treatment === 'unsupported') throw new CustomerFileError(`Transfer syntax ${instance.transferSyntaxUID} is not supported for pixel data`);
    let pixel: PixelDescription;
    try {
      pixel = pixelDescriptionOf(instance.dataset);
    } catch (error) {
      throw asCustomerError(error);
    }
    const count = instance.pixelData.frames.length;
    // Only what the document needs is kept per frame; the codestream is dropped once stored (memory stays flat).
    const results: Omit<TranscodeResult, 'data'>[] = new Array(count);
    // A sliding window of frames: read → transcode (worker pool) → store, at most framesInFlight at a time.
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
      storedTransferSyntaxUID = result.storedTransferSyntaxUID;
      frames.push({
        id: storedFrames[i]!.id,
        frameSizeInBytes: result.frameSizeInBytes,
        minPixelValue: result.minPixelValue,
        maxPixelValue: result.maxPixelValue,
        checksums: result.checksums,
      });
    }
  }

  return {
    studyInstanceUID: text(instance.dataset, '0020000D')!,
    seriesInstanceUID: text(instance.dataset, '0020000E')!,
    sopInstanceUID,
    document: { dataset: instance.dataset, fileMeta: instance.fileMeta, storedTransferSyntaxUID, frames },
    storedFrames,
    warnings,
  };
}

function text(dataset: DicomJsonDataset, tag: string): string | undefined {
  const value = dataset[tag]?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}

function warningType(code: string): WarningType {
  return code === 'INVALID_OFFSET_TABLE' || code === 'FRAME_NUMBER_MISMATCH' || code === 'FRAMES_EXTRACTION_FAILURE' ? code : 'OTHER';
}

function describeWarning(code: string): string {
  switch (code) {
    case 'INVALID_OFFSET_TABLE':
      return 'The file was imported but contains an invalid offset table, may see issues when retrieving certain frames.';
    case 'FRAME_NUMBER_MISMATCH':
      return 'The file was imported but its number of frames does not match its pixel data fragments.';
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
