// `tessera import <dir-or-file...> --datastore <id>`: copies DICOM files into a local bucket of the data folder,
// starts an import job through the public API (SigV4, like any client) and prints the job's manifest summary.
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { GetDICOMImportJobCommand, MedicalImagingClient, StartDICOMImportJobCommand } from '@aws-sdk/client-medical-imaging';
import { signSigV4 } from '../events/sinks/sigv4-signer.js';

export interface ImportCommandOptions {
  readonly paths: readonly string[];
  readonly datastoreId: string;
  readonly dataDir: string;
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly out: NodeJS.WritableStream;
}

const BUCKET = 'tessera-imports';

export async function runImportCommand(options: ImportCommandOptions): Promise<number> {
  const tag = new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14);
  const bucketDir = join(resolve(options.dataDir), 'buckets', BUCKET);
  const prefix = `input/${tag}`;
  let copied = 0;
  for (const path of options.paths) {
    const root = resolve(path);
    const isDirectory = (await stat(root)).isDirectory();
    for (const file of isDirectory ? await filesUnder(root) : [root]) {
      const key = isDirectory ? join(basename(root), relative(root, file)) : basename(file);
      const target = join(bucketDir, prefix, key);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file, target);
      copied++;
      progress(options.out, `copying ${copied} files`);
    }
  }
  options.out.write(`\ncopied ${copied} files to s3://${BUCKET}/${prefix}/\n`);

  const client = new MedicalImagingClient({ endpoint: options.endpoint, region: options.region, credentials: options.credentials, disableHostPrefix: true });
  const { jobId } = await client.send(
    new StartDICOMImportJobCommand({
      datastoreId: options.datastoreId,
      jobName: `cli-${tag}`,
      dataAccessRoleArn: `arn:aws:iam::${options.accountId}:role/TesseraCliImport`,
      inputS3Uri: `s3://${BUCKET}/${prefix}/`,
      outputS3Uri: `s3://${BUCKET}/output/`,
    }),
  );
  const started = Date.now();
  for (;;) {
    const job = (await client.send(new GetDICOMImportJobCommand({ datastoreId: options.datastoreId, jobId }))).jobProperties!;
    const counts = await importProgress(options, jobId!).catch(() => undefined);
    const elapsed = `${((Date.now() - started) / 1000).toFixed(0)} s`;
    progress(options.out, counts === undefined ? `job ${jobId} ${job.jobStatus} ${elapsed}` : `${bar(counts)} ${job.jobStatus} ${elapsed}`);
    if (job.jobStatus === 'FAILED') {
      options.out.write(`\nimport job failed: ${job.message ?? 'no message'}\n`);
      return 1;
    }
    if (job.jobStatus === 'COMPLETED') {
      const manifestPath = join(resolve(options.dataDir), 'buckets', job.outputS3Uri!.slice('s3://'.length), 'job-output-manifest.json');
      const summary = JSON.parse(await readFile(manifestPath, 'utf8')).jobSummary;
      options.out.write(
        `\nscanned ${summary.numberOfScannedFiles}, imported ${summary.numberOfImportedFiles}, ` +
          `customer errors ${summary.numberOfFilesWithCustomerError}, server errors ${summary.numberOfFilesWithServerError}, ` +
          `image sets ${summary.numberOfGeneratedImageSets}\nreports: ${job.outputS3Uri}\n`,
      );
      for (const entry of summary.imageSetsSummary) {
        options.out.write(`  ${entry.imageSetId} version ${entry.imageSetVersion}${entry.isPrimary ? ' primary' : ' non-primary'}: ${entry.numberOfMatchedSOPInstances} instances\n`);
      }
      return summary.numberOfFilesWithCustomerError + summary.numberOfFilesWithServerError > 0 ? 3 : 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface ProgressCounts {
  readonly filesScanned: number;
  readonly filesImported: number;
  readonly filesFailed: number;
}

/** Tessera's GET /importProgress, signed like any API call. */
async function importProgress(options: ImportCommandOptions, jobId: string): Promise<ProgressCounts> {
  const url = new URL(`/importProgress?datastoreId=${options.datastoreId}&jobId=${jobId}`, options.endpoint);
  const headers = signSigV4({ method: 'GET', url, headers: {}, body: '', service: 'medical-imaging', region: options.region, credentials: options.credentials, nowMs: Date.now() });
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`importProgress: ${response.status}`);
  return (await response.json()) as ProgressCounts;
}

function bar(counts: ProgressCounts): string {
  const done = counts.filesImported + counts.filesFailed;
  const width = 30;
  const filled = counts.filesScanned === 0 ? 0 : Math.round((done / counts.filesScanned) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${counts.filesScanned} files (${counts.filesFailed} failed)`;
}

/** Every regular file below a folder, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

function progress(out: NodeJS.WritableStream, text: string): void {
  out.write(`\r${text.padEnd(60)}`);
}

/** Reads the [tessera] profile of the credentials file Tessera writes on first start. */
export async function readCredentialsFile(path: string): Promise<{ accessKeyId: string; secretAccessKey: string } | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const id = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
    const secret = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
    return id !== undefined && secret !== undefined ? { accessKeyId: id, secretAccessKey: secret } : undefined;
  } catch {
    return undefined;
  }
}
