// Image set helpers for e2e tests: imports of corpus folders, metadata documents, waiting for LOCKED sets to settle.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  StartDICOMImportJobCommand,
  type GetImageSetCommandOutput,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, type CorpusFile } from './corpus.js';
import { waitForJob } from './jobs.js';
import { ACCOUNT_ID, eventually, type RunningServer } from './server.js';

export interface ImportedImageSet {
  readonly imageSetId: string;
  readonly isPrimary: boolean;
  readonly imageSetVersion: string;
}

export async function activeDatastore(client: MedicalImagingClient, name: string): Promise<string> {
  const datastoreId = (await client.send(new CreateDatastoreCommand({ datastoreName: name }))).datastoreId!;
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined), 10_000);
  return datastoreId;
}

/** Copies `files` into a local bucket under `prefix`, imports them, and returns the image sets of success.ndjson (unique). */
export async function importFiles(server: RunningServer, client: MedicalImagingClient, datastoreId: string, prefix: string, files: readonly CorpusFile[]): Promise<ImportedImageSet[]> {
  await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), prefix, files);
  await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
  const { jobId } = await client.send(
    new StartDICOMImportJobCommand({
      datastoreId,
      dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/R`,
      inputS3Uri: `s3://in-bucket/${prefix}/`,
      outputS3Uri: `s3://out-bucket/${prefix}/`,
    }),
  );
  const job = await waitForJob(client, datastoreId, jobId!);
  assert.equal(job.jobStatus, 'COMPLETED');
  const lines = (await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'SUCCESS/success.ndjson'), 'utf8')).trim().split('\n');
  const byId = new Map<string, ImportedImageSet>();
  for (const line of lines) {
    const response = JSON.parse(line).importResponse as ImportedImageSet;
    byId.set(response.imageSetId, response);
  }
  return [...byId.values()];
}

export interface MetadataDocument {
  SchemaVersion: string;
  DatastoreID: string;
  ImageSetID: string;
  Patient: { DICOM: Record<string, unknown> };
  Study: {
    DICOM: Record<string, unknown>;
    Series: Record<string, { DICOM: Record<string, unknown>; Instances: Record<string, { DICOM: Record<string, unknown>; DICOMVRs?: Record<string, string>; ImageFrames?: { ID: string }[] }> }>;
  };
}

export async function metadataOf(client: MedicalImagingClient, datastoreId: string, imageSetId: string, versionId?: string): Promise<MetadataDocument> {
  const response = await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId, ...(versionId !== undefined ? { versionId } : {}) }));
  return JSON.parse(gunzipSync(await response.imageSetMetadataBlob!.transformToByteArray()).toString('utf8')) as MetadataDocument;
}

/** Waits until the image set is no longer LOCKED and returns its GetImageSet answer. */
export async function settled(client: MedicalImagingClient, datastoreId: string, imageSetId: string, timeoutMs = 20_000): Promise<GetImageSetCommandOutput> {
  return eventually(async () => {
    const got = await client.send(new GetImageSetCommand({ datastoreId, imageSetId }));
    return got.imageSetState === 'LOCKED' ? undefined : got;
  }, timeoutMs);
}

export function blob(document: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(document));
}

/** Every SOP Instance UID of a document, with its series. */
export function instancesOf(document: MetadataDocument): { series: string; sop: string; frames: string[] }[] {
  return Object.entries(document.Study.Series).flatMap(([series, s]) =>
    Object.entries(s.Instances).map(([sop, instance]) => ({ series, sop, frames: (instance.ImageFrames ?? []).map((f) => f.ID) })),
  );
}
