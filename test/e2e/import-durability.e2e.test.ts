// Imports at scale and across crashes: a 1 GB+ multi-frame file with bounded memory, and a job that survives SIGKILL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { gunzipSync, crc32 } from 'node:zlib';
import {
  CreateDatastoreCommand,
  GetDatastoreCommand,
  GetDICOMImportJobCommand,
  GetImageFrameCommand,
  GetImageSetCommand,
  GetImageSetMetadataCommand,
  StartDICOMImportJobCommand,
  type MedicalImagingClient,
} from '@aws-sdk/client-medical-imaging';
import { EXPLICIT_LE, encodeDataset, imageElements, part10File, tagBytes } from '../../src/dicom/synthetic-part10.fixture.js';
import { copyIntoBucket, corpusFiles } from '../support/corpus.js';
import { crc32OfHtj2k } from '../support/htj2k.js';
import { waitForJob } from '../support/jobs.js';
import { ACCOUNT_ID, eventually, startServer, type RunningServer } from '../support/server.js';

const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/ImportRole`;
const LARGE_FILE_BYTES = Number(process.env.TESSERA_TEST_LARGE_FILE_BYTES ?? 1.1 * 1024 ** 3);

async function activeDatastore(client: MedicalImagingClient): Promise<string> {
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: 'durability' }));
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
  return datastoreId!;
}

/** A deterministic 512x512 16-bit frame: smooth gradients plus a frame-dependent pattern (compresses like real data). */
function syntheticFrame(index: number): Buffer {
  const frame = Buffer.alloc(512 * 512 * 2);
  for (let y = 0; y < 512; y++) {
    for (let x = 0; x < 512; x++) frame.writeUInt16LE((x * 7 + y * 13 + ((x * y + index * 31) % 97) * 5 + index) & 0xffff, (y * 512 + x) * 2);
  }
  return frame;
}

function peakRssBytes(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((status) => Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024);
}

describe('import durability', () => {
  let server: RunningServer;
  let client: MedicalImagingClient;
  before(async () => {
    server = await startServer({ keepData: true });
    client = server.client();
    await mkdir(join(server.dataDir, 'buckets', 'in-bucket'), { recursive: true });
    await mkdir(join(server.dataDir, 'buckets', 'out-bucket'), { recursive: true });
  });
  after(async () => {
    await server.dispose();
    await rm(server.dataDir, { recursive: true, force: true });
  });

  it(`imports a ${(LARGE_FILE_BYTES / 1024 ** 3).toFixed(1)} GB multi-frame file with peak server RSS under 512 MB`, async () => {
    const frameBytes = 512 * 512 * 2;
    const frames = Math.ceil(LARGE_FILE_BYTES / frameBytes);
    const sopInstanceUID = '1.2.826.0.1.3680043.10.999.1';
    const header = part10File(
      '1.2.840.10008.1.2.1',
      encodeDataset(
        imageElements({ rows: 512, columns: 512, bitsAllocated: 16, numberOfFrames: frames }).map((e) => (e.tag === '00080018' ? { ...e, value: sopInstanceUID } : e)),
        EXPLICIT_LE,
      ),
      { sopInstanceUID },
    );
    const path = join(server.dataDir, 'buckets', 'in-bucket', 'large', 'multiframe.dcm');
    await mkdir(join(server.dataDir, 'buckets', 'in-bucket', 'large'), { recursive: true });
    const out = createWriteStream(path);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(frames * frameBytes);
    out.write(Buffer.concat([header, tagBytes('7FE00010', true), Buffer.from('OW', 'latin1'), Buffer.alloc(2), length]));
    const expected: number[] = [];
    for (let i = 0; i < frames; i++) {
      const frame = syntheticFrame(i);
      expected.push(crc32(frame) >>> 0);
      if (!out.write(frame)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');

    const rssBefore = await peakRssBytes(server.process.pid!);
    const datastoreId = await activeDatastore(client);
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: ROLE, inputS3Uri: 's3://in-bucket/large/', outputS3Uri: 's3://out-bucket/large/' }),
    );
    const job = await waitForJob(client, datastoreId, jobId!, 1_500_000);
    assert.equal(job.jobStatus, 'COMPLETED', job.message);
    const peak = await peakRssBytes(server.process.pid!);
    console.log(`# large import: ${frames} frames, ${(frames * frameBytes / 1024 ** 2).toFixed(0)} MB, server peak RSS ${(peak / 1024 ** 2).toFixed(0)} MB (before ${(rssBefore / 1024 ** 2).toFixed(0)} MB)`);
    assert.ok(peak < 512 * 1024 ** 2, `peak RSS ${peak} bytes`);

    const success = JSON.parse((await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'SUCCESS/success.ndjson'), 'utf8')).trim());
    const { imageSetId } = success.importResponse;
    const metadata = JSON.parse(gunzipSync(await (await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }))).imageSetMetadataBlob!.transformToByteArray()).toString());
    const imageFrames = Object.values<any>(metadata.Study.Series)[0].Instances[sopInstanceUID].ImageFrames;
    assert.equal(imageFrames.length, frames);
    for (const [i, frame] of imageFrames.entries()) assert.equal(frame.PixelDataChecksumFromBaseToFullResolution.at(-1).Checksum, expected[i], `frame ${i}`);
    for (const i of [0, Math.floor(frames / 2), frames - 1]) {
      const response = await client.send(new GetImageFrameCommand({ datastoreId, imageSetId, imageFrameInformation: { imageFrameId: imageFrames[i].ID } }));
      assert.equal((await crc32OfHtj2k(await response.imageFrameBlob!.transformToByteArray())).crc32, expected[i]);
    }
    await rm(path);
  });

  it('a job interrupted by SIGKILL completes after a restart, with nothing imported twice', async () => {
    const series = (await corpusFiles()).filter((f) => f.path.startsWith('series/philips-mr-dti/'));
    await copyIntoBucket(join(server.dataDir, 'buckets', 'in-bucket'), 'dti', series);
    const datastoreId = await activeDatastore(client);
    const { jobId } = await client.send(
      new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: ROLE, inputS3Uri: 's3://in-bucket/dti/', outputS3Uri: 's3://out-bucket/dti/' }),
    );
    await eventually(async () => ((await client.send(new GetDICOMImportJobCommand({ datastoreId, jobId }))).jobProperties!.jobStatus === 'IN_PROGRESS' ? true : undefined), 30_000, 10);
    server.process.kill('SIGKILL');
    await server.stop();

    server = await startServer({ dataDir: server.dataDir, keepData: true });
    client = server.client();
    const job = await waitForJob(client, datastoreId, jobId!);
    assert.equal(job.jobStatus, 'COMPLETED', job.message);
    const success = (await readFile(join(server.dataDir, 'buckets', job.outputS3Uri!.slice('s3://'.length), 'SUCCESS/success.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(success.length, series.length);
    const imageSetIds = new Set(success.map((l) => l.importResponse.imageSetId));
    assert.equal(imageSetIds.size, 1, 'one primary image set for the series');
    const [imageSetId] = [...imageSetIds] as string[];
    const imageSet = await client.send(new GetImageSetCommand({ datastoreId, imageSetId }));
    assert.equal(imageSet.versionId, '1', 'the interrupted attempt left no version behind');
    const metadata = JSON.parse(gunzipSync(await (await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId }))).imageSetMetadataBlob!.transformToByteArray()).toString());
    assert.equal(Object.keys(Object.values<any>(metadata.Study.Series)[0].Instances).length, series.length);
  });
});
