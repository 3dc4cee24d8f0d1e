// Read path: GetImageFrame (512x512 16-bit CT-like frames stored as HTJ2K) and GetImageSetMetadata (500-instance series).
// Frames are measured with pre-signed raw requests on keep-alive connections (server cost: SigV4 + routing + SQLite
// lookup + blob read/decrypt + send) and through the real SDK (client cost included).
// `TESSERA_BENCH_SERVER_NODE_ARGS` passes Node flags to the server process.
// `TESSERA_BENCH_CPU_PROF=<dir>` restarts the server on the imported data under `node --cpu-prof` for the read phase.
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  GetImageFrameCommand,
  StartDICOMImportJobCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/protocol-http';
import { waitForJob } from '../test/support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../test/support/server.js';
import { buildSignedRequest } from '../test/support/signed-fetch.js';
import { format, runConcurrent, type LatencySummary } from './stats.js';
import { writeSyntheticSeries } from './synthetic-series.js';

// Throttling off: the benchmark measures capacity, not AWS's per-account rates (GetImageSetMetadata is 50/s there).
const SERVER_ENV = { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '0', TESSERA_LOG_LEVEL: 'error', TESSERA_THROTTLING: 'off' };
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/Bench`;
const HTJ2K_MAGIC = Buffer.from([0xff, 0x4f, 0xff, 0x51]);

interface ImportedSeries {
  readonly imageSetId: string;
  /** Frame ids in instance order. */
  readonly frameIds: readonly string[];
  readonly metadataGzipBytes: number;
  readonly metadataJsonBytes: number;
  readonly importSeconds: number;
  readonly fileBytes: number;
}

/** Writes a synthetic series into the in-bucket, imports it with one job and reads its frame ids from the metadata. */
async function importSyntheticSeries(
  server: RunningServer,
  client: MedicalImagingClient,
  datastoreId: string,
  name: string,
  options: { instances: number; rows: number; columns: number; uidRoot: string },
  agent: Agent,
): Promise<ImportedSeries> {
  const studyInstanceUID = `${options.uidRoot}.1`;
  const seriesInstanceUID = `${options.uidRoot}.1.1`;
  const written = await writeSyntheticSeries(join(server.dataDir, 'buckets', 'in-bucket', name), {
    ...options,
    studyInstanceUID,
    seriesInstanceUID,
    sopPrefix: `${options.uidRoot}.1.1.1`,
  });
  const started = performance.now();
  const { jobId } = await client.send(
    new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: ROLE, inputS3Uri: `s3://in-bucket/${name}/`, outputS3Uri: `s3://out-bucket/${name}/` }),
  );
  const job = await waitForJob(client, datastoreId, jobId!, 1_800_000);
  const importSeconds = (performance.now() - started) / 1000;
  if (job.jobStatus !== 'COMPLETED') throw new Error(`import ${name}: job ${job.jobStatus}: ${job.message}`);
  const outDir = join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length));
  const success = (await readFile(join(outDir, 'SUCCESS', 'success.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  if (success.length !== options.instances) throw new Error(`import ${name}: ${success.length} of ${options.instances} files imported`);
  const imageSetIds = new Set<string>(success.map((l) => l.importResponse.imageSetId));
  if (imageSetIds.size !== 1) throw new Error(`import ${name}: expected one image set, got ${imageSetIds.size}`);
  const [imageSetId] = [...imageSetIds] as [string];

  const metadata = await rawPost(agent, await buildSignedRequest(server.port, { method: 'POST', path: metadataPath(datastoreId, imageSetId) }), server.port, true);
  if (metadata.status !== 200) throw new Error(`GetImageSetMetadata ${name}: status ${metadata.status}`);
  const json = gunzipSync(metadata.body!);
  const document = JSON.parse(json.toString('utf8'));
  const instances = document.Study.Series[seriesInstanceUID].Instances;
  const frameIds = written.sopInstanceUIDs.map((sop) => {
    const id = instances[sop]?.ImageFrames?.[0]?.ID;
    if (typeof id !== 'string') throw new Error(`import ${name}: no frame id for ${sop}`);
    return id;
  });
  return { imageSetId, frameIds, metadataGzipBytes: metadata.bytes, metadataJsonBytes: json.length, importSeconds, fileBytes: written.bytes };
}

function metadataPath(datastoreId: string, imageSetId: string): string {
  return `/datastore/${datastoreId}/imageSet/${imageSetId}/getImageSetMetadata`;
}
function framePath(datastoreId: string, imageSetId: string): string {
  return `/datastore/${datastoreId}/imageSet/${imageSetId}/getImageFrame`;
}

interface RawResult {
  readonly status: number;
  readonly bytes: number;
  /** The first (up to) 4 bytes of the body. */
  readonly head: Buffer;
  readonly contentType: string | undefined;
  /** The whole body, when asked for. */
  readonly body?: Buffer;
}

/** Sends an already signed request as it is (same bytes every time) and drains the response. */
function rawPost(agent: Agent, signed: HttpRequest, port: number, keepBody = false): Promise<RawResult> {
  return new Promise<RawResult>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: signed.method, path: signed.path, headers: signed.headers, agent }, (res) => {
      let bytes = 0;
      let head = Buffer.alloc(0);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
        if (keepBody) chunks.push(chunk);
        bytes += chunk.length;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          head,
          contentType: res.headers['content-type'],
          ...(keepBody ? { body: Buffer.concat(chunks) } : {}),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(signed.body as string | undefined);
  });
}

/** User + system CPU time of a process and all its threads so far, in ms (Linux /proc; 0 elsewhere). */
async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

/** Counts failures instead of aborting a run, so a run reports how many requests went wrong. */
class ErrorLog {
  readonly messages: string[] = [];
  count = 0;
  add(message: string): void {
    this.count++;
    if (this.messages.length < 20) this.messages.push(message);
  }
}

interface FrameRun {
  readonly summary: LatencySummary;
  readonly bytes: number;
}

function frameLine(label: string, run: FrameRun): string {
  const meanKb = run.bytes / run.summary.count / 1024;
  const mbPerSecond = (meanKb * run.summary.perSecond) / 1024;
  return `${format(label, run.summary)}   ${meanKb.toFixed(1)} KB/frame, ${mbPerSecond.toFixed(1)} MB/s`;
}


export async function benchReadPath(): Promise<void> {
  const profileDir = process.env.TESSERA_BENCH_CPU_PROF;
  // `TESSERA_BENCH_SERVER_NODE_ARGS="--max-semi-space-size=32"` compares Node flags of the server process.
  const nodeArgs = (process.env.TESSERA_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  let server = await startServer({ env: SERVER_ENV, keepData: true, nodeArgs });
  const dataDir = server.dataDir;
  const errors = new ErrorLog();
  // Under --cpu-prof, phase windows (CLOCK_MONOTONIC µs, the profile's clock) go to <profileDir>/phases.json.
  // Each phase also records the CPU time both processes used (server: all its threads, from /proc), per request.
  const phases: { label: string; startUs: number; endUs: number }[] = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let cpuNote = '';
  const phase = async <T extends { count: number } | { summary: { count: number } }>(label: string, run: () => Promise<T>): Promise<T> => {
    const server0 = await processCpuMs(server.process.pid!);
    const client0 = process.cpuUsage();
    const startUs = nowUs();
    const result = await run();
    phases.push({ label, startUs, endUs: nowUs() });
    const client = process.cpuUsage(client0);
    const count = 'summary' in result ? result.summary.count : result.count;
    const serverMs = (await processCpuMs(server.process.pid!)) - server0;
    cpuNote = `   CPU/req: server ${(serverMs / count).toFixed(2)} ms, client ${((client.user + client.system) / 1000 / count).toFixed(2)} ms`;
    return result;
  };
  try {
    let agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let client = server.client(undefined, { requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    await mkdir(join(dataDir, 'buckets', 'out-bucket'), { recursive: true });
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'bench-read-path' }));
    await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));

    const ct = await importSyntheticSeries(server, client, datastoreId!, 'ct', { instances: 100, rows: 512, columns: 512, uidRoot: '1.2.826.0.1.3680043.10.1001' }, agent);
    console.log(
      `read-path setup: 100 x 512x512 16-bit CT-like instances (${(ct.fileBytes / 1024 ** 2).toFixed(1)} MB native) imported in ${ct.importSeconds.toFixed(1)} s`,
    );
    const small = await importSyntheticSeries(server, client, datastoreId!, 'small', { instances: 500, rows: 64, columns: 64, uidRoot: '1.2.826.0.1.3680043.10.1002' }, agent);
    console.log(`read-path setup: 500 x 64x64 16-bit instances imported in ${small.importSeconds.toFixed(1)} s`);

    if (profileDir !== undefined) {
      await server.stop();
      agent.destroy();
      agent = new Agent({ keepAlive: true, maxSockets: 64 });
      await mkdir(profileDir, { recursive: true });
      server = await startServer({
        dataDir,
        keepData: true,
        env: SERVER_ENV,
        nodeArgs: [...nodeArgs, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=250'],
      });
      client = server.client(undefined, { requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
      console.log(`read-path: server restarted on the same data under --cpu-prof (profile goes to ${profileDir} at exit)`);
    }
    const port = server.port;
    console.log(
      `read-path: client and server share this machine (${availableParallelism()} cores, load average ${loadavg()[0].toFixed(2)} now); ` +
        'latencies include client CPU and any other load on the machine.',
    );

    // (a) GetImageFrame, pre-signed raw requests: one signature per distinct frame request, reused while valid (5 min).
    const signFrames = () =>
      Promise.all(ct.frameIds.map((imageFrameId) => buildSignedRequest(port, { method: 'POST', path: framePath(datastoreId!, ct.imageSetId), body: JSON.stringify({ imageFrameId }) })));
    const contentTypes = new Set<string>();
    const rawFrameRun = async (total: number, concurrency: number): Promise<FrameRun> => {
      const signed = await signFrames();
      let bytes = 0;
      const summary = await runConcurrent(total, concurrency, async (i) => {
        const r = await rawPost(agent, signed[i % signed.length]!, port).catch((error: Error) => error);
        if (r instanceof Error) return errors.add(`raw GetImageFrame #${i}: ${r.message}`);
        bytes += r.bytes;
        if (r.contentType !== undefined) contentTypes.add(r.contentType);
        if (r.status !== 200) errors.add(`raw GetImageFrame #${i}: status ${r.status}`);
        else if (!r.head.equals(HTJ2K_MAGIC)) errors.add(`raw GetImageFrame #${i}: body starts with ${r.head.toString('hex')}`);
      });
      return { summary, bytes };
    };
    // Warm-up at the measured concurrency: JIT, caches, and all 32 keep-alive connections open (opening 24 of them inside
    // the measured phase put connection setup into its tail).
    await rawFrameRun(2000, 32);
    console.log(frameLine('GetImageFrame raw pre-signed, concurrency 1', await phase('frames-raw-1', () => rawFrameRun(2000, 1))) + cpuNote);
    // ~5 s: a phase of 1-2 s let one hiccup of the shared VM decide the p99.
    console.log(frameLine('GetImageFrame raw pre-signed, concurrency 32', await phase('frames-raw-32', () => rawFrameRun(20000, 32))) + cpuNote);

    // (a') The same pre-signed requests from wrk, a native load generator, so the client takes less of the shared CPU.
    if (await hasCommand('wrk')) {
      const signed = await signFrames();
      console.log(await wrkFrames(port, signed, 32, 10));
    } else {
      console.log('GetImageFrame via wrk: skipped (install Debian wrk to run it)');
    }

    // (b) GetImageFrame through the SDK, body read fully.
    const sdkFrameRun = async (total: number, concurrency: number): Promise<FrameRun> => {
      let bytes = 0;
      const summary = await runConcurrent(total, concurrency, async (i) => {
        try {
          const response = await client.send(
            new GetImageFrameCommand({ datastoreId, imageSetId: ct.imageSetId, imageFrameInformation: { imageFrameId: ct.frameIds[i % ct.frameIds.length] } }),
          );
          const body = await response.imageFrameBlob!.transformToByteArray();
          bytes += body.length;
          if (response.$metadata.httpStatusCode !== 200) errors.add(`SDK GetImageFrame #${i}: status ${response.$metadata.httpStatusCode}`);
          else if (!Buffer.from(body.buffer, body.byteOffset, 4).equals(HTJ2K_MAGIC)) errors.add(`SDK GetImageFrame #${i}: body starts with ${Buffer.from(body.subarray(0, 4)).toString('hex')}`);
        } catch (error) {
          errors.add(`SDK GetImageFrame #${i}: ${(error as Error).name}: ${(error as Error).message}`);
        }
      });
      return { summary, bytes };
    };
    await sdkFrameRun(300, 8);
    console.log(frameLine('GetImageFrame via AWS SDK, concurrency 1', await phase('frames-sdk-1', () => sdkFrameRun(1000, 1))) + cpuNote);
    console.log(frameLine('GetImageFrame via AWS SDK, concurrency 32', await phase('frames-sdk-32', () => sdkFrameRun(4000, 32))) + cpuNote);
    console.log(`GetImageFrame content types seen: ${[...contentTypes].join(', ') || '(none)'}`);

    // GetImageSetMetadata of the 500-instance series, pre-signed raw requests.
    const metadataRun = async (total: number, concurrency: number): Promise<LatencySummary> => {
      const signed = await buildSignedRequest(port, { method: 'POST', path: metadataPath(datastoreId!, small.imageSetId) });
      return runConcurrent(total, concurrency, async (i) => {
        const r = await rawPost(agent, signed, port).catch((error: Error) => error);
        if (r instanceof Error) errors.add(`raw GetImageSetMetadata #${i}: ${r.message}`);
        else if (r.status !== 200) errors.add(`raw GetImageSetMetadata #${i}: status ${r.status}`);
        else if (r.bytes !== small.metadataGzipBytes || r.head[0] !== 0x1f || r.head[1] !== 0x8b) errors.add(`raw GetImageSetMetadata #${i}: ${r.bytes} bytes, head ${r.head.toString('hex')}`);
      });
    };
    await metadataRun(300, 8);
    const gz = `gzip ${(small.metadataGzipBytes / 1024).toFixed(1)} KB (JSON ${(small.metadataJsonBytes / 1024).toFixed(1)} KB)`;
    console.log(`${format('GetImageSetMetadata 500 inst. raw, concurrency 1', await phase('metadata-raw-1', () => metadataRun(2000, 1)))}   ${gz}${cpuNote}`);
    console.log(`${format('GetImageSetMetadata 500 inst. raw, concurrency 8', await phase('metadata-raw-8', () => metadataRun(4000, 8)))}   ${gz}${cpuNote}`);

    console.log(`read-path errors: ${errors.count}`);
    for (const message of errors.messages) console.log(`  ${message}`);
    agent.destroy();
  } finally {
    const code = await server.stop();
    if (code !== 0) console.log(`read-path: WARNING server exited with ${code}: ${server.output().trim().split('\n').slice(-3).map((l) => l.slice(0, 240)).join(' | ')}`);
    if (profileDir !== undefined) {
      await writeFile(join(profileDir, 'phases.json'), JSON.stringify(phases, null, 1));
      console.log(`read-path: profiled server exited with ${code}; phase windows in ${join(profileDir, 'phases.json')}`);
    }
    await rm(dataDir, { recursive: true, force: true });
  }
  if (errors.count > 0) throw new Error(`read-path: ${errors.count} failed requests (see above)`);
}

async function hasCommand(name: string): Promise<boolean> {
  const { spawnSync } = await import('node:child_process');
  return spawnSync(name, ['--version']).error === undefined;
}

/** Runs wrk with a Lua script cycling over pre-signed requests; returns its latency summary as one line. */
async function wrkFrames(port: number, signed: readonly HttpRequest[], connections: number, seconds: number): Promise<string> {
  const { spawnSync } = await import('node:child_process');
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'tessera-wrk-'));
  try {
    const lua = (text: string) => JSON.stringify(text); // JSON strings are valid Lua string literals for this ASCII content
    const requests = signed.map((r) => {
      const headers = Object.entries(r.headers)
        .filter(([k]) => k !== 'host' && k !== 'content-length')
        .map(([k, v]) => `[${lua(k)}]=${lua(String(v))}`)
        .join(',');
      return `wrk.format(${lua(r.method)}, ${lua(r.path)}, {${headers}}, ${lua(String(r.body ?? ''))})`;
    });
    const script = join(dir, 'frames.lua');
    await writeFile(
      script,
      `local requests = {}\ninit = function(args)\n${requests.map((r, i) => `  requests[${i + 1}] = ${r}`).join('\n')}\nend\n` +
        // No response() callback: with one, wrk copies every 190 KB body into Lua and becomes the bottleneck (it
        // measured 1.3k req/s against 3.4k from the Node client). wrk counts non-2xx responses by itself.
        `local i = 0\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n`,
    );
    const result = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}`], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr}`);
    const out = result.stdout;
    const pick = (label: string) => new RegExp(`${label}\\s+([\\d.]+\\w+)`).exec(out)?.[1] ?? '?';
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
    if (non2xx !== '0') throw new Error(`wrk saw ${non2xx} non-2xx responses`);
    return `GetImageFrame via wrk (native client), concurrency ${connections}: ${rps} req/s, p50 ${pick('50%')}, p90 ${pick('90%')}, p99 ${pick('99%')}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
