#!/usr/bin/env node
// Process entry: the only reader of process.env, argv and signals. `tessera serve [flags]`.
import { buildApp, openIamAdministration, openQidoReindex } from './app.js';
import { DICOMWEB_USAGE, runDicomwebCommand } from './cli/dicomweb-command.js';
import { IAM_COMMANDS, IAM_USAGE, runIamCommand } from './cli/iam-command.js';
import { CREDENTIALS_PROFILE } from './auth/credentials-file.js';
import { ConfigError, loadConfig } from './config/config.js';
import { readCredentialsFile, runImportCommand } from './cli/import-command.js';
import { queryAuditFolder, verifyAuditFolder, type AuditQuery } from './audit/index.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandLine } from './cli/command-line.js';

const USAGE = `Usage: tessera serve [--host H] [--port P] [--data-dir DIR] [--region R] [...]
       tessera import <dir-or-file...> --datastore <id> [--endpoint URL] [--data-dir DIR]
       tessera audit verify [--data-dir DIR]
       tessera audit query [--data-dir DIR] [--from ISO] [--to ISO] [--principal ARN-or-user] [--action Name] [--resource text]
${IAM_USAGE}
${DICOMWEB_USAGE}
Every serve flag has an environment twin: --data-dir ↔ TESSERA_DATA_DIR. See README.md.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'import') return importCommand(rest);
  if (command === 'audit') return auditCommand(rest);
  if (command === 'dicomweb') {
    return runDicomwebCommand(rest, process.env, openQidoReindex, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
  if ((IAM_COMMANDS as readonly string[]).includes(command)) {
    return runIamCommand(command, rest, process.env, (dataDir) => openIamAdministration(dataDir, process.env.TESSERA_ACCOUNT_ID || undefined), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
  if (command !== 'serve') {
    process.stderr.write(`tessera: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env, rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tessera: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  // Signals are caught before anything starts, so a stop right after start still closes cleanly.
  let stopSignal: string | undefined;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      stopSignal = signal;
      resolveStop();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

  const app = await buildApp(config);
  const { port } = await app.listen();
  const endpoint = `${config.tls !== undefined ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  process.stdout.write(`Tessera listening on ${endpoint} (region ${config.region}, account ${app.accountId}, data ${app.dataFolder.root})\n`);
  if (app.generatedCredentialsPath !== undefined) {
    process.stdout.write(
      `Admin credentials: ${app.generatedCredentialsPath} (profile '${CREDENTIALS_PROFILE}'). Use them with:\n` +
        `  export AWS_SHARED_CREDENTIALS_FILE=${app.generatedCredentialsPath} AWS_PROFILE=${CREDENTIALS_PROFILE} AWS_REGION=${config.region}\n` +
        `  export AWS_ENDPOINT_URL_MEDICAL_IMAGING=${endpoint} AWS_DISABLE_HOST_PREFIX_INJECTION=true\n`,
    );
  }

  await stopped;
  process.stdout.write(`Tessera stopping (${stopSignal})\n`);
  await app.close();
  return 0;
}

async function auditCommand(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { args: extra, flags } = parseCommandLine(rest);
  if (extra.length > 0) {
    process.stderr.write(`tessera audit: unexpected argument '${extra[0]}'\n${USAGE}\n`);
    return 2;
  }
  const known = action === 'verify' ? ['data-dir'] : ['data-dir', 'from', 'to', 'principal', 'action', 'resource'];
  const unknown = [...flags.keys()].find((name) => !known.includes(name));
  if ((action !== 'verify' && action !== 'query') || unknown !== undefined) {
    process.stderr.write(`tessera audit: ${unknown !== undefined ? `unknown flag --${unknown}` : 'give verify or query'}\n${USAGE}\n`);
    return 2;
  }
  const dir = join(flags.get('data-dir') ?? process.env.TESSERA_DATA_DIR ?? './data', 'audit');
  if (action === 'verify') {
    const result = await verifyAuditFolder(dir);
    if (result.ok) {
      process.stdout.write(`audit trail intact: ${result.records} records in ${result.files} files (${dir})\n`);
      return 0;
    }
    process.stdout.write(
      `audit trail BROKEN at ${result.file} line ${result.line} (sequence ${result.sequence ?? '?'}): ${result.reason}; ${result.records} records before it are intact\n`,
    );
    return 1;
  }
  const time = (name: string): number | undefined => {
    const text = flags.get(name);
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`--${name} '${text}' is not an ISO 8601 time`);
    return ms;
  };
  const query: AuditQuery = {
    ...(time('from') !== undefined ? { fromMs: time('from')! } : {}),
    ...(time('to') !== undefined ? { toMs: time('to')! } : {}),
    ...(flags.has('principal') ? { principal: flags.get('principal')! } : {}),
    ...(flags.has('action') ? { action: flags.get('action')! } : {}),
    ...(flags.has('resource') ? { resource: flags.get('resource')! } : {}),
  };
  for await (const record of queryAuditFolder(dir, query)) {
    if (!process.stdout.write(`${JSON.stringify(record)}\n`)) await new Promise((resolveDrain) => process.stdout.once('drain', resolveDrain));
  }
  return 0;
}

async function importCommand(argv: readonly string[]): Promise<number> {
  const { args: paths, flags } = parseCommandLine(argv);
  const datastoreId = flags.get('datastore');
  if (paths.length === 0 || datastoreId === undefined) {
    process.stderr.write(`tessera import: give files or folders and --datastore <id>\n${USAGE}\n`);
    return 2;
  }
  const dataDir = flags.get('data-dir') ?? process.env.TESSERA_DATA_DIR ?? './data';
  const credentials =
    process.env.AWS_ACCESS_KEY_ID !== undefined && process.env.AWS_SECRET_ACCESS_KEY !== undefined
      ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
      : await readCredentialsFile(join(dataDir, 'credentials'));
  if (credentials === undefined) {
    process.stderr.write('tessera import: no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or keep <data>/credentials\n');
    return 2;
  }
  const accountId = (await readFile(join(dataDir, 'account-id'), 'utf8').catch(() => process.env.TESSERA_ACCOUNT_ID ?? '000000000000')).trim();
  return runImportCommand({
    paths,
    datastoreId,
    dataDir,
    endpoint: flags.get('endpoint') ?? process.env.AWS_ENDPOINT_URL_MEDICAL_IMAGING ?? `http://127.0.0.1:${process.env.TESSERA_PORT ?? '8080'}`,
    region: process.env.AWS_REGION ?? process.env.TESSERA_REGION ?? 'us-east-1',
    accountId,
    credentials,
    out: process.stdout,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
