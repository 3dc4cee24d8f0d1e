// Starts the real Tessera process (port 0, temp data folder) and gives tests signed clients for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MedicalImagingClient } from '@aws-sdk/client-medical-imaging';

export const MAIN_JS = resolve(fileURLToPath(new URL('../../src/main.js', import.meta.url)));

export const ADMIN = { accessKeyId: 'AKIATESSERATEST0001', secretAccessKey: 'tessera-test-secret-key-0123456789abcdef' } as const;
export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';

export interface RunningServer {
  readonly endpoint: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** A client as the docs tell users to build it (custom endpoint, no host prefix), retries off. */
  client(credentials?: { accessKeyId: string; secretAccessKey: string }, extra?: Partial<ConstructorParameters<typeof MedicalImagingClient>[0]>): MedicalImagingClient;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** stop() and remove the data folder (unless keepData). */
  dispose(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  /** Reuse a data folder (e.g. to restart on the same data). */
  readonly dataDir?: string;
  readonly keepData?: boolean;
  /** Leave the admin variables unset so the server generates a key. */
  readonly withoutAdminKey?: boolean;
  /** Node.js flags before the script (e.g. --cpu-prof; NODE_OPTIONS refuses it on Node 20). */
  readonly nodeArgs?: readonly string[];
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tessera-e2e-')));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TESSERA_PORT: '0',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_REGION: REGION,
    TESSERA_ACCOUNT_ID: ACCOUNT_ID,
    TESSERA_LOG_LEVEL: 'warn',
    TESSERA_DATASTORE_TRANSITION_DELAY_MS: '100',
    // AWS's rates (e.g. CreateDatastore 0.085/s) would slow every test down; throttling tests switch it on.
    TESSERA_THROTTLING: 'off',
    ...(options.withoutAdminKey ? {} : { TESSERA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, TESSERA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey }),
    ...options.env,
  };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN_JS, 'serve', ...(options.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  let scheme = 'http';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s:\n${output}`)), 15_000);
    const onData = () => {
      const found = /listening on (https?):\/\/[^:]+:(\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        scheme = found[1]!;
        resolvePort(Number(found[2]));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const endpoint = `${scheme}://127.0.0.1:${port}`;

  const server: RunningServer = {
    endpoint,
    port,
    dataDir,
    process: child,
    output: () => output,
    client: (credentials = ADMIN, extra = {}) =>
      new MedicalImagingClient({ endpoint, region: REGION, credentials, disableHostPrefix: true, maxAttempts: 1, ...extra }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async dispose() {
      await server.stop();
      if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
