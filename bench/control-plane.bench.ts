// Control-plane latency: through the real SDK (client cost included), and with pre-signed raw requests
// on keep-alive connections (server cost: SigV4 verification + routing + SQLite read + JSON).
import { Agent, request as httpRequest } from 'node:http';
import { CreateDatastoreCommand, GetDatastoreCommand, ListDatastoresCommand } from '@aws-sdk/client-medical-imaging';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer } from '../test/support/server.js';
import { buildSignedRequest } from '../test/support/signed-fetch.js';
import { format, runConcurrent } from './stats.js';

export async function benchControlPlane(): Promise<void> {
  const server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '0', TESSERA_LOG_LEVEL: 'error', TESSERA_MAX_ACTIVE_DATASTORES: '100000', TESSERA_THROTTLING: 'off' } });
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const client = server.client(undefined, { requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'bench' }));
    for (let i = 0; i < 20; i++) await client.send(new CreateDatastoreCommand({ datastoreName: `bench-${i}` }));

    // A signed request stays valid for the clock-skew window, so one signature serves the whole raw run.
    const signed = await buildSignedRequest(server.port, { method: 'GET', path: `/datastore/${datastoreId}` });
    const rawGet = () =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'GET', path: signed.path, headers: signed.headers, agent }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          res.resume().on('end', resolve);
        });
        req.on('error', reject).end();
      });

    await runConcurrent(2000, 8, rawGet); // warm-up: JIT, signing-key and credential caches
    for (const concurrency of [1, 32]) {
      console.log(format(`GetDatastore raw pre-signed, concurrency ${concurrency}`, await runConcurrent(concurrency === 1 ? 5000 : 20000, concurrency, rawGet)));
    }
    await runConcurrent(500, 8, () => client.send(new GetDatastoreCommand({ datastoreId })));
    for (const concurrency of [1, 32]) {
      const s = await runConcurrent(concurrency === 1 ? 2000 : 4000, concurrency, () => client.send(new GetDatastoreCommand({ datastoreId })));
      console.log(format(`GetDatastore via AWS SDK, concurrency ${concurrency}`, s));
    }
    console.log(format('ListDatastores maxResults=10 via SDK, concurrency 8', await runConcurrent(2000, 8, () => client.send(new ListDatastoresCommand({ maxResults: 10 })))));
    console.log(
      format('CreateDatastore via SDK (fsync per commit), conc. 4', await runConcurrent(200, 4, (i) => client.send(new CreateDatastoreCommand({ datastoreName: `c-${i}` })))),
    );
  } finally {
    await server.dispose();
  }
}
