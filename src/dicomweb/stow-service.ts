// STOW-RS (dicomweb.md §6): stores Part 10 instances synchronously through the import pipeline — each part is read,
// validated, transcoded and stored by importFile, then all are placed (primary / non-primary) and committed like one
// import job; the answer is the PS3.18 Store Instances response with AWS's warning codes.
import { ResourceNotFoundException, type DatastoreId } from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import { bufferByteSource, readPart10 } from '../dicom/index.js';
import { CustomerFileError, WARNING_CODES, importFile, type FrameTranscoder, type ImportedFile, type ImportedInstance, type StowPlacement } from '../import-jobs/index.js';
import type { DataKey } from '../keys/index.js';
import type { UrlBase } from './wado-service.js';

export interface StowRequest {
  readonly datastoreId: DatastoreId;
  /** StoreDICOMStudy: instances of another study are refused. */
  readonly studyInstanceUID: string | undefined;
  /** The Part 10 files of the request. */
  readonly parts: readonly Buffer[];
  readonly urls: UrlBase;
}

export interface StowResult {
  /** 200 all stored, 202 some failed or carry warnings, 409 none stored (PS3.18 §10.5.3). */
  readonly status: number;
  readonly response: object;
}

export interface StowPorts {
  readonly datastores: { keyFor(datastoreId: DatastoreId): Promise<{ readonly dataKey: DataKey; readonly losslessStorageFormat: 'HTJ2K' | 'JPEG_2000_LOSSLESS' } | undefined> };
  readonly blobs: SealedBlobStore;
  readonly codec: FrameTranscoder;
  /** The import runner's placement and commit (one version per image set, events in the outbox). */
  readonly committer: { commitInstances(datastoreId: DatastoreId, dataKey: DataKey, instances: readonly ImportedInstance[]): Promise<StowPlacement[]> };
  readonly framesInFlight: number;
  /** Failures that are ours, not the file's (logged by the caller). */
  readonly onError?: (error: unknown) => void;
}

/** PS3.4 storage failure reasons (dicomweb.md §6.4). */
const FAILURE = { OUT_OF_RESOURCES: 0xa700, CANNOT_UNDERSTAND: 0xc000, DATA_SET_MISMATCH: 0xa900, PROCESSING_FAILURE: 0x0110 } as const;

interface Failure {
  readonly sopClassUID: string | undefined;
  readonly sopInstanceUID: string | undefined;
  readonly reason: number;
}

export class StowService {
  constructor(private readonly ports: StowPorts) {}

  async store(request: StowRequest): Promise<StowResult> {
    const datastore = await this.ports.datastores.keyFor(request.datastoreId);
    if (datastore === undefined) throw new ResourceNotFoundException(`Datastore ${request.datastoreId} does not exist`);
    const stored: ImportedInstance[] = [];
    const storedBlobKeys: string[][] = [];
    const failures: Failure[] = [];
    for (const part of request.parts) {
      const blobKeys: string[] = [];
      try {
        const instance = await importFile(
          { sizeBytes: part.length, read: async (offset, length) => part.subarray(offset, offset + length), close: async () => undefined },
          { id: request.datastoreId, ...datastore },
          { blobs: this.ports.blobs, codec: this.ports.codec, framesInFlight: this.ports.framesInFlight },
          blobKeys,
        );
        if (request.studyInstanceUID !== undefined && instance.studyInstanceUID !== request.studyInstanceUID) {
          // StoreDICOMStudy: an instance of another study is not stored (dicomweb.md §6.3).
          await this.discard(blobKeys);
          failures.push({ ...uidsOf(instance), reason: FAILURE.DATA_SET_MISMATCH });
          continue;
        }
        stored.push(instance);
        storedBlobKeys.push(blobKeys);
      } catch (error) {
        await this.discard(blobKeys);
        // A file the import pipeline refuses cannot be understood; anything else failed while processing it (PS3.4 C.4.2.1.4).
        failures.push({ ...(await uidsOfBytes(part)), reason: error instanceof CustomerFileError ? FAILURE.CANNOT_UNDERSTAND : FAILURE.PROCESSING_FAILURE });
        if (!(error instanceof CustomerFileError)) this.ports.onError?.(error);
      }
    }
    const placements = stored.length > 0 ? await this.ports.committer.commitInstances(request.datastoreId, datastore.dataKey, stored) : [];
    const kept: ImportedInstance[] = [];
    const placed: ImportedFile[] = [];
    for (const [i, placement] of placements.entries()) {
      if ('refused' in placement) {
        // Over the ImageSetMetadata size quota (behavior.md §20): not stored, its frames are deleted.
        await this.discard(storedBlobKeys[i]!);
        failures.push({ ...uidsOf(stored[i]!), reason: FAILURE.OUT_OF_RESOURCES });
      } else {
        kept.push(stored[i]!);
        placed.push(placement);
      }
    }
    return this.response(request, kept, placed, failures);
  }

  private response(request: StowRequest, stored: readonly ImportedInstance[], placed: readonly ImportedFile[], failures: readonly Failure[]): StowResult {
    const root = request.urls.serviceRoot;
    const studies = new Set(stored.map((i) => i.studyInstanceUID));
    let hasWarnings = false;
    const referenced = stored.map((instance, i) => {
      const where = placed[i]!;
      const warning = instance.warnings[0];
      if (warning !== undefined) hasWarnings = true;
      const url = `${root}/studies/${instance.studyInstanceUID}/series/${instance.seriesInstanceUID}/instances/${instance.sopInstanceUID}${where.isPrimary ? '' : `?imageSetId=${where.imageSetId}`}`;
      return {
        '00081150': { vr: 'UI', Value: [uidsOf(instance).sopClassUID ?? ''] },
        '00081155': { vr: 'UI', Value: [instance.sopInstanceUID] },
        '00081190': { vr: 'UR', Value: [url] },
        ...(warning !== undefined ? { '00081196': { vr: 'US', Value: [WARNING_CODES[warning.code]] } } : {}),
      };
    });
    const failed = failures.map((f) => ({
      ...(f.sopClassUID !== undefined ? { '00081150': { vr: 'UI', Value: [f.sopClassUID] } } : {}),
      ...(f.sopInstanceUID !== undefined ? { '00081155': { vr: 'UI', Value: [f.sopInstanceUID] } } : {}),
      '00081197': { vr: 'US', Value: [f.reason] },
    }));
    const response = {
      ...(studies.size === 1 ? { '00081190': { vr: 'UR', Value: [`${root}/studies/${[...studies][0]}`] } } : {}),
      ...(failed.length > 0 ? { '00081198': { vr: 'SQ', Value: failed } } : {}),
      ...(referenced.length > 0 ? { '00081199': { vr: 'SQ', Value: referenced } } : {}),
    };
    const status = stored.length === 0 ? 409 : failures.length > 0 || hasWarnings ? 202 : 200;
    return { status, response };
  }

  private async discard(blobKeys: readonly string[]): Promise<void> {
    await Promise.all(blobKeys.map((key) => this.ports.blobs.delete(key).catch(() => undefined)));
  }
}

function uidsOf(instance: ImportedInstance): { sopClassUID: string | undefined; sopInstanceUID: string | undefined } {
  const sopClass = instance.document.dataset['00080016']?.Value?.[0];
  return { sopClassUID: typeof sopClass === 'string' ? sopClass : undefined, sopInstanceUID: instance.sopInstanceUID };
}

/** The UIDs of a part that failed, when its header can still be read. */
async function uidsOfBytes(part: Buffer): Promise<{ sopClassUID: string | undefined; sopInstanceUID: string | undefined }> {
  try {
    const parsed = await readPart10(bufferByteSource(part));
    const text = (tag: string) => {
      const v = parsed.dataset[tag]?.Value?.[0];
      return typeof v === 'string' ? v : undefined;
    };
    return { sopClassUID: text('00080016'), sopInstanceUID: text('00080018') };
  } catch {
    return { sopClassUID: undefined, sopInstanceUID: undefined };
  }
}
