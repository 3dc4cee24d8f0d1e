// Runs the real `tessera` CLI (dist/src/main.js) against a test server's data folder.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ACCOUNT_ID, MAIN_JS } from './server.js';

const run = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function tessera(dataDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN_JS, ...args], { env: { PATH: process.env.PATH ?? '', TESSERA_DATA_DIR: dataDir, TESSERA_ACCOUNT_ID: ACCOUNT_ID } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs the command, fails on a non-zero exit, and parses its JSON output. */
export async function tesseraJson<T = Record<string, unknown>>(dataDir: string, ...args: string[]): Promise<T> {
  const result = await tessera(dataDir, ...args);
  if (result.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
