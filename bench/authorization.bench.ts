// What authorization costs: the PolicyAuthorizer in-process (policies cached, data_version checked per call), and
// end to end on pre-signed raw GetDatastore for the built-in admin and for a user whose policy reads resource tags.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDatastoreCommand, TagResourceCommand, GetDatastoreCommand } from '@aws-sdk/client-medical-imaging';
import { SqliteDb } from '../src/db/sqlite/sqlite-db.js';
import { PolicyAuthorizer, StoredPrincipalPolicies } from '../src/iam/index.js';
import { EffectiveTags } from '../src/tagging/index.js';
import { startServer } from '../test/support/server.js';
import { buildSignedRequest, signer } from '../test/support/signed-fetch.js';
import { tesseraJson } from '../test/support/tessera-cli.js';
import { format, runConcurrent } from './stats.js';

const ACCOUNT = '123456789012';
const ABAC_DENY = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'medical-imaging:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/blocked': 'yes' } } }] };

export async function benchAuthorization(): Promise<void> {
  await inProcess();
  await endToEnd();
}

async function inProcess(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-authz-bench-'));
  const db = SqliteDb.open(join(dir, 'index.sqlite'));
  try {
    await db.iam.createPrincipal({ kind: 'user', name: 'bob', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, createdAtMs: 1 });
    await db.iam.attachPolicy({ principalKind: 'user', principalName: 'bob', policyName: 'AWSHealthImagingReadOnlyAccess', isManaged: true, documentJson: undefined, attachedAtMs: 1 });
    await db.iam.attachPolicy({ principalKind: 'user', principalName: 'bob', policyName: 'abac', isManaged: false, documentJson: JSON.stringify(ABAC_DENY), attachedAtMs: 2 });
    const authorizer = new PolicyAuthorizer(new StoredPrincipalPolicies(db.iam), new EffectiveTags(db.tags, { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT }));
    const request = { action: 'medical-imaging:GetImageFrame', resourceArn: `arn:aws:medical-imaging:us-east-1:${ACCOUNT}:datastore/${'0'.repeat(32)}/imageset/${'1'.repeat(32)}` };
    for (const [label, principal] of [
      ['built-in admin (FullAccess, no tag read)', { arn: `arn:aws:iam::${ACCOUNT}:user/admin`, userName: 'admin', accessKeyId: 'AKIA' }],
      ['ReadOnly + tag-conditioned Deny (2 tag reads)', { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob', accessKeyId: 'AKIA' }],
    ] as const) {
      for (let i = 0; i < 5000; i++) await authorizer.authorize(principal, request);
      const n = 100_000;
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await authorizer.authorize(principal, request);
      console.log(`authorize() in-process, ${label}: ${(Number(process.hrtime.bigint() - started) / n / 1000).toFixed(1)} µs`);
    }
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function endToEnd(): Promise<void> {
  const server = await startServer({ env: { TESSERA_LOG_LEVEL: 'error', TESSERA_DATASTORE_TRANSITION_DELAY_MS: '0' } });
  try {
    const admin = server.client();
    const { datastoreId } = await admin.send(new CreateDatastoreCommand({ datastoreName: 'authz-bench' }));
    const arn = (await admin.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreArn!;
    await admin.send(new TagResourceCommand({ resourceArn: arn, tags: { team: 'bench' } }));
    const key = await tesseraJson<{ accessKeyId: string; secretAccessKey: string }>(server.dataDir, 'users', 'create', 'bench-user');
    await tesseraJson(server.dataDir, 'policies', 'attach', 'bench-user', '--managed', 'AWSHealthImagingReadOnlyAccess');
    await writeFile(join(server.dataDir, 'abac.json'), JSON.stringify(ABAC_DENY));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'bench-user', '--file', join(server.dataDir, 'abac.json'));
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    for (const [label, credentials] of [['admin', undefined], ['ReadOnly + ABAC user', key]] as const) {
      const signed = await buildSignedRequest(server.port, { method: 'GET', path: `/datastore/${datastoreId}` }, credentials === undefined ? undefined : signer(credentials));
      const get = () =>
        new Promise<void>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'GET', path: signed.path, headers: signed.headers, agent }, (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            res.resume().on('end', resolve);
          });
          req.on('error', reject).end();
        });
      await runConcurrent(2000, 8, get);
      console.log(format(`GetDatastore raw pre-signed as ${label}, concurrency 32`, await runConcurrent(20_000, 32, get)));
    }
  } finally {
    await server.dispose();
  }
}
