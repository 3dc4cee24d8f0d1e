// OIDC bearer tokens: a browser-style client with only a JWT (keys generated here, tokens really signed) runs QIDO and
// WADO on the DICOMweb routes; its claims pick a role whose policy is limited to one StudyInstanceUID; bad tokens are 401.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFiles } from '../support/corpus.js';
import { importCorpus } from '../support/dicomweb.js';
import { claimsAt, generateTestKey, jwks, signJwt } from '../support/jwt.js';
import { ACCOUNT_ID, startServer, type RunningServer } from '../support/server.js';
import { tessera, tesseraJson } from '../support/tessera-cli.js';

const ISSUER = 'https://idp.example.test/realms/imaging';
const AUDIENCE = 'tessera-viewer';
const STUDY_A = '1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.1';
const SERIES_A = '1.3.6.1.4.1.5962.1.1.0.0.0.1196527414.5534.0.6';
const STUDY_B = '1.3.6.1.4.1.5962.1.1.0.0.0.1196533885.18148.0.1';
const SERIES_B = '1.3.6.1.4.1.5962.1.1.0.0.0.1196533885.18148.0.15';

describe('OIDC bearer tokens (DICOMweb)', () => {
  let server: RunningServer;
  let dir: string;
  let datastoreId: string;
  const key = generateTestKey('idp-key-1', 'RS256');
  const ecKey = generateTestKey('idp-key-2', 'ES256');
  const stranger = generateTestKey('idp-key-1', 'RS256'); // same kid, not the IdP's key
  const radiologist = (extra: Record<string, unknown> = {}, age?: number, lifetime?: number) => claimsAt(ISSUER, AUDIENCE, { groups: ['staff', 'radiology'], ...extra }, age, lifetime);
  const get = (path: string, token: string, accept = 'application/dicom+json') =>
    fetch(`${server.endpoint}${path}`, { headers: { authorization: `Bearer ${token}`, accept } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-oidc-'));
    await writeFile(join(dir, 'jwks.json'), jwks(key, ecKey));
    await writeFile(join(dir, 'oidc.json'), JSON.stringify({
      issuers: [{ issuer: ISSUER, audience: [AUDIENCE], jwksFile: 'jwks.json', roleMappings: [{ claim: 'groups', value: 'radiology', role: 'DicomWebReader' }] }],
    }));
    server = await startServer({ env: { TESSERA_OIDC_CONFIG: join(dir, 'oidc.json') } });
    const files = (await corpusFiles()).filter((f) => f.path === 'studies/pcir/77654033/CR2/6247.dcm' || f.path === 'studies/pcir/98892003/MR1/5641.dcm');
    datastoreId = await importCorpus(server, server.client(), 'oidc', files);
    await tesseraJson(server.dataDir, 'roles', 'create', 'DicomWebReader');
    await writeFile(join(dir, 'study-a.json'), JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['medical-imaging:SearchDICOM*', 'medical-imaging:GetDICOM*'], Resource: `arn:aws:medical-imaging:*:*:datastore/${datastoreId}`, Condition: { StringEquals: { 'medical-imaging:StudyInstanceUID': STUDY_A } } }],
    }));
    await tesseraJson(server.dataDir, 'policies', 'attach', 'role/DicomWebReader', '--file', join(dir, 'study-a.json'));
  });
  after(async () => {
    await server.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('a client with only a bearer JWT runs QIDO and WADO; the role policy limits it to one study', async () => {
    const token = signJwt(key, radiologist());
    const studies = await get(`/datastore/${datastoreId}/studies`, token);
    assert.equal(studies.status, 200, await studies.clone().text());
    const found = ((await studies.json()) as Record<string, { Value?: string[] }>[]).map((study) => study['0020000D']!.Value![0]);
    // SearchDICOMStudies has no StudyInstanceUID key: the condition does not apply to it (AWS's support matrix).
    assert.deepEqual(found.sort(), [STUDY_A, STUDY_B].sort());
    const series = await get(`/datastore/${datastoreId}/studies/${STUDY_A}/series`, signJwt(ecKey, radiologist()));
    assert.equal(series.status, 200);
    const metadata = await get(`/datastore/${datastoreId}/studies/${STUDY_A}/series/${SERIES_A}/metadata`, token);
    assert.equal(metadata.status, 200, await metadata.clone().text());
    assert.equal(((await metadata.json()) as unknown[]).length, 1);

    const otherStudy = await get(`/datastore/${datastoreId}/studies/${STUDY_B}/series/${SERIES_B}/metadata`, token);
    assert.equal(otherStudy.status, 403);
    assert.equal(otherStudy.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    assert.match(await otherStudy.text(), /role\/DicomWebReader is not authorized to perform: medical-imaging:GetDICOMSeriesMetadata/);
    assert.equal((await get(`/datastore/${datastoreId}/studies/${STUDY_B}/series`, token)).status, 403);
    // The token is validated on the AWS routes too; the role has no ListDatastores.
    const list = await get('/datastore', token, 'application/json');
    assert.equal(list.status, 403);
  });

  it('expired, future, over-age, wrong-audience and wrong-signature tokens are 401 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string> = {
      expired: signJwt(key, radiologist({ exp: now - 300 })),
      'not yet valid': signJwt(key, radiologist({ nbf: now + 3600 })),
      'issued in the future': signJwt(key, radiologist({ iat: now + 3600, nbf: now - 10 })),
      'older than 12 hours': signJwt(key, radiologist({}, 12 * 3600 + 120, 24 * 3600)),
      'wrong audience': signJwt(key, claimsAt(ISSUER, 'another-app', { groups: ['radiology'] })),
      'wrong signature': signJwt(stranger, radiologist()),
      'unknown issuer': signJwt(key, claimsAt('https://elsewhere.test', AUDIENCE, { groups: ['radiology'] })),
      'not a JWT': 'definitely-not-a-jwt',
    };
    for (const [label, token] of Object.entries(bad)) {
      const response = await get(`/datastore/${datastoreId}/studies`, token);
      assert.equal(response.status, 401, label);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"', label);
      // A browser viewer on another origin may read why it was refused.
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/, label);
      assert.equal(response.headers.get('x-amzn-errortype'), 'UnauthorizedException', label);
      assert.ok(!(await response.text()).includes(token.slice(0, 20)), `${label}: the answer does not echo the token`);
    }
  });

  it('a valid token whose claims map to no role is denied (403), and tokens never reach the audit trail or logs', async () => {
    const noRole = signJwt(key, claimsAt(ISSUER, AUDIENCE, { groups: ['billing'] }));
    const response = await get(`/datastore/${datastoreId}/studies`, noRole);
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    const secretPart = noRole.split('.')[2]!;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the audit batch is written
    const auditDir = join(server.dataDir, 'audit');
    let audit = '';
    for (const name of await readdir(auditDir)) audit += await readFile(join(auditDir, name), 'utf8');
    assert.match(audit, /role\/DicomWebReader/);
    const byRole = await tessera(server.dataDir, 'audit', 'query', '--principal', 'DicomWebReader');
    const identities = byRole.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { userIdentity: { type: string; arn: string } }).userIdentity);
    assert.ok(identities.length >= 3);
    assert.ok(identities.every((identity) => identity.type === 'AssumedRole' && identity.arn === `arn:aws:sts::${ACCOUNT_ID}:assumed-role/DicomWebReader/viewer-1`));
    assert.ok(!audit.includes(secretPart), 'no token signature in the audit trail');
    assert.ok(!server.output().includes(secretPart), 'no token signature in the logs');
  });
});
