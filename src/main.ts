#!/usr/bin/env node
// Process entry: the only reader of process.env, argv and signals. `tessera serve [flags]`.
import { buildApp } from './app.js';
import { CREDENTIALS_PROFILE } from './auth/credentials-file.js';
import { ConfigError, loadConfig } from './config/config.js';

const USAGE = `Usage: tessera serve [--host H] [--port P] [--data-dir DIR] [--region R] [...]
Every flag has an environment twin: --data-dir ↔ TESSERA_DATA_DIR. See README.md.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
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
  const endpoint = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
