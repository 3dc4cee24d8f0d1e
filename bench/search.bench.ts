// SearchImageSets latency with 100k image sets in one data store. The index is populated directly through the
// ImportJobRepository port (no DICOM needed for search), then queried through the real server with pre-signed requests.
import { Agent, request as httpRequest } from 'node:http';
import { CreateDatastoreCommand, GetDatastoreCommand } from '@aws-sdk/client-medical-imaging';
import { newId, type DatastoreId, type ImageSetId, type JobId } from '../src/api/index.js';
import { SqliteDb } from '../src/db/sqlite/sqlite-db.js';
import { buildEvent } from '../src/events/index.js';
import type { ImageSetChange } from '../src/import-jobs/index.js';
import { buildSignedRequest } from '../test/support/signed-fetch.js';
import { eventually, startServer } from '../test/support/server.js';
import { format, runConcurrent } from './stats.js';
import { join } from 'node:path';

export async function benchSearch(total = 100_000): Promise<void> {
  let server = await startServer({ env: { TESSERA_DATASTORE_TRANSITION_DELAY_MS: '0', TESSERA_LOG_LEVEL: 'error', TESSERA_THROTTLING: 'off' }, keepData: true });
  const dataDir = server.dataDir;
  const client = server.client();
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'search-bench' }));
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
  await server.stop();

  const started = performance.now();
  const db = SqliteDb.open(join(dataDir, 'index.sqlite'));
  const patients = 20_000;
  const base = Date.UTC(2020, 0, 1);
  for (let offset = 0; offset < total; offset += 5000) {
    const changes: ImageSetChange[] = [];
    for (let i = offset; i < Math.min(total, offset + 5000); i++) {
      const imageSetId = newId<ImageSetId>();
      const patient = `PAT${String(i % patients).padStart(6, '0')}`;
      const study = `1.2.826.0.1.3680043.10.${i % (total / 2)}`;
      const series = `${study}.${i}`;
      const day = new Date(base + (i % 2000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      const tags = { DICOMPatientId: patient, DICOMStudyInstanceUID: study, DICOMSeriesInstanceUID: series, DICOMStudyDate: day, DICOMStudyTime: '101500', DICOMStudyId: `S${i % 1000}` };
      changes.push({
        imageSetId,
        isNew: true,
        previousVersion: 0,
        version: 1,
        isPrimary: true,
        workflowStatus: 'IMPORTED',
        studyInstanceUID: study,
        seriesInstanceUID: series,
        levelsJson: '{}',
        dicomTagsJson: JSON.stringify(tags),
        search: { patientId: patient, accessionNumber: `A${i}`, studyId: tags.DICOMStudyId, studyDateTime: `${day}101500.000000`, instanceCount: 1 },
        metadataBlobKey: `bench/${imageSetId}`,
        frameIds: [],
        newFrames: [],
        newPixelBlobs: [],
        event: buildEvent({ accountId: '123456789012', region: 'us-east-1' }, 'Image Set Created', [], { imageSetId }, new Date()),
      });
    }
    await db.importJobs.commit({ datastoreId: datastoreId as DatastoreId, jobId: newId<JobId>(), changes, reportJson: '{}', atMs: base + offset });
  }
  db.close();
  console.log(`search setup: ${total} image sets written through the repository port in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  server = await startServer({ dataDir, env: { TESSERA_LOG_LEVEL: 'error', TESSERA_THROTTLING: 'off' } });
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const shapes: [string, object][] = [
      ['no criteria (updatedAt DESC), first page of 50', {}],
      ['EQUAL DICOMPatientId', { filters: [{ operator: 'EQUAL', values: [{ DICOMPatientId: 'PAT001234' }] }] }],
      ['BETWEEN DICOMStudyDateAndTime, sorted ASC', { filters: [{ operator: 'BETWEEN', values: [{ DICOMStudyDateAndTime: { DICOMStudyDate: '20210101' } }, { DICOMStudyDateAndTime: { DICOMStudyDate: '20210301' } }] }], sort: { sortField: 'DICOMStudyDateAndTime', sortOrder: 'ASC' } }],
      ['BETWEEN createdAt', { filters: [{ operator: 'BETWEEN', values: [{ createdAt: base / 1000 }, { createdAt: base / 1000 + 86_400 * 365 }] }] }],
      ['BETWEEN updatedAt + EQUAL DICOMSeriesInstanceUID, ASC', { filters: [{ operator: 'BETWEEN', values: [{ updatedAt: 0 }, { updatedAt: Date.now() / 1000 + 3600 }] }, { operator: 'EQUAL', values: [{ DICOMSeriesInstanceUID: '1.2.826.0.1.3680043.10.777.777' }] }], sort: { sortField: 'updatedAt', sortOrder: 'ASC' } }],
    ];
    for (const [label, criteria] of shapes) {
      const signed = await buildSignedRequest(server.port, { method: 'POST', path: `/datastore/${datastoreId}/searchImageSets`, body: JSON.stringify(criteria), query: { maxResults: '50' } });
      const send = () =>
        new Promise<void>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: `${signed.path}?maxResults=50`, headers: signed.headers, agent }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${label}: status ${res.statusCode} ${text}`))));
          });
          req.on('error', reject).end(signed.body as string);
        });
      await runConcurrent(50, 4, send);
      console.log(format(`SearchImageSets ${label}`, await runConcurrent(1000, 4, send)));
    }
  } finally {
    await server.dispose();
  }
}
