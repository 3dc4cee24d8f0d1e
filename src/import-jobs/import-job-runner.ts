// Runs one import job: scan → parse/transcode/store each file → place → commit atomically → write reports → COMPLETED.
import type { DatastoreId, ImageSetId, ImportConfiguration, JobId, ResourceScope } from '../api/index.js';
import { newId } from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import { BucketAccessError, parseS3Uri, type BucketObject, type BucketStore } from '../buckets/index.js';
import { buildEvent, type EventEnvelope } from '../events/index.js';
import {
  imageSetEvent,
  serializeWithinQuota,
  buildMetadataDocument,
  countInstances,
  dicomTagsSummary,
  storedStudyDateTimeKey,
  levelsEqual,
  listFrameIds,
  mergeInstances,
  normalizedLevels,
  type ImageSetDocuments,
  type ImageSetMetadataDocument,
  type ImageSetRepository,
  type InstanceForDocument,
  type NormalizedLevels,
} from '../image-sets/index.js';
import type { DataKey } from '../keys/index.js';
import { CustomerFileError, importFile, type FrameTranscoder, type ImportedInstance, type MetadataOverride } from './file-importer.js';
import type { DicomJsonDataset } from '../dicom/dicom-json.js';
import type { ImportJobRecord } from './import-job-record.js';
import { StaleImageSetError, type ImageSetChange, type ImportJobRepository, type StoredFrame } from './import-job-repository.js';
import { renderReport, type FailedFile, type ImageSetSummaryEntry, type ImportedFile, type JobReport } from './job-report.js';
import { placeInstances, type ExistingPrimary, type Target } from './placement.js';

/** Commit attempts when image sets the job extends are locked or changed meanwhile (about a minute with backoff). */
const COMMIT_ATTEMPTS = 35;

export interface ImportLimits {
  readonly maxFilesPerJob: number;
  readonly maxBytesPerJob: number;
  readonly maxBytesPerFile: number;
  readonly maxFoldersPerJob: number;
  /** Metadata JSON of an image set version a job writes (AWS "ImageSetMetadata size per Import": 50 MB). */
  readonly maxMetadataBytes?: number;
}

export interface DatastoreAccess {
  /** The data store's data key and storage format, or undefined when it is gone. */
  describe(datastoreId: DatastoreId): Promise<{ dataKey: DataKey; losslessStorageFormat: 'HTJ2K' | 'JPEG_2000_LOSSLESS' } | undefined>;
}

/** Where the runner reports per-file counters (the metrics registry, wired in app.ts); every call is cheap. */
export interface ImportMetrics {
  /** One input file finished: imported, refused for its content (customer error) or failed inside Tessera; bytes is its size (0 when refused unread). */
  fileProcessed(outcome: 'imported' | 'customer_error' | 'server_error', bytes: number): void;
}

export interface ImportJobRunnerOptions {
  readonly repository: ImportJobRepository;
  readonly imageSets: ImageSetRepository;
  readonly documents: ImageSetDocuments;
  readonly blobs: SealedBlobStore;
  readonly buckets: BucketStore;
  readonly codec: FrameTranscoder;
  readonly datastores: DatastoreAccess;
  readonly scope: ResourceScope;
  readonly limits: ImportLimits;
  /** Files of one job processed at the same time. */
  readonly filesInFlight: number;
  readonly framesInFlight: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
  readonly metrics?: ImportMetrics;
}

export interface ImportProgress {
  filesScanned: number;
  filesImported: number;
  filesFailed: number;
  framesStored: number;
}

/** A job-level failure: the job ends FAILED with this message. */
class JobFailure extends Error {}

/** Where a STOW-RS instance went, or why it was not stored. */
export type StowPlacement = ImportedFile | { readonly refused: string };

export class ImportJobRunner {
  private readonly now: () => number;
  /** Placement and commit of one data store run one job at a time, so two jobs never race for one primary. */
  private readonly commitLocks = new Map<string, Promise<unknown>>();
  /** Files scanned / imported / failed so far of the jobs this process is running (Tessera extension). */
  private readonly progress = new Map<string, ImportProgress>();

  /** Live counts of a running job, or undefined when it does not run here. */
  progressOf(jobId: string): ImportProgress | undefined {
    const live = this.progress.get(jobId);
    return live === undefined ? undefined : { ...live };
  }

  constructor(private readonly options: ImportJobRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  async run(job: ImportJobRecord): Promise<void> {
    try {
      await this.runOnce(job);
    } finally {
      this.progress.delete(job.id);
    }
  }

  private async runOnce(job: ImportJobRecord): Promise<void> {
    const { repository } = this.options;
    if (job.status === 'SUBMITTED') {
      const started = await repository.transition(job.datastoreId, job.id, 'SUBMITTED', 'IN_PROGRESS', {}, this.jobEvent(job, 'IN_PROGRESS'));
      if (!started) return;
    }
    const storedBlobKeys: string[] = [];
    try {
      // A job that committed before a restart only has its reports left to write.
      const reportJson = job.reportJson ?? (await this.importAndCommit(job, storedBlobKeys));
      await this.writeReports(job, JSON.parse(reportJson) as JobReport);
      const endedAtMs = this.now();
      await repository.transition(job.datastoreId, job.id, 'IN_PROGRESS', 'COMPLETED', { endedAtMs }, this.jobEvent(job, 'COMPLETED', endedAtMs));
    } catch (error) {
      if (!(error instanceof JobFailure)) this.options.onError?.(error, `import job ${job.id}`);
      // Frames stored for image sets that never became visible are garbage now.
      await Promise.all(storedBlobKeys.map((key) => this.options.blobs.delete(key).catch(() => undefined)));
      const message = error instanceof JobFailure ? error.message : 'The import job failed because of an internal error';
      const endedAtMs = this.now();
      await repository.transition(job.datastoreId, job.id, 'IN_PROGRESS', 'FAILED', { endedAtMs, message }, this.jobEvent(job, 'FAILED', endedAtMs));
    }
  }

  private async importAndCommit(job: ImportJobRecord, storedBlobKeys: string[]): Promise<string> {
    const { buckets, limits } = this.options;
    const input = parseS3Uri(job.inputS3Uri);
    const output = parseS3Uri(job.outputS3Uri);
    const datastore = await this.options.datastores.describe(job.datastoreId);
    if (datastore === undefined) throw new JobFailure('The data store is no longer available');
    try {
      await buckets.checkBucket(input.bucket, job.inputOwnerAccountId);
    } catch (error) {
      throw new JobFailure(error instanceof BucketAccessError ? `Cannot read the input location: ${error.message}` : 'Cannot read the input location');
    }
    if (job.inputOwnerAccountId !== undefined && job.inputOwnerAccountId !== this.options.scope.accountId && isLocal(buckets)) {
      throw new JobFailure(`The input bucket ${input.bucket} is not owned by account ${job.inputOwnerAccountId}`);
    }
    try {
      await buckets.checkBucket(output.bucket);
    } catch {
      throw new JobFailure(`Cannot write to the output location: bucket ${output.bucket} cannot be accessed`);
    }

    const overrides = await this.loadOverrides(job, input.bucket, input.prefix);
    // The mapped JSON files sit under the input prefix too; they are configuration, not DICOM input.
    const overrideKeys = new Set(overrides.map((o) => o.key));
    const objects = (await this.scan(input.bucket, input.prefix, limits)).filter((o) => !overrideKeys.has(o.key));
    const imported: { file: BucketObject; instance: ImportedInstance }[] = [];
    const failed: FailedFile[] = [];
    const metrics = this.options.metrics;
    const progress: ImportProgress = { filesScanned: objects.length, filesImported: 0, filesFailed: 0, framesStored: 0 };
    this.progress.set(job.id, progress);
    let next = 0;
    const worker = async () => {
      while (next < objects.length) {
        const object = objects[next++]!;
        if (object.sizeBytes > limits.maxBytesPerFile) {
          failed.push(customerFailure(object.key, `The file is larger than the per-file limit of ${limits.maxBytesPerFile} bytes`));
          progress.filesFailed++;
          metrics?.fileProcessed('customer_error', 0); // refused unread
          continue;
        }
        try {
          const reader = await buckets.openObject(input.bucket, object.key);
          try {
            imported.push({ file: object, instance: await importFile(reader, { id: job.datastoreId, ...datastore }, { blobs: this.options.blobs, codec: this.options.codec, framesInFlight: this.options.framesInFlight, overrides }, storedBlobKeys) });
          } finally {
            await reader.close();
          }
          metrics?.fileProcessed('imported', object.sizeBytes);
          progress.filesImported++;
          progress.framesStored += imported[imported.length - 1]!.instance.storedFrames.length;
        } catch (error) {
          if (error instanceof CustomerFileError) failed.push(customerFailure(object.key, error.message));
          else if (error instanceof BucketAccessError) failed.push({ inputFile: object.key, exceptionType: 'AccessDeniedException', message: error.message, isServerError: false });
          else {
            this.options.onError?.(error, `import job ${job.id}, file ${object.key}`);
            failed.push({ inputFile: object.key, exceptionType: 'InternalServerException', message: 'An internal error occurred while importing this file', isServerError: true });
          }
          progress.filesFailed++;
          const failure = failed[failed.length - 1]!;
          metrics?.fileProcessed(failure.isServerError ? 'server_error' : 'customer_error', object.sizeBytes);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.filesInFlight) }, worker));
    // Deterministic placement and report order regardless of which worker finished first.
    imported.sort((a, b) => compare(a.file.key, b.file.key));
    failed.sort((a, b) => compare(a.inputFile, b.inputFile));

    return this.withCommitLock(job.datastoreId, async () => {
      // A primary image set the job extends may be LOCKED by an update or copy (seconds at most) or move on meanwhile:
      // place again against what is stored then, backing off, for up to about a minute.
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.placeAndCommit(job, datastore.dataKey, objects.length, imported, failed, this.options.limits.maxMetadataBytes);
        } catch (error) {
          if (!(error instanceof StaleImageSetError) || attempt >= COMMIT_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
        }
      }
    });
  }

  /** The DICOM JSON files of importConfiguration, read from paths relative to the input prefix. */
  private async loadOverrides(job: ImportJobRecord, bucket: string, prefix: string): Promise<(MetadataOverride & { key: string })[]> {
    if (job.importConfigurationJson === undefined) return [];
    const configuration = JSON.parse(job.importConfigurationJson) as ImportConfiguration;
    const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const overrides: (MetadataOverride & { key: string })[] = [];
    for (const mapping of configuration.dicomJsonMetadataImportConfiguration.dicomMetadataMappings) {
      const key = `${base}${mapping.metadataFilePath}`;
      let parsed: unknown;
      try {
        const reader = await this.options.buckets.openObject(bucket, key);
        try {
          parsed = JSON.parse((await reader.read(0, Math.min(reader.sizeBytes, 50 * 1024 * 1024))).toString('utf8'));
        } finally {
          await reader.close();
        }
      } catch {
        throw new JobFailure(`The metadata file ${mapping.metadataFilePath} cannot be read as JSON`);
      }
      const dataset = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed;
      if (!isDicomJson(dataset)) throw new JobFailure(`The metadata file ${mapping.metadataFilePath} is not a DICOM JSON data set`);
      overrides.push({ key, studyInstanceUID: mapping.studyInstanceUID, seriesInstanceUID: mapping.seriesInstanceUID, elements: dataset });
    }
    return overrides;
  }

  private async scan(bucket: string, prefix: string, limits: ImportLimits): Promise<BucketObject[]> {
    const objects: BucketObject[] = [];
    const folders = new Set<string>();
    let totalBytes = 0;
    try {
      for await (const object of this.options.buckets.listObjects(bucket, prefix)) {
        objects.push(object);
        totalBytes += object.sizeBytes;
        const slash = object.key.lastIndexOf('/');
        if (slash > prefix.length) folders.add(object.key.slice(0, slash));
        if (objects.length > limits.maxFilesPerJob) throw new JobFailure(`The input holds more than ${limits.maxFilesPerJob} files, the limit of one import job`);
        if (totalBytes > limits.maxBytesPerJob) throw new JobFailure(`The input holds more than ${limits.maxBytesPerJob} bytes, the limit of one import job`);
        if (folders.size > limits.maxFoldersPerJob) throw new JobFailure(`The input holds more than ${limits.maxFoldersPerJob} nested folders, the limit of one import job`);
      }
    } catch (error) {
      if (error instanceof JobFailure) throw error;
      throw new JobFailure('Cannot list the input location');
    }
    if (objects.length === 0) throw new JobFailure('The input location holds no files');
    return objects;
  }

  private async placeAndCommit(
    job: ImportJobRecord,
    dataKey: DataKey,
    scannedCount: number,
    imported: readonly { file: BucketObject; instance: ImportedInstance }[],
    failed: readonly FailedFile[],
    maxMetadataBytes?: number,
  ): Promise<string> {
    const { imageSets, documents } = this.options;
    const datastoreId = job.datastoreId;
    const levels = imported.map(({ instance }) => normalizedLevels(instance.document.dataset) as NormalizedLevels);

    // What is stored now, for every series and study the job touches.
    const primaries = new Map<string, ExistingPrimary & { latestVersion: number }>();
    const studyPrimaries = new Map<string, ExistingPrimary[]>();
    for (const { instance } of imported) {
      const key = `${instance.studyInstanceUID}|${instance.seriesInstanceUID}`;
      if (!primaries.has(key)) {
        const stored = await imageSets.findPrimary(datastoreId, instance.studyInstanceUID, instance.seriesInstanceUID);
        if (stored !== undefined) primaries.set(key, { imageSetId: stored.id, studyInstanceUID: stored.studyInstanceUID, seriesInstanceUID: stored.seriesInstanceUID, levels: JSON.parse(stored.levelsJson) as NormalizedLevels, latestVersion: stored.latestVersion });
      }
      if (!studyPrimaries.has(instance.studyInstanceUID)) {
        const rows = await imageSets.listStudyPrimaries(datastoreId, instance.studyInstanceUID);
        studyPrimaries.set(instance.studyInstanceUID, rows.map((r) => ({ imageSetId: r.id, studyInstanceUID: r.studyInstanceUID, seriesInstanceUID: r.seriesInstanceUID, levels: JSON.parse(r.levelsJson) as NormalizedLevels })));
      }
    }
    const targets = placeInstances(
      imported.map(({ instance }, i) => ({ studyInstanceUID: instance.studyInstanceUID, seriesInstanceUID: instance.seriesInstanceUID, levels: levels[i]! })),
      {
        primaryOf: (study, series) => primaries.get(`${study}|${series}`),
        studyPrimaries: (study) => studyPrimaries.get(study) ?? [],
        levelsEqual,
      },
    );

    // Group instances by target; within a target a later copy of a SOP instance replaces an earlier one.
    const groups = new Map<string, { target: Target; members: number[] }>();
    targets.forEach((target, i) => {
      const key = target.kind === 'existing-primary' ? `existing|${target.imageSetId}` : `${target.kind}|${target.key}`;
      const group = groups.get(key) ?? { target, members: [] };
      group.members.push(i);
      groups.set(key, group);
    });

    const atMs = this.now();
    const changes: ImageSetChange[] = [];
    const placed = new Map<number, { imageSetId: string; version: number; isPrimary: boolean }>();
    const summary: ImageSetSummaryEntry[] = [];
    const overQuota: FailedFile[] = [];
    for (const { target, members } of groups.values()) {
      const instances = dedupeBySop(members.map((i) => imported[i]!.instance));
      const forDocument: InstanceForDocument[] = instances.map((instance) => instance.document);
      const isPrimary = target.kind !== 'non-primary';
      let imageSetId: ImageSetId;
      let previousVersion = 0;
      let document: ImageSetMetadataDocument;
      if (target.kind === 'existing-primary') {
        const stored = [...primaries.values()].find((p) => p.imageSetId === target.imageSetId)!;
        imageSetId = stored.imageSetId as ImageSetId;
        previousVersion = stored.latestVersion;
        const versionRecord = await imageSets.findVersion(datastoreId, imageSetId, previousVersion);
        if (versionRecord === undefined) throw new StaleImageSetError(`Version ${previousVersion} of ${imageSetId} is missing`);
        document = mergeInstances(await documents.read<ImageSetMetadataDocument>(versionRecord.metadataBlobKey, dataKey), forDocument);
      } else {
        imageSetId = newId<ImageSetId>();
        document = buildMetadataDocument(datastoreId, imageSetId, forDocument);
      }
      const serialized = serializeWithinQuota(document, maxMetadataBytes ?? Number.POSITIVE_INFINITY);
      if ('overQuota' in serialized) {
        // The files of this image set fail; the rest of the job goes on.
        for (const i of members) overQuota.push({ inputFile: imported[i]!.file.key, exceptionType: 'ServiceQuotaExceededException', message: serialized.overQuota, isServerError: false });
        continue;
      }
      const version = previousVersion + 1;
      const metadataBlobKey = await documents.write(datastoreId, imageSetId, version, document, dataKey, serialized.json);
      const first = instances[0]!;
      const isNew = target.kind !== 'existing-primary';
      const tags = dicomTagsSummary(document);
      changes.push({
        imageSetId,
        isNew,
        previousVersion,
        version,
        isPrimary,
        workflowStatus: 'IMPORTED',
        studyInstanceUID: first.studyInstanceUID,
        seriesInstanceUID: first.seriesInstanceUID,
        levelsJson: JSON.stringify(normalizedLevels(first.document.dataset)),
        dicomTagsJson: JSON.stringify(tags),
        search: {
          patientId: tags.DICOMPatientId,
          accessionNumber: tags.DICOMAccessionNumber,
          studyId: tags.DICOMStudyId,
          studyDateTime: storedStudyDateTimeKey(tags.DICOMStudyDate, tags.DICOMStudyTime),
          instanceCount: countInstances(document),
        },
        metadataBlobKey,
        frameIds: listFrameIds(document),
        newFrames: instances.flatMap((instance): StoredFrame[] => [...instance.storedFrames]),
        newPixelBlobs: instances.flatMap((instance) => (instance.pixelBlob !== undefined ? [{ sopInstanceUID: instance.sopInstanceUID, ...instance.pixelBlob }] : [])),
        event: this.imageSetEvent(datastoreId, imageSetId, isNew ? 'Image Set Created' : 'Image Set Updated', isPrimary, atMs),
      });
      for (const i of members) placed.set(i, { imageSetId, version, isPrimary });
      summary.push({ imageSetId, imageSetVersion: version, isPrimary, numberOfMatchedSOPInstances: instances.length });
    }

    const importedFiles: ImportedFile[] = imported.flatMap(({ file, instance }, i) => {
      const where = placed.get(i);
      return where === undefined ? [] : [{ inputFile: file.key, ...where, imageSetVersion: where.version, warnings: instance.warnings }];
    });
    const allFailed = overQuota.length === 0 ? failed : [...failed, ...overQuota].sort((a, b) => compare(a.inputFile, b.inputFile));
    const report: JobReport = { numberOfScannedFiles: scannedCount, imported: importedFiles, failed: allFailed, imageSetsSummary: summary };
    const reportJson = JSON.stringify(report);
    await this.options.repository.commit({ datastoreId, jobId: job.id as JobId, changes, reportJson, atMs });
    return reportJson;
  }

  private async writeReports(job: ImportJobRecord, report: JobReport): Promise<void> {
    const output = parseS3Uri(job.outputS3Uri);
    const files = renderReport(report, { jobId: job.id, datastoreId: job.datastoreId, inputS3Uri: job.inputS3Uri, outputS3Uri: job.outputS3Uri });
    // The manifest goes last: a reader that finds it finds the ndjson files too.
    for (const name of ['SUCCESS/success.ndjson', 'FAILURE/failure.ndjson', 'WARNING/warning.ndjson', 'job-output-manifest.json'] as const) {
      try {
        await this.options.buckets.putObject(output.bucket, `${output.prefix}${name}`, Buffer.from(files[name], 'utf8'), name.endsWith('.json') ? 'application/json' : 'application/x-ndjson');
      } catch {
        throw new JobFailure(`Cannot write the job output to bucket ${output.bucket}`);
      }
    }
  }

  /**
   * STOW-RS (src/dicomweb/): instances already read and stored with importFile are placed and committed exactly as an
   * import job's (behavior.md §5.2), under the same per-data-store commit lock; one version per image set. Returns where
   * each instance went, or why it was refused (the metadata size quota), in the order given.
   */
  async commitInstances(datastoreId: DatastoreId, dataKey: DataKey, instances: readonly ImportedInstance[]): Promise<StowPlacement[]> {
    // No import_jobs row has this id: the commit's report update touches nothing.
    const job = { datastoreId, id: `stow-${newId<string>()}` } as unknown as ImportJobRecord;
    const key = (i: number) => String(i).padStart(8, '0');
    const imported = instances.map((instance, i) => ({ file: { key: key(i), sizeBytes: 0 }, instance }));
    return this.withCommitLock(datastoreId, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          // The ImageSetMetadata size quota applies as in jobs: the instances of an image set that would exceed it are refused.
          const report = JSON.parse(await this.placeAndCommit(job, dataKey, instances.length, imported, [], this.options.limits.maxMetadataBytes)) as JobReport;
          const placedByKey = new Map(report.imported.map((file) => [file.inputFile, file]));
          const refusedByKey = new Map(report.failed.map((file) => [file.inputFile, file.message]));
          return instances.map((_, i): StowPlacement => placedByKey.get(key(i)) ?? { refused: refusedByKey.get(key(i)) ?? 'The instance was not placed' });
        } catch (error) {
          if (!(error instanceof StaleImageSetError) || attempt >= 3) throw error;
        }
      }
    });
  }

  private async withCommitLock<T>(datastoreId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.commitLocks.get(datastoreId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.commitLocks.set(datastoreId, settled);
    try {
      return await run;
    } finally {
      if (this.commitLocks.get(datastoreId) === settled) this.commitLocks.delete(datastoreId);
    }
  }

  jobEvent(job: ImportJobRecord, status: 'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED', atMs = this.now()): EventEnvelope {
    const detailType = ({ SUBMITTED: 'Import Job Submitted', IN_PROGRESS: 'Import Job In Progress', COMPLETED: 'Import Job Completed', FAILED: 'Import Job Failed' } as const)[status];
    return buildEvent(
      { accountId: this.options.scope.accountId, region: this.options.scope.region },
      detailType,
      [],
      { datastoreId: job.datastoreId, jobName: job.name, jobId: job.id, jobStatus: status, inputS3Uri: job.inputS3Uri, outputS3Uri: job.outputS3Uri },
      new Date(atMs),
    );
  }

  private imageSetEvent(datastoreId: string, imageSetId: string, detailType: 'Image Set Created' | 'Image Set Updated', isPrimary: boolean, atMs: number): EventEnvelope {
    return imageSetEvent(this.options.scope, detailType, { datastoreId: datastoreId as DatastoreId, id: imageSetId as ImageSetId, state: 'ACTIVE', workflowStatus: 'IMPORTED', isPrimary }, atMs);
  }

}

function isDicomJson(value: unknown): value is DicomJsonDataset {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([tag, element]) => /^[0-9A-Fa-f]{8}$/.test(tag) && element !== null && typeof element === 'object' && typeof (element as { vr?: unknown }).vr === 'string',
  );
}

function customerFailure(inputFile: string, message: string): FailedFile {
  return { inputFile, exceptionType: 'ValidationException', message, isServerError: false };
}

function dedupeBySop(instances: readonly ImportedInstance[]): ImportedInstance[] {
  const bySop = new Map<string, ImportedInstance>();
  for (const instance of instances) bySop.set(instance.sopInstanceUID, instance);
  return [...bySop.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isLocal(buckets: BucketStore): boolean {
  return buckets.constructor.name === 'LocalBucketStore';
}
