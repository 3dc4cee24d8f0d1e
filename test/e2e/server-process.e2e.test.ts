// Black-box: the server as a process (first start, restarts, configuration errors, signals, the data folder).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateDatastoreCommand, GetDatastoreCommand, ListDatastoresCommand, TagResourceCommand } from '@aws-sdk/client-medical-imaging';
import { ADMIN, eventually, MAIN_JS, REGION, startServer, type RunningServer } from '../support/server.js';
import { buildSignedRequest } from '../support/signed-fetch.js';

const ACCOUNT_ARN = /^arn:aws:medical-imaging:us-east-1:(\d{12}):datastore\/[0-9a-z]{32}$/;

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function parseCredentials(text: string): { profile: string | undefined; accessKeyId: string; secretAccessKey: string } {
  const profile = /^\[([^\]]+)\]\s*$/m.exec(text)?.[1];
  const accessKeyId = /^aws_access_key_id\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
  const secretAccessKey = /^aws_secret_access_key\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
  assert.ok(accessKeyId, text);
  assert.ok(secretAccessKey, text);
  return { profile, accessKeyId, secretAccessKey };
}

async function exitWithin(child: RunningServer['process'], ms: number): Promise<number | null | 'timeout'> {
  if (child.exitCode !== null) return child.exitCode;
  if (child.signalCode !== null) return null;
  return Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref()),
  ]);
}

/** Runs `node main.js serve` to completion; for configurations that must be refused. */
function runToExit(args: readonly string[], env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not exit within ${timeoutMs} ms; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function canConnect(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/**
 * A raw HTTP/1.1 connection holding a signed POST /datastore whose headers the server has
 * provably parsed (it answered `100 Continue`) but whose body is not sent yet: a request in flight.
 */
async function openInFlightCreate(server: RunningServer, name: string): Promise<{ socket: Socket; received: () => string; finish: (extra?: string) => void }> {
  const body = JSON.stringify({ datastoreName: name, clientToken: `token-${name}` });
  const signed = await buildSignedRequest(server.port, { method: 'POST', path: '/datastore', body });
  const socket = connect({ host: '127.0.0.1', port: server.port });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const headers = { ...signed.headers, expect: '100-continue' };
  socket.write(`POST /datastore HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  await waitFor(() => received.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
  return { socket, received: () => received, finish: (extra = '') => socket.write(body + extra) };
}

/** SIGTERM, then wait until the server has stopped accepting connections (so shutdown has begun). */
async function terminateAndWaitForListenerClosed(server: RunningServer, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  server.process.kill(signal);
  await waitFor(() => server.output().includes(`Tessera stopping (${signal})`), 'the stopping line');
  const deadline = Date.now() + 5_000;
  while ((await canConnect('127.0.0.1', server.port)) === 'connected') {
    if (Date.now() > deadline) throw new Error('the listener did not close');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Spawns the server and sends `signal` from inside the stdout handler that sees the listening line (exactly once). */
function startAndSignalOnReady(signal: NodeJS.Signals, dataDir: string): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        TESSERA_PORT: '0',
        TESSERA_DATA_DIR: dataDir,
        TESSERA_LOG_LEVEL: 'warn',
        TESSERA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
        TESSERA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let signalled = false;
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (!signalled && output.includes('listening on http://')) {
        signalled = true; // once: a second signal may legitimately force the exit
        child.kill(signal);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 15 s:\n${output}`));
    }, 15_000);
    child.once('exit', (code, killedBy) => {
      clearTimeout(timer);
      if (!signalled) reject(new Error(`exited before listening (${code}):\n${output}`));
      else resolve({ code, killedBy, output });
    });
  });
}

function responses(raw: string): { status: number; headers: Record<string, string>; body: string }[] {
  const out: { status: number; headers: Record<string, string>; body: string }[] = [];
  let rest = raw.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe('the server process (e2e)', () => {
  let shared: RunningServer;

  before(async () => {
    shared = await startServer();
  });

  after(async () => {
    await shared?.dispose();
  });

  describe('first start without admin variables', () => {
    let dataDir: string;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-creds-'));
    });

    after(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('writes <data>/credentials (0600, profile [tessera]) that works, and a restart keeps it', async () => {
      const first = await startServer({ withoutAdminKey: true, dataDir, keepData: true });
      let fileText: string;
      let credentials: ReturnType<typeof parseCredentials>;
      try {
        const path = join(dataDir, 'credentials');
        assert.equal(await mode(path), 0o600);
        fileText = await readFile(path, 'utf8');
        credentials = parseCredentials(fileText);
        assert.equal(credentials.profile, 'tessera');
        assert.match(credentials.accessKeyId, /^[A-Z0-9]{16,128}$/);
        assert.ok(credentials.secretAccessKey.length >= 16);

        const output = first.output();
        assert.ok(output.includes(`AWS_SHARED_CREDENTIALS_FILE=${path}`), output);
        assert.ok(output.includes('AWS_PROFILE=tessera'), output);
        assert.ok(output.includes(`AWS_REGION=${REGION}`), output);
        assert.ok(output.includes(`AWS_ENDPOINT_URL_MEDICAL_IMAGING=${first.endpoint}`), output);
        assert.ok(output.includes('AWS_DISABLE_HOST_PREFIX_INJECTION=true'), output);
        assert.ok(!output.includes(credentials.secretAccessKey), 'the secret is not printed');

        const client = first.client(credentials);
        try {
          const listed = await client.send(new ListDatastoresCommand({}));
          assert.deepEqual(listed.datastoreSummaries, []);
          await client.send(new CreateDatastoreCommand({ datastoreName: 'before-restart' }));
        } finally {
          client.destroy();
        }
        // The test's fixed admin key is not configured here.
        const stranger = first.client(ADMIN);
        try {
          await assert.rejects(stranger.send(new ListDatastoresCommand({})), (e: Error) => e.name === 'UnrecognizedClientException');
        } finally {
          stranger.destroy();
        }
      } finally {
        assert.equal(await first.stop(), 0);
      }

      const second = await startServer({ withoutAdminKey: true, dataDir, keepData: true });
      try {
        assert.equal(await readFile(join(dataDir, 'credentials'), 'utf8'), fileText, 'the credentials file is unchanged');
        assert.ok(!second.output().includes(credentials.secretAccessKey), 'the secret is not printed');
        const client = second.client(credentials);
        try {
          const listed = await client.send(new ListDatastoresCommand({}));
          assert.deepEqual(listed.datastoreSummaries?.map((d) => d.datastoreName), ['before-restart']);
        } finally {
          client.destroy();
        }
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });

  describe('generated account id', () => {
    let dataDir: string;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-account-'));
    });

    after(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('is 12 digits, used in ARNs, kept in <data>/account-id and the same after a restart; master.key is 0600', async () => {
      const first = await startServer({ env: { TESSERA_ACCOUNT_ID: '' }, dataDir, keepData: true });
      let accountId: string;
      let datastoreId: string;
      try {
        const client = first.client();
        try {
          const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'account-probe' }));
          datastoreId = created.datastoreId!;
          const got = await client.send(new GetDatastoreCommand({ datastoreId }));
          const arn = got.datastoreProperties!.datastoreArn!;
          const found = ACCOUNT_ARN.exec(arn);
          assert.ok(found, arn);
          accountId = found[1]!;
          assert.notEqual(accountId, '123456789012');
        } finally {
          client.destroy();
        }
        assert.ok(first.output().includes(`account ${accountId}`), first.output());
        assert.equal((await readFile(join(dataDir, 'account-id'), 'utf8')).trim(), accountId);
        assert.equal(await mode(join(dataDir, 'account-id')), 0o600);
        assert.equal(await mode(join(dataDir, 'master.key')), 0o600);
        assert.equal((await stat(join(dataDir, 'master.key'))).size, 32);
      } finally {
        assert.equal(await first.stop(), 0);
      }
      const masterKey = await readFile(join(dataDir, 'master.key'));

      const second = await startServer({ env: { TESSERA_ACCOUNT_ID: '' }, dataDir, keepData: true });
      try {
        const client = second.client();
        try {
          const got = await client.send(new GetDatastoreCommand({ datastoreId }));
          assert.equal(ACCOUNT_ARN.exec(got.datastoreProperties!.datastoreArn!)?.[1], accountId);
          const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'account-probe-2' }));
          const again = await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId! }));
          assert.equal(ACCOUNT_ARN.exec(again.datastoreProperties!.datastoreArn!)?.[1], accountId);
        } finally {
          client.destroy();
        }
        assert.deepEqual(await readFile(join(dataDir, 'master.key')), masterKey, 'master.key is not rewritten');
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });

  describe('invalid configuration', () => {
    let scratch: string;

    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'tessera-e2e-badconfig-'));
    });

    after(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    const cases: { label: string; env?: Record<string, string>; args?: string[]; mentions: RegExp }[] = [
      { label: 'TESSERA_PORT=eighty', env: { TESSERA_PORT: 'eighty' }, mentions: /TESSERA_PORT/ },
      { label: 'TESSERA_PORT=70000', env: { TESSERA_PORT: '70000' }, mentions: /TESSERA_PORT/ },
      { label: 'TESSERA_ACCOUNT_ID=123', env: { TESSERA_ACCOUNT_ID: '123' }, mentions: /TESSERA_ACCOUNT_ID/ },
      { label: 'an unknown flag', args: ['--no-such-flag', '1'], mentions: /no-such-flag/ },
      { label: 'an unknown flag with =', args: ['--frobnicate=yes'], mentions: /frobnicate/ },
      { label: '--port eighty', args: ['--port', 'eighty'], mentions: /PORT/i },
      { label: 'only half of the admin key', env: { TESSERA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId }, mentions: /TESSERA_ADMIN/ },
    ];

    for (const c of cases) {
      it(`${c.label}: exits non-zero quickly with one 'tessera: invalid configuration:' line and writes nothing`, async () => {
        const dataDir = join(scratch, c.label.replace(/\W+/g, '-'));
        const result = await runToExit(['serve', ...(c.args ?? [])], { TESSERA_PORT: '0', TESSERA_DATA_DIR: dataDir, ...c.env });
        assert.notEqual(result.code, 0);
        assert.notEqual(result.code, null);
        // "Quickly": no waiting on anything (module loading alone takes ~2 s on a loaded 2-core machine).
        assert.ok(result.ms < 15_000, `took ${result.ms} ms`);
        assert.equal(result.stdout, '');
        const lines = result.stderr.split('\n');
        assert.equal(lines.length, 2, JSON.stringify(result.stderr)); // one line and its newline
        assert.equal(lines[1], '');
        assert.ok(lines[0]!.startsWith('tessera: invalid configuration:'), lines[0]);
        assert.match(lines[0]!, c.mentions);
        await assert.rejects(stat(dataDir), { code: 'ENOENT' });
      });
    }
  });

  describe('startup failures', () => {
    it('a port already in use: exits 1 quickly with one tessera: line naming the address', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-portinuse-'));
      try {
        const result = await runToExit(['serve'], { TESSERA_PORT: String(shared.port), TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: 'warn' });
        assert.equal(result.code, 1, result.stderr);
        assert.ok(result.ms < 15_000, `took ${result.ms} ms`);
        assert.doesNotMatch(result.stdout, /listening/);
        assert.match(result.stderr, new RegExp(`^tessera: .*EADDRINUSE.*127\\.0\\.0\\.1:${shared.port}\\n$`));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
      // The running server is unaffected.
      assert.equal((await fetch(`${shared.endpoint}/health`)).status, 200);
    });
  });

  describe('network', () => {
    it('listens on 127.0.0.1 only by default, and says so', async () => {
      assert.match(shared.output(), new RegExp(`^Tessera listening on http://127\\.0\\.0\\.1:${shared.port} `, 'm'));
      assert.equal(await canConnect('127.0.0.1', shared.port), 'connected');
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
      if (external === undefined) return; // no other interface to probe
      assert.equal(await canConnect(external.address, shared.port), 'ECONNREFUSED', `reachable on ${external.address}`);
    });
  });

  describe('signals', () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${signal} exits 0 and says so`, async () => {
        const server = await startServer();
        try {
          // A served request proves startup is over (the signal handlers are installed by then).
          assert.equal((await fetch(`${server.endpoint}/health`)).status, 200);
          server.process.kill(signal);
          assert.equal(await exitWithin(server.process, 10_000), 0, server.output());
          assert.equal(server.process.signalCode, null);
          assert.match(server.output(), new RegExp(`Tessera stopping \\(${signal}\\)`));
        } finally {
          await server.dispose();
        }
      });
    }

    it('a signal sent the moment the listening line appears still shuts down gracefully (exit 0)', async () => {
      // A supervisor may signal as soon as the process reports readiness, so the handlers must be installed before
      // the line is printed. The window is short, so several processes are started at once (the CPU contention
      // makes the race show); once the handlers come first, this passes every time.
      const scratch = await mkdtemp(join(tmpdir(), 'tessera-e2e-early-signal-'));
      try {
        const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'];
        const results = await Promise.all(signals.map((signal, i) => startAndSignalOnReady(signal, join(scratch, `d${i}`))));
        for (const [i, result] of results.entries()) {
          assert.deepEqual(
            { code: result.code, killedBy: result.killedBy },
            { code: 0, killedBy: null },
            `${signals[i]} right after readiness: the process died by the signal instead of shutting down; output:\n${result.output}`,
          );
        }
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });

    it('SIGTERM with idle keep-alive SDK connections open still exits 0 promptly', async () => {
      const server = await startServer();
      const client = server.client();
      try {
        for (let i = 0; i < 3; i++) await client.send(new ListDatastoresCommand({}));
        server.process.kill('SIGTERM');
        assert.equal(await exitWithin(server.process, 5_000), 0);
      } finally {
        client.destroy();
        await server.dispose();
      }
    });

    describe('a request in flight when SIGTERM arrives', () => {
      let dataDir: string;

      before(async () => {
        dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-inflight-'));
      });

      after(async () => {
        await rm(dataDir, { recursive: true, force: true });
      });

      it('completes, the process exits 0, and the data is there after a restart', async () => {
        const server = await startServer({ dataDir, keepData: true });
        const client = server.client();
        let inFlight: Awaited<ReturnType<typeof openInFlightCreate>> | undefined;
        let earlierId: string;
        try {
          const earlier = await client.send(new CreateDatastoreCommand({ datastoreName: 'before-sigterm' }));
          earlierId = earlier.datastoreId!;
          await client.send(
            new TagResourceCommand({ resourceArn: `arn:aws:medical-imaging:${REGION}:123456789012:datastore/${earlierId}`, tags: { kept: 'yes' } }),
          );
          client.destroy();

          inFlight = await openInFlightCreate(server, 'during-sigterm');
          await terminateAndWaitForListenerClosed(server);
          inFlight.finish();
          await waitFor(() => responses(inFlight!.received()).length >= 1, 'the in-flight response');
          const [response] = responses(inFlight.received());
          assert.equal(response!.status, 200, inFlight.received());
          const created = JSON.parse(response!.body) as { datastoreId: string; datastoreStatus: string };
          assert.match(created.datastoreId, /^[0-9a-z]{32}$/);
          inFlight.socket.destroy();
          assert.equal(await exitWithin(server.process, 10_000), 0);

          const restarted = await startServer({ dataDir, keepData: true });
          const after = restarted.client();
          try {
            const ids = (await after.send(new ListDatastoresCommand({}))).datastoreSummaries!.map((d) => d.datastoreId).sort();
            assert.deepEqual(ids, [earlierId, created.datastoreId].sort());
            // The CREATING → ACTIVE transition interrupted by the shutdown resumes.
            await eventually(async () => {
              const got = await after.send(new GetDatastoreCommand({ datastoreId: created.datastoreId }));
              return got.datastoreProperties?.datastoreStatus === 'ACTIVE' ? true : undefined;
            });
          } finally {
            after.destroy();
            await restarted.dispose();
          }
        } finally {
          inFlight?.socket.destroy();
          client.destroy();
          await server.dispose();
        }
      });

      it('its connection is closed after the response, so the process does not wait for the client to hang up', async () => {
        const server = await startServer();
        let inFlight: Awaited<ReturnType<typeof openInFlightCreate>> | undefined;
        try {
          inFlight = await openInFlightCreate(server, 'keep-alive-at-sigterm');
          await terminateAndWaitForListenerClosed(server);
          inFlight.finish();
          await waitFor(() => responses(inFlight!.received()).length >= 1, 'the in-flight response');
          const [response] = responses(inFlight.received());
          assert.equal(response!.status, 200);
          // The client keeps its keep-alive connection open, as SDK agents do. A stopping server must not wait
          // for the 65 s keep-alive timeout: it should answer with `Connection: close` or close the idle socket.
          const code = await exitWithin(server.process, 3_000);
          assert.equal(code, 0, `still running 3 s after the response (response connection header: ${response!.headers.connection})`);
        } finally {
          inFlight?.socket.destroy();
          await server.dispose();
        }
      });

      it('a request pipelined behind it is answered in the AWS shape (request id; an error has x-amzn-ErrorType and {"message"})', async () => {
        const server = await startServer();
        let inFlight: Awaited<ReturnType<typeof openInFlightCreate>> | undefined;
        try {
          inFlight = await openInFlightCreate(server, 'pipelined-at-sigterm');
          await terminateAndWaitForListenerClosed(server);
          const next = await buildSignedRequest(server.port, { method: 'GET', path: '/datastore' });
          inFlight.finish(`GET /datastore HTTP/1.1\r\n${Object.entries(next.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
          await waitFor(() => responses(inFlight!.received()).length >= 2, 'two responses');
          const [first, second] = responses(inFlight.received());
          assert.equal(first!.status, 200, inFlight.received());
          // Served or refused are both fine while draining, but not in fastify's own format.
          assert.match(second!.headers['x-amzn-requestid'] ?? '', /^[0-9a-f-]{36}$/, `no x-amzn-RequestId:\n${inFlight.received()}`);
          if (second!.status >= 400) {
            assert.ok(second!.headers['x-amzn-errortype'], `no x-amzn-ErrorType:\n${inFlight.received()}`);
            assert.deepEqual(Object.keys(JSON.parse(second!.body) as object), ['message'], second!.body);
          }
        } finally {
          inFlight?.socket.destroy();
          await server.dispose();
        }
      });
    });
  });

  describe('the data folder', () => {
    let root: string;

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'tessera-e2e-folder-'));
    });

    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('holds index.sqlite, master.key, account-id, credentials, and nothing is written outside it', async () => {
      const cwd = join(root, 'cwd');
      const home = join(root, 'home');
      const temp = join(root, 'tmp');
      const dataDir = join(root, 'data');
      await Promise.all([mkdir(cwd), mkdir(home), mkdir(temp)]);

      // Spawned by hand so that the working directory, HOME and TMPDIR are empty folders we can inspect.
      const child = spawn(process.execPath, [MAIN_JS, 'serve'], {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          TMPDIR: temp,
          TESSERA_PORT: '0',
          TESSERA_DATA_DIR: dataDir,
          TESSERA_REGION: REGION,
          TESSERA_LOG_LEVEL: 'warn',
          TESSERA_DATASTORE_TRANSITION_DELAY_MS: '50',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await waitFor(() => /listening on http:\/\/[^:]+:\d+/.test(output) || child.exitCode !== null, 'listening', 15_000);
        const port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1]);
        assert.ok(port > 0, output);
        const credentials = parseCredentials(await readFile(join(dataDir, 'credentials'), 'utf8'));
        const { MedicalImagingClient } = await import('@aws-sdk/client-medical-imaging');
        const client = new MedicalImagingClient({ endpoint: `http://127.0.0.1:${port}`, region: REGION, credentials, disableHostPrefix: true, maxAttempts: 1 });
        try {
          const created = await client.send(new CreateDatastoreCommand({ datastoreName: 'folder-probe', tags: { a: 'b' } }));
          await eventually(async () => {
            const got = await client.send(new GetDatastoreCommand({ datastoreId: created.datastoreId! }));
            return got.datastoreProperties?.datastoreStatus === 'ACTIVE' ? true : undefined;
          });
        } finally {
          client.destroy();
        }
      } finally {
        child.kill('SIGTERM');
        assert.equal(await exited, 0, output);
      }

      assert.deepEqual(await readdir(cwd), [], 'nothing in the working directory');
      assert.deepEqual(await readdir(home), [], 'nothing in HOME');
      assert.deepEqual(await readdir(temp), [], 'nothing in TMPDIR');
      assert.deepEqual((await readdir(root)).sort(), ['cwd', 'data', 'home', 'tmp']);

      const entries = (await readdir(dataDir)).sort();
      for (const required of ['account-id', 'credentials', 'index.sqlite', 'master.key']) assert.ok(entries.includes(required), `${required} in ${entries.join(', ')}`);
      const allowed = new Set(['account-id', 'credentials', 'index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm', 'master.key', 'blobs', 'buckets', 'audit', 'events']);
      assert.deepEqual(entries.filter((e) => !allowed.has(e)), [], `unexpected entries: ${entries.join(', ')}`);
      assert.equal(await mode(dataDir), 0o700);
      for (const secret of ['account-id', 'credentials', 'master.key']) assert.equal(await mode(join(dataDir, secret)), 0o600, secret);
    });
  });
});
