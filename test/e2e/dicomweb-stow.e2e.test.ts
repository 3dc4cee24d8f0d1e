// STOW-RS end to end: corpus files stored with dicomweb-client (multipart/related) give the same image sets as an import
// job of the same files; stored instances come back through WADO-RS with MANIFEST.json pixels; failures and warnings
// are reported in the PS3.18 response.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { crc32 } from 'node:zlib';
import { CreateDatastoreCommand, GetDatastoreCommand, GetImageSetMetadataCommand, SearchImageSetsCommand, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import { CORPUS_DIR, corpusFiles, type CorpusFile } from '../support/corpus.js';
import { described, dicomwebClientFor, dicomwebFetch, frameCrcs, imageSetOfFile, importCorpus, multipartParts } from '../support/dicomweb.js';
import { eventually, startServer, type RunningServer } from '../support/server.js';

interface ImageSetShape {
  readonly isPrimary: boolean;
  readonly series: string;
  readonly sops: string;
}

/** The image sets of a data store, described by what they hold (ids differ between stores). */
async function imageSetShapes(client: MedicalImagingClient, datastoreId: string): Promise<string[]> {
  const shapes: ImageSetShape[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new SearchImageSetsCommand({ datastoreId, maxResults: 50, ...(nextToken !== undefined ? { nextToken } : {}) }));
    for (const summary of page.imageSetsMetadataSummaries ?? []) {
      const metadata = await client.send(new GetImageSetMetadataCommand({ datastoreId, imageSetId: summary.imageSetId! }));
      const bytes = Buffer.from(await metadata.imageSetMetadataBlob!.transformToByteArray());
      const document = JSON.parse(gunzipSync(bytes).toString('utf8')) as { Study: { Series: Record<string, { Instances: Record<string, unknown> }> } };
      const [series, content] = Object.entries(document.Study.Series)[0]!;
      shapes.push({ isPrimary: summary.isPrimary!, series, sops: Object.keys(content.Instances).sort().join(',') });
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return shapes.map((s) => JSON.stringify(s)).sort();
}

async function activeDatastore(client: MedicalImagingClient, name: string): Promise<string> {
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: name }));
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
  return datastoreId!;
}

describe('DICOMweb STOW-RS', { timeout: 600_000 }, () => {
  let server: RunningServer;
  let files: CorpusFile[];
  let stowStore: string;
  /** Where each stored file went: its RetrieveURL from the STOW response (several corpus files share their UIDs). */
  const retrieveUrls = new Map<string, URL>();
  before(async () => {
    server = await startServer();
    const all = await corpusFiles();
    files = all.filter(
      (f) =>
        f.path.startsWith('studies/pcir/') ||
        f.path.startsWith('patient-name-conflict/') ||
        f.path.startsWith('transfer-syntax/1.2.5-rle/') ||
        f.path.startsWith('transfer-syntax/1.2.4.70-jpeg-lossless-sv1/') ||
        f.path === 'edge/liver_deflated_image_frame.dcm',
    );
    stowStore = await activeDatastore(server.client(), 'stow');
  });
  after(async () => {
    await server?.dispose();
  });

  it('stores every file in one multipart request and places them like an import job', async () => {
    const client = dicomwebClientFor(server.port, stowStore);
    const datasets = await Promise.all(files.map(async (f) => {
      const bytes = await readFile(join(CORPUS_DIR, f.path));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }));
    const response = (await described(client.storeInstances({ datasets }))) as unknown;
    const body = (typeof response === 'string' ? JSON.parse(response) : response) as Record<string, { Value: Record<string, { Value: unknown[] }>[] }>;
    const referenced = body['00081199']!.Value;
    assert.equal(referenced.length, files.length, 'every file is referenced');
    // Of several parts with one SOP Instance UID stored into one image set, the last is the instance it holds now.
    const lastPart = new Map<string, string>();
    referenced.forEach((r, i) => {
      assert.equal(r['00081155']!.Value[0], files[i]!.sop_instance_uid, 'referenced in the order of the parts');
      const url = String(r['00081190']!.Value[0]);
      const earlier = lastPart.get(url);
      if (earlier !== undefined) retrieveUrls.delete(earlier);
      lastPart.set(url, files[i]!.path);
      retrieveUrls.set(files[i]!.path, new URL(url));
    });
    const deflated = files.find((f) => f.path === 'edge/liver_deflated_image_frame.dcm')!;
    const warned = referenced.find((r) => r['00081155']!.Value[0] === deflated.sop_instance_uid)!;
    assert.equal(warned['00081196']!.Value[0], 45344, 'the deflated image frame file is stored with 0xB120 (UNSUPPORTED_TRANSFER_SYNTAX)');
    const nonPrimary = referenced.filter((r) => String(r['00081190']!.Value[0]).includes('?imageSetId='));
    assert.equal(nonPrimary.length, 1, 'the conflicting PatientName went to a non-primary image set');

    const importStore = await importCorpus(server, server.client(), 'stow-vs-import', files);
    assert.deepEqual(await imageSetShapes(server.client(), stowStore), await imageSetShapes(server.client(), importStore));
  });

  it('every corpus file: one STOW-RS request gives the same image sets as one import job of the same files', async (t) => {
    // In the order an import job places files (by key), so that conflicting copies resolve the same way.
    const all = [...(await corpusFiles())].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const everyStore = await activeDatastore(server.client(), 'stow-every');
    const client = dicomwebClientFor(server.port, everyStore);
    // One multipart request, as one import job: which copy of a conflicting series is primary, and how conflicting
    // instances group into non-primary sets, is decided per request as it is per job.
    const datasets = await Promise.all(all.map(async (f) => {
      const bytes = await readFile(join(CORPUS_DIR, f.path));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }));
    const response = (await described(client.storeInstances({ datasets }))) as unknown;
    const body = (typeof response === 'string' ? JSON.parse(response) : response) as Record<string, { Value: unknown[] } | undefined>;
    const referencedCount = body['00081199']?.Value.length ?? 0;
    const failedCount = body['00081198']?.Value.length ?? 0;
    assert.equal(referencedCount + failedCount, all.length, 'every part is either referenced or failed');
    assert.ok(failedCount >= all.filter((f) => f.expect === 'reject').length - 2, `${failedCount} failed parts`);
    const importStore = await importCorpus(server, server.client(), 'every-by-import', all);
    assert.deepEqual(await imageSetShapes(server.client(), everyStore), await imageSetShapes(server.client(), importStore));

    // Round trip: every stored file that holds its primary image set's instance (placement as the import's, shown equal
    // above) comes back through WADO-RS, decoded to Explicit VR Little Endian, with its MANIFEST pixels.
    let roundTripped = 0;
    let keptWhole = 0;
    for (const file of all) {
      if (file.frames.length === 0 || file.expect === 'reject' || file.sop_instance_uid === null) continue;
      let placed;
      try {
        placed = imageSetOfFile(importStore, file.path);
      } catch {
        continue; // refused by the import (and by STOW alike)
      }
      if (!placed.isPrimary || placed.isSuperseded) continue;
      const instance = `/datastore/${everyStore}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}/instances/${file.sop_instance_uid}`;
      const accept = 'multipart/related; type="application/octet-stream"';
      const first = await dicomwebFetch(server.port, `${instance}/frames/1`, { accept });
      assert.equal(first.status, 200, `${file.path}: ${first.status === 200 ? '' : await first.text()}`);
      if (!first.headers.get('content-type')!.includes('transfer-syntax=1.2.840.10008.1.2.1')) {
        keptWhole++; // pixel data kept whole (warnings 0xB100/0xB120) goes out as stored, as one "frame"
        continue;
      }
      const response = await dicomwebFetch(server.port, `${instance}/frames/${file.frames.map((f) => f.index + 1).join(',')}`, { accept });
      assert.equal(response.status, 200, file.path);
      const parts = multipartParts(Buffer.from(await response.arrayBuffer()), response.headers.get('content-type')!);
      // A 1-bit frame goes out bit-packed from bit 0; MANIFEST checksums are over a byte per sample.
      const crcs = parts.map((p) => (file.bits_allocated === 1 ? frameCrcs(p.body, { ...file, number_of_frames: 1 })[0]! : crc32(p.body) >>> 0));
      assert.deepEqual(crcs, file.frames.map((f) => f.crc32), file.path);
      roundTripped++;
    }
    t.diagnostic(`${roundTripped} files round-tripped through STOW-RS and WADO-RS, ${keptWhole} kept whole`);
    assert.ok(roundTripped >= 200, `${roundTripped} files round-tripped (${keptWhole} kept whole)`);
  });

  it('STOW then WADO: the stored instances come back with their MANIFEST pixels', async () => {
    let checked = 0;
    let colour = 0;
    let wideColour = 0;
    for (const file of files.filter((f) => f.path.startsWith('transfer-syntax/') && f.frames.length > 0)) {
      const url = retrieveUrls.get(file.path);
      if (url === undefined) continue; // not stored, or replaced by a later part
      const path = `${url.pathname}/frames/${file.frames.map((f) => f.index + 1).join(',')}${url.search}`;
      const response = await dicomwebFetch(server.port, path, { accept: 'multipart/related; type="application/octet-stream"' });
      checked++;
      assert.equal(response.status, 200, file.path);
      const parts = multipartParts(Buffer.from(await response.arrayBuffer()), response.headers.get('content-type')!);
      assert.deepEqual(parts.map((p) => crc32(p.body) >>> 0), file.frames.map((f) => f.crc32), file.path);
      if ((file.samples_per_pixel ?? 1) > 1) colour++;
      if ((file.samples_per_pixel ?? 1) > 1 && (file.bits_allocated ?? 8) > 8) wideColour++;
    }
    assert.ok(checked >= 5, `${checked} instances checked`);
    assert.ok(colour >= 2 && wideColour >= 1, `${colour} colour instances checked, ${wideColour} of them 16-bit`);
  });

  it('StoreDICOMStudy refuses instances of another study (409), and non-DICOM content types are 415', async () => {
    const file = files.find((f) => f.path.startsWith('studies/pcir/'))!;
    const bytes = await readFile(join(CORPUS_DIR, file.path));
    const wrongStudy = await dicomwebFetch(server.port, `/datastore/${stowStore}/studies/1.2.3.4.5`, { method: 'POST', body: bytes, contentType: 'application/dicom', accept: 'application/dicom+json' });
    assert.equal(wrongStudy.status, 409);
    const body = (await wrongStudy.json()) as Record<string, { Value: Record<string, { Value: unknown[] }>[] }>;
    assert.equal(body['00081198']!.Value[0]!['00081197']!.Value[0], 0xa900);
    assert.equal(body['00081198']!.Value[0]!['00081155']!.Value[0], file.sop_instance_uid);
    const rightStudy = await dicomwebFetch(server.port, `/datastore/${stowStore}/studies/${file.study_instance_uid}`, { method: 'POST', body: bytes, contentType: 'application/dicom' });
    assert.equal(rightStudy.status, 200);
    const junk = await dicomwebFetch(server.port, `/datastore/${stowStore}/studies`, { method: 'POST', body: Buffer.from('not dicom at all'), contentType: 'application/dicom' });
    assert.equal(junk.status, 409);
    assert.equal(((await junk.json()) as Record<string, { Value: Record<string, { Value: unknown[] }>[] }>)['00081198']!.Value[0]!['00081197']!.Value[0], 0xc000);
    const json = await dicomwebFetch(server.port, `/datastore/${stowStore}/studies`, { method: 'POST', body: Buffer.from('{}'), contentType: 'application/json' });
    assert.equal(json.status, 415);
  });
});
