// Import throughput: copies a folder of DICOM files into a local bucket, runs one job, prints rates and peak RSS.
// `npm run bench -- import [folder]` (default: the corpus' multi-slice CT series).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { filesUnder } from '../src/cli/import-command.js';
import { join, relative } from 'node:path';
import { CreateDatastoreCommand, GetDatastoreCommand, StartDICOMImportJobCommand } from '@aws-sdk/client-medical-imaging';
import { CORPUS_DIR } from '../test/support/corpus.js';
import { waitForJob } from '../test/support/jobs.js';
import { ACCOUNT_ID, eventually, startServer } from '../test/support/server.js';
import { copyFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function benchImport(folder = join(CORPUS_DIR, 'series', 'ct-stack-assembled'), copies = 1): Promise<void> {
  const server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '0', TESSERA_LOG_LEVEL: 'error', TESSERA_THROTTLING: 'off' } });
  try {
    const client = server.client();
    const files = await filesUnder(folder);
    let bytes = 0;
    for (let copy = 0; copy < copies; copy++) {
      for (const file of files) {
        const target = join(server.dataDir, 'buckets', 'in-bucket', 'bench', String(copy), relative(folder, file));
        await mkdir(dirname(target), { recursive: true });
        await copyFile(file, target);
        bytes += (await stat(file)).size;
      }
    }
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'bench' }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
    const started = performance.now();
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/Bench`, inputS3Uri: 's3://in-bucket/bench/', outputS3Uri: 's3://out-bucket/bench/' }),
    );
    const job = await waitForJob(client, datastoreId!, jobId!, 3_600_000);
    const seconds = (performance.now() - started) / 1000;
    if (job.jobStatus !== 'COMPLETED') throw new Error(`job ${job.jobStatus}: ${job.message}`);
    const manifest = JSON.parse(await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'job-output-manifest.json'), 'utf8')).jobSummary;
    const status = await readFile(`/proc/${server.process.pid}/status`, 'utf8');
    const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
    // Frames: every imported instance's frames, counted from the metadata-free manifest is not possible; use NumberOfFrames ≈ files for series.
    const instances = manifest.numberOfImportedFiles as number;
    console.log(
      `import ${relative(CORPUS_DIR, folder) || folder} x${copies}: ${instances} instances, ${(bytes / 1024 ** 2).toFixed(1)} MB in ${seconds.toFixed(2)} s → ` +
        `${(instances / seconds).toFixed(1)} instances/s, ${(bytes / 1024 ** 2 / seconds).toFixed(2)} MB/s, server peak RSS ${peakMb.toFixed(0)} MB`,
    );
  } finally {
    await server.dispose();
  }
}
