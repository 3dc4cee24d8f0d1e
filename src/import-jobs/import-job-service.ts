// StartDICOMImportJob / GetDICOMImportJob / ListDICOMImportJobs, and the queue that runs submitted jobs.
import { createHash } from 'node:crypto';
import {
  ConflictException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  newId,
  type DatastoreId,
  type DICOMImportJobProperties,
  type DICOMImportJobSummary,
  type ImportConfiguration,
  type JobId,
  type ListDICOMImportJobsInput,
  type ListDICOMImportJobsOutput,
  type PageTokens,
  type StartDICOMImportJobInput,
  type StartDICOMImportJobOutput,
} from '../api/index.js';
import type { DatastoreService } from '../datastores/index.js';
import type { ImportJobRecord } from './import-job-record.js';
import type { ImportJobRepository, JobPosition } from './import-job-repository.js';
import type { ImportJobRunner } from './import-job-runner.js';
import type { JobReport } from './job-report.js';

export interface ImportJobServiceOptions {
  readonly repository: ImportJobRepository;
  readonly runner: ImportJobRunner;
  readonly datastores: DatastoreService;
  readonly pageTokens: PageTokens;
  readonly maxConcurrentJobsPerDatastore: number;
  /** Jobs this server runs at the same time (across data stores); the rest wait SUBMITTED. */
  readonly maxRunningJobs: number;
  readonly idempotencyWindowMs: number;
  /** Jobs stay listed this long (AWS: 90 days), then read as not found. */
  readonly jobRetentionMs: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

const DEFAULT_PAGE_SIZE = 50;

export class ImportJobService {
  private readonly now: () => number;
  private readonly queue: ImportJobRecord[] = [];
  private readonly running = new Set<Promise<void>>();
  private isClosed = false;

  constructor(private readonly options: ImportJobServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(input: StartDICOMImportJobInput): Promise<StartDICOMImportJobOutput> {
    const datastore = await this.options.datastores.find(input.datastoreId);
    if (datastore === undefined || datastore.status === 'DELETED') throw new ResourceNotFoundException(`Datastore ${input.datastoreId} does not exist`);
    const nowMs = this.now();
    const id = newId<JobId>();
    const outputBase = input.outputS3Uri.endsWith('/') ? input.outputS3Uri : `${input.outputS3Uri}/`;
    const job: ImportJobRecord = {
      datastoreId: input.datastoreId,
      id,
      name: input.jobName ?? id,
      status: 'SUBMITTED',
      dataAccessRoleArn: input.dataAccessRoleArn,
      inputS3Uri: input.inputS3Uri,
      outputS3Uri: `${outputBase}${input.datastoreId}-DicomImport-${id}/`,
      inputOwnerAccountId: input.inputOwnerAccountId,
      importConfigurationJson: input.importConfiguration === undefined ? undefined : JSON.stringify(input.importConfiguration),
      submittedAtMs: nowMs,
      endedAtMs: undefined,
      message: undefined,
      reportJson: undefined,
    };
    const requestHash = createHash('sha256')
      .update(JSON.stringify([input.datastoreId, input.jobName, input.dataAccessRoleArn, input.inputS3Uri, input.outputS3Uri, input.inputOwnerAccountId, input.importConfiguration ?? null]))
      .digest('hex');
    const result = await this.options.repository.create({
      job,
      event: this.options.runner.jobEvent(job, 'SUBMITTED', nowMs),
      clientToken: input.clientToken,
      requestHash,
      idempotencyNotBeforeMs: nowMs - this.options.idempotencyWindowMs,
      maxConcurrentJobs: this.options.maxConcurrentJobsPerDatastore,
    });
    switch (result.kind) {
      case 'created':
        this.enqueue(result.job);
        return output(result.job);
      case 'replayed':
        return output(result.job);
      case 'token-reused-with-other-parameters':
        throw new ConflictException(`clientToken ${input.clientToken} was already used with different parameters`);
      case 'datastore-not-active':
        throw new ConflictException(`Datastore ${input.datastoreId} is ${result.status ?? 'unknown'}, not ACTIVE`);
      case 'quota-exceeded':
        throw new ServiceQuotaExceededException(
          `Datastore ${input.datastoreId} already runs ${this.options.maxConcurrentJobsPerDatastore} import jobs, the concurrent job quota`,
        );
    }
  }

  async get(datastoreId: DatastoreId, jobId: JobId): Promise<DICOMImportJobProperties> {
    await this.requireDatastore(datastoreId);
    const job = await this.options.repository.get(datastoreId, jobId, this.now() - this.options.jobRetentionMs);
    if (job === undefined) throw new ResourceNotFoundException(`Import job ${jobId} does not exist in datastore ${datastoreId}`);
    return {
      ...summary(job),
      inputS3Uri: job.inputS3Uri,
      outputS3Uri: job.outputS3Uri,
      ...(job.importConfigurationJson !== undefined ? { importConfiguration: JSON.parse(job.importConfigurationJson) as ImportConfiguration } : {}),
    };
  }

  /**
   * Tessera extension: how far a job has come — live counts while it runs here, the report's counts once it has
   * committed (GetDICOMImportJob keeps the AWS contract and has no such fields).
   */
  async progress(datastoreId: DatastoreId, jobId: JobId) {
    await this.requireDatastore(datastoreId);
    const job = await this.options.repository.get(datastoreId, jobId, this.now() - this.options.jobRetentionMs);
    if (job === undefined) throw new ResourceNotFoundException(`Import job ${jobId} does not exist in datastore ${datastoreId}`);
    const live = this.options.runner.progressOf(jobId);
    const report = job.reportJson === undefined ? undefined : (JSON.parse(job.reportJson) as JobReport);
    const counts = live ?? {
      filesScanned: report?.numberOfScannedFiles ?? 0,
      filesImported: report?.imported.length ?? 0,
      filesFailed: report?.failed.length ?? 0,
      framesStored: undefined,
    };
    return { datastoreId, jobId, jobStatus: job.status, ...counts };
  }

  async list(input: ListDICOMImportJobsInput): Promise<ListDICOMImportJobsOutput> {
    await this.requireDatastore(input.datastoreId);
    const scope = `ListDICOMImportJobs|${input.datastoreId}|${input.jobStatus ?? ''}`;
    const before = input.nextToken === undefined ? undefined : this.options.pageTokens.decode<JobPosition>(scope, input.nextToken);
    const limit = input.maxResults ?? DEFAULT_PAGE_SIZE;
    const rows = await this.options.repository.list({
      datastoreId: input.datastoreId,
      status: input.jobStatus,
      before,
      limit: limit + 1,
      notBeforeMs: this.now() - this.options.jobRetentionMs,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      jobSummaries: page.map(summary),
      ...(rows.length > limit && last !== undefined
        ? { nextToken: this.options.pageTokens.encode(scope, { submittedAtMs: last.submittedAtMs, id: last.id } satisfies JobPosition) }
        : {}),
    };
  }

  /** Picks up jobs a restart interrupted: SUBMITTED ones run, IN_PROGRESS ones resume or start over. */
  async resumeUnfinished(): Promise<void> {
    for (const job of await this.options.repository.listUnfinished()) this.enqueue(job);
  }

  /** Waits for running jobs to reach a stopping point; queued jobs stay SUBMITTED for the next start. */
  async close(): Promise<void> {
    this.isClosed = true;
    this.queue.length = 0;
    await Promise.all(this.running);
  }

  private enqueue(job: ImportJobRecord): void {
    if (this.isClosed) return;
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.isClosed && this.running.size < this.options.maxRunningJobs && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const run = this.options.runner
        .run(job)
        .catch((error: unknown) => this.options.onError?.(error, `import job ${job.id}`))
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  private async requireDatastore(datastoreId: DatastoreId): Promise<void> {
    const datastore = await this.options.datastores.find(datastoreId);
    if (datastore === undefined) throw new ResourceNotFoundException(`Datastore ${datastoreId} does not exist`);
  }
}

function output(job: ImportJobRecord): StartDICOMImportJobOutput {
  return { datastoreId: job.datastoreId, jobId: job.id, jobStatus: job.status, submittedAt: new Date(job.submittedAtMs) };
}

function summary(job: ImportJobRecord): DICOMImportJobSummary {
  return {
    jobId: job.id,
    jobName: job.name,
    jobStatus: job.status,
    datastoreId: job.datastoreId,
    dataAccessRoleArn: job.dataAccessRoleArn,
    ...(job.endedAtMs !== undefined ? { endedAt: new Date(job.endedAtMs) } : {}),
    submittedAt: new Date(job.submittedAtMs),
    ...(job.message !== undefined ? { message: job.message } : {}),
  };
}
