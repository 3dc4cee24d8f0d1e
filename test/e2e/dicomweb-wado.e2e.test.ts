// WADO-RS end to end: corpus files imported by an import job, read back through dicomweb-client (what OHIF uses) and a
// signed fetch; every Part 10 object is read by dcmtk and its pixels must match MANIFEST.json, not our own output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { corpusFiles, type CorpusFile } from '../support/corpus.js';
import { dcmdump, described, dicomwebClientFor, frameCrcs, imageSetOfFile, importCorpus, dicomwebFetch, hasDcmdump, multipartParts, pixelBytesByDcmtk, type DicomwebClient } from '../support/dicomweb.js';
import { crc32OfHtj2k } from '../support/htj2k.js';
import { startServer, type RunningServer } from '../support/server.js';

const HTJ2K_RPCL = '1.2.840.10008.1.2.4.202';

/** Lossless pixel data of every transfer syntax, 1-bit segmentations, a blob-stored file, an SR and a conflicting pair. */
function selected(files: readonly CorpusFile[]): CorpusFile[] {
  return files.filter(
    (f) =>
      (f.path.startsWith('transfer-syntax/') && f.expect === 'valid' && !f.lossy_transfer_syntax) ||
      ['edge/liver_seg_1bit_3frame.dcm', 'edge/liver_seg_1bit_nonbyte_aligned.dcm', 'edge/liver_deflated_image_frame.dcm', 'no-pixel-data/test-SR.dcm'].includes(f.path) ||
      f.path.startsWith('patient-name-conflict/'),
  );
}

/** Pixel samples of a Part 10 file as dcmtk reads them (dcmdump +W writes the Pixel Data value to a .raw file). */

/** Per-frame CRC32 of native pixel data in the MANIFEST's layout (1-bit frames unpacked LSB-first to bytes). */

describe('DICOMweb WADO-RS', { timeout: 600_000 }, () => {
  let server: RunningServer;
  let datastoreId: string;
  let files: CorpusFile[];
  let dicomweb: DicomwebClient;
  let workDir: string;
  let canDump: boolean;
  before(async () => {
    server = await startServer();
    files = selected(await corpusFiles());
    datastoreId = await importCorpus(server, server.client(), 'wado', files);
    dicomweb = dicomwebClientFor(server.port, datastoreId);
    workDir = await mkdtemp(join(tmpdir(), 'tessera-wado-'));
    canDump = await hasDcmdump();
  });
  after(async () => {
    if (process.env.DEBUG_DICOMWEB) console.log(server?.output().slice(-6000));
    await server?.dispose();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  const withPixels = () => files.filter((f) => f.sop_instance_uid !== null && f.series_instance_uid !== null && f.has_pixel_data && f.frames.length > 0 && f.expect !== 'reject' && !f.path.includes('deflated_image_frame') && !f.path.startsWith('patient-name-conflict/'));

  it('series metadata: one DICOM JSON object per instance, PS3.18 F.2 encoding, stored transfer syntax', async () => {
    const series = files.find((f) => f.path.startsWith('transfer-syntax/1.2.1-explicit-le/') && files.filter((g) => g.series_instance_uid === f.series_instance_uid).length === 1)!;
    const metadata = await described(dicomweb.retrieveSeriesMetadata({ studyInstanceUID: series.study_instance_uid!, seriesInstanceUID: series.series_instance_uid! }));
    const expected = files.filter((f) => f.series_instance_uid === series.series_instance_uid && !f.path.startsWith('patient-name-conflict/'));
    assert.equal(metadata.length, expected.length);
    const instance = metadata.find((m) => m['00080018']!.Value![0] === series.sop_instance_uid)!;
    assert.ok(instance, 'the instance is in its series metadata');
    assert.equal(instance['00020010']!.Value![0], HTJ2K_RPCL, 'TransferSyntaxUID is the stored syntax');
    assert.equal(instance['00280010']!.Value![0], series.rows);
    assert.equal(instance['7FE00010'], undefined, 'Pixel Data is not in the metadata');
    const name = instance['00100010'];
    if (series.patient_name) assert.equal((name!.Value![0] as { Alphabetic: string }).Alphabetic, series.patient_name);
    for (const [tag, element] of Object.entries(instance)) {
      assert.match(tag, /^[0-9A-F]{8}$/);
      assert.match(element.vr, /^[A-Z]{2}$/);
      if (element.Value !== undefined) assert.ok(Array.isArray(element.Value), `${tag} Value is an array`);
      if ((element.vr === 'IS' || element.vr === 'DS') && element.Value !== undefined) {
        for (const v of element.Value) assert.ok(typeof v === 'number' || v === null, `${tag} ${element.vr} is a number`);
      }
    }
  });

  it('instance metadata answers an array with the instance; unknown UIDs are 404 with a DICOMweb-style body', async () => {
    const file = files.find((f) => f.path.startsWith('transfer-syntax/1.2.5-rle/'))!;
    const [instance] = await described(dicomweb.retrieveInstanceMetadata({ studyInstanceUID: file.study_instance_uid!, seriesInstanceUID: file.series_instance_uid!, sopInstanceUID: file.sop_instance_uid! }));
    assert.equal(instance!['00080018']!.Value![0], file.sop_instance_uid);
    const base = `/datastore/${datastoreId}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}`;
    for (const path of [`/datastore/${datastoreId}/studies/1.2.3.4/series/1.2.3/metadata`, `${base}/instances/1.2.3.999/metadata`]) {
      const response = await dicomwebFetch(server.port, path, { accept: 'application/dicom+json' });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.match(((await response.json()) as { message: string }).message, /does not exist/);
    }
    const wrongAccept = await dicomwebFetch(server.port, `${base}/metadata`, { accept: 'application/dicom+xml' });
    assert.equal(wrongAccept.status, 406);
    assert.equal(wrongAccept.headers.get('x-amzn-errortype'), 'NotAcceptableException');
    const unsigned = await dicomwebFetch(server.port, `${base}/metadata`, { unsigned: true });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const badUid = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/1.2.abc/series/1.2/metadata`);
    assert.equal(badUid.status, 400);
  });

  it('every instance in Explicit VR Little Endian is a valid Part 10 file whose pixels match MANIFEST.json', async (t) => {
    if (!canDump) return t.skip('dcmtk (dcmdump) is not installed');
    let primary = 0;
    let nonPrimary = 0;
    let superseded = 0;
    let wideColour = 0;
    for (const file of withPixels()) {
      const path = `/datastore/${datastoreId}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}/instances/${file.sop_instance_uid}`;
      // Several corpus files share their UIDs (SC_rgb in many encodings): a later file replaces the instance in its image
      // set (checked only as the later file), or sits in a non-primary image set reached with imageSetId; primary ones are
      // read through dicomweb-client.
      const placed = imageSetOfFile(datastoreId, file.path);
      if (placed.isSuperseded) {
        superseded++;
        continue;
      }
      const bytes = placed.isPrimary
        ? Buffer.from(await described(dicomweb.retrieveInstance({ studyInstanceUID: file.study_instance_uid!, seriesInstanceUID: file.series_instance_uid!, sopInstanceUID: file.sop_instance_uid! })))
        : await (async () => {
            const response = await dicomwebFetch(server.port, `${path}?imageSetId=${placed.imageSetId}`, { accept: 'application/dicom' });
            assert.equal(response.status, 200, `${file.path}: ${response.status}`);
            return Buffer.from(await response.arrayBuffer());
          })();
      if ((file.samples_per_pixel ?? 1) > 1 && (file.bits_allocated ?? 8) > 8) wideColour++;
      if (placed.isPrimary) primary++;
      else nonPrimary++;
      const out = join(workDir, `${file.sop_instance_uid}.dcm`);
      await writeFile(out, bytes);
      const dump = await dcmdump(out);
      assert.match(dump, /\(0002,0010\) UI =LittleEndianExplicit/, file.path);
      assert.match(dump, new RegExp(`\\(0008,0018\\) UI \\[${file.sop_instance_uid!.replace(/\./g, '\\.')}\\]`), file.path);
      const crcs = frameCrcs(await pixelBytesByDcmtk(out), file);
      assert.deepEqual(crcs, file.frames.map((f) => f.crc32), `pixels of ${file.path}`);
    }
    assert.ok(primary >= 20 && nonPrimary >= 1, `${primary} primary, ${nonPrimary} non-primary instances (${superseded} replaced by a later file)`);
    // 16-bit colour and YBR are stored as joined per-component codestreams, which the WASM decoder reads out of order.
    assert.ok(wideColour >= 1, `${wideColour} 16-bit colour instances checked`);
  });

  it('frames: multipart/related, any order; uncompressed by default and HTJ2K as stored with transfer-syntax=*', async () => {
    const file = withPixels().find((f) => (f.number_of_frames ?? 1) > 2 && f.bits_allocated! > 1)!;
    const order = Array.from({ length: file.number_of_frames! }, (_, i) => i + 1).reverse();
    const ids = { studyInstanceUID: file.study_instance_uid!, seriesInstanceUID: file.series_instance_uid!, sopInstanceUID: file.sop_instance_uid! };
    const uncompressed = await described(dicomweb.retrieveInstanceFrames({ ...ids, frameNumbers: order }));
    assert.equal(uncompressed.length, order.length);
    assert.deepEqual(uncompressed.map((part) => crc32(new Uint8Array(part)) >>> 0), order.map((n) => file.frames[n - 1]!.crc32));

    const path = `/datastore/${datastoreId}/studies/${ids.studyInstanceUID}/series/${ids.seriesInstanceUID}/instances/${ids.sopInstanceUID}/frames/${order.join(',')}`;
    const response = await dicomwebFetch(server.port, path, { accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' });
    assert.equal(response.status, 200);
    const contentType = response.headers.get('content-type')!;
    assert.match(contentType, /^multipart\/related; type="image\/jphc"; transfer-syntax=1\.2\.840\.10008\.1\.2\.4\.202; boundary=/);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const parts = multipartParts(Buffer.from(await response.arrayBuffer()), contentType);
    assert.equal(parts.length, order.length);
    for (const [i, part] of parts.entries()) {
      assert.equal(part.body.readUInt16BE(0), 0xff4f, 'an HTJ2K codestream (SOC marker)');
      assert.match(part.headers['content-location']!, new RegExp(`/frames/${order[i]}$`));
      if ((file.samples_per_pixel ?? 1) === 1) assert.equal((await crc32OfHtj2k(part.body)).crc32, file.frames[order[i]! - 1]!.crc32);
    }

    for (const [list, status] of [['0', 400], ['1,1', 400], ['x', 400], [String(order.length + 1), 404]] as const) {
      const bad = await dicomwebFetch(server.port, path.replace(/frames\/.*/, `frames/${list}`));
      assert.equal(bad.status, status, `frame list ${list}`);
    }
    const lossy = await dicomwebFetch(server.port, path, { accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.50' });
    assert.equal(lossy.status, 406);
  });

  it('instance with transfer-syntax=* keeps the stored HTJ2K, encapsulated; other syntaxes are 406', async (t) => {
    const file = withPixels().find((f) => f.path.startsWith('transfer-syntax/1.2.4.80'))!;
    const path = `/datastore/${datastoreId}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}/instances/${file.sop_instance_uid}`;
    const stored = await dicomwebFetch(server.port, path, { accept: 'application/dicom; transfer-syntax=*' });
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-type'), `application/dicom; transfer-syntax=${HTJ2K_RPCL}`);
    const body = Buffer.from(await stored.arrayBuffer());
    assert.equal(body.subarray(128, 132).toString('latin1'), 'DICM');
    const refused = await dicomwebFetch(server.port, path, { accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50' });
    assert.equal(refused.status, 406);
    if (!canDump) return t.skip('dcmtk (dcmdump) is not installed');
    const out = join(workDir, 'stored.dcm');
    await writeFile(out, body);
    assert.match(await dcmdump(out), /\(0002,0010\) UI =1\.2\.840\.10008\.1\.2\.4\.202|\(0002,0010\) UI \[1\.2\.840\.10008\.1\.2\.4\.202\]/);
  });

  it('a multi-frame instance is written as its frames are read: stored fragments chunked, ELE with its exact length', async () => {
    const file = withPixels().find((f) => (f.number_of_frames ?? 1) > 2 && f.bits_allocated! > 1 && !imageSetOfFile(datastoreId, f.path).isSuperseded)!;
    const path = `/datastore/${datastoreId}/studies/${file.study_instance_uid}/series/${file.series_instance_uid}/instances/${file.sop_instance_uid}`;
    const stored = await dicomwebFetch(server.port, path, { accept: 'application/dicom; transfer-syntax=*' });
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-length'), null, 'fragment sizes are known only as frames are read');
    const body = Buffer.from(await stored.arrayBuffer());
    // Encapsulated Pixel Data (PS3.5 A.4): an empty Basic Offset Table, then one fragment per frame, then the delimiter.
    const header = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    let at = body.lastIndexOf(header) + header.length;
    const item = () => {
      assert.equal(body.readUInt16LE(at), 0xfffe);
      const tag = body.readUInt16LE(at + 2);
      const length = body.readUInt32LE(at + 4);
      at += 8 + length;
      return { tag, value: body.subarray(at - length, at) };
    };
    assert.deepEqual(item(), { tag: 0xe000, value: Buffer.alloc(0) }, 'empty Basic Offset Table');
    const frames = await dicomwebFetch(server.port, `${path}/frames/${file.frames.map((f) => f.index + 1).join(',')}`, { accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' });
    const storedFrames = multipartParts(Buffer.from(await frames.arrayBuffer()), frames.headers.get('content-type')!);
    for (const frame of storedFrames) {
      const fragment = item();
      assert.equal(fragment.tag, 0xe000);
      assert.deepEqual(fragment.value.subarray(0, frame.body.length), frame.body, 'the fragment is the stored frame');
    }
    assert.deepEqual(item(), { tag: 0xe0dd, value: Buffer.alloc(0) }, 'sequence delimiter');
    assert.equal(at, body.length);

    const decoded = await dicomwebFetch(server.port, path, { accept: 'application/dicom' });
    assert.equal(decoded.status, 200);
    const bytes = Buffer.from(await decoded.arrayBuffer());
    assert.equal(Number(decoded.headers.get('content-length')), bytes.length);
    const samples = (file.rows ?? 0) * (file.columns ?? 0) * (file.samples_per_pixel ?? 1) * (file.bits_allocated! / 8);
    assert.ok(bytes.length > samples * file.frames.length, 'every frame is in the body');
  });

  it('pixel data kept whole is served with transfer-syntax=* only; an SR comes back as a Part 10 file', async (t) => {
    const blob = files.find((f) => f.path === 'edge/liver_deflated_image_frame.dcm')!;
    const path = `/datastore/${datastoreId}/studies/${blob.study_instance_uid}/series/${blob.series_instance_uid}/instances/${blob.sop_instance_uid}`;
    assert.equal((await dicomwebFetch(server.port, path, { accept: 'application/dicom' })).status, 406);
    const whole = await dicomwebFetch(server.port, path, { accept: 'application/dicom; transfer-syntax=*' });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), `application/dicom; transfer-syntax=${blob.transfer_syntax_uid}`);
    const sr = files.find((f) => f.path === 'no-pixel-data/test-SR.dcm')!;
    const srResponse = await dicomwebFetch(server.port, `/datastore/${datastoreId}/studies/${sr.study_instance_uid}/series/${sr.series_instance_uid}/instances/${sr.sop_instance_uid}`, { accept: 'application/dicom' });
    assert.equal(srResponse.status, 200);
    if (!canDump) return t.skip('dcmtk (dcmdump) is not installed');
    const out = join(workDir, 'sr.dcm');
    await writeFile(out, Buffer.from(await srResponse.arrayBuffer()));
    assert.match(await dcmdump(out), /ContentSequence/);
  });

  it('non-primary image sets are reached with imageSetId only', async () => {
    const pair = files.filter((f) => f.path.startsWith('patient-name-conflict/'));
    const search = await server.client().send(
      new (await import('@aws-sdk/client-medical-imaging')).SearchImageSetsCommand({
        datastoreId,
        searchCriteria: { filters: [{ operator: 'EQUAL', values: [{ DICOMSeriesInstanceUID: pair[0]!.series_instance_uid! }] }] },
      }),
    );
    const nonPrimary = search.imageSetsMetadataSummaries!.find((s) => s.isPrimary === false)!;
    assert.ok(nonPrimary, 'the conflicting file went to a non-primary image set');
    const base = `/datastore/${datastoreId}/studies/${pair[0]!.study_instance_uid}/series/${pair[0]!.series_instance_uid}/metadata`;
    const primary = (await (await dicomwebFetch(server.port, base)).json()) as Record<string, { Value: unknown[] }>[];
    const viaId = (await (await dicomwebFetch(server.port, `${base}?imageSetId=${nonPrimary.imageSetId}`)).json()) as Record<string, { Value: unknown[] }>[];
    assert.equal(primary.length + viaId.length, 2);
    assert.notDeepEqual(primary[0]!['00100010'], viaId[0]!['00100010'], 'the two image sets disagree on PatientName');
    assert.equal((await dicomwebFetch(server.port, `${base}?imageSetId=${'0'.repeat(32)}`)).status, 404);
  });

  it('answers CORS preflights without authentication', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/datastore/${datastoreId}/studies`, {
      method: 'OPTIONS',
      headers: { origin: 'http://viewer.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-amz-date' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://viewer.example');
    assert.match(response.headers.get('access-control-allow-headers')!, /authorization/);
    assert.match(response.headers.get('access-control-allow-methods')!, /POST/);
  });
});
