// DICOMweb clients for tests: dicomweb-client (what OHIF uses) over xhr2 with SigV4 added by a request hook, and a
// signed fetch for the cases the library cannot express (odd Accept headers, raw bodies).
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { CreateDatastoreCommand, GetDatastoreCommand, StartDICOMImportJobCommand, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import { copyIntoBucket, type CorpusFile } from './corpus.js';
import { waitForJob } from './jobs.js';
import { ACCOUNT_ID, ADMIN, REGION, eventually, type RunningServer } from './server.js';

const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/ImportRole`;

/** A new ACTIVE data store holding `files`, imported by an import job. */
export async function importCorpus(server: RunningServer, client: MedicalImagingClient, name: string, files: readonly CorpusFile[]): Promise<string> {
  const { datastoreId } = await client.send(new CreateDatastoreCommand({ datastoreName: name }));
  await eventually(async () => ((await client.send(new GetDatastoreCommand({ datastoreId }))).datastoreProperties!.datastoreStatus === 'ACTIVE' ? true : undefined));
  const bucket = join(server.dataDir, 'buckets');
  await mkdir(join(bucket, 'out-bucket'), { recursive: true });
  await copyIntoBucket(join(bucket, 'in-bucket'), name, files);
  const { jobId } = await client.send(
    new StartDICOMImportJobCommand({ datastoreId, dataAccessRoleArn: ROLE, inputS3Uri: `s3://in-bucket/${name}/`, outputS3Uri: `s3://out-bucket/${name}/` }),
  );
  const job = await waitForJob(client, datastoreId!, jobId!);
  assert.equal(job.jobStatus, 'COMPLETED', job.message);
  const success = await readFile(join(bucket, job.outputS3Uri!.slice('s3://'.length), 'SUCCESS', 'success.ndjson'), 'utf8');
  const placed = new Map<string, Placement>();
  const lastWriter = new Map<string, string>();
  const lines = success.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { inputFile: string; importResponse: { imageSetId: string; isPrimary: boolean } });
  // A job commits its files in key order: of several files with one SOP Instance UID in one image set, the last one is
  // the instance the image set holds now.
  for (const { inputFile, importResponse } of lines.sort((a, b) => (a.inputFile < b.inputFile ? -1 : 1))) {
    const file = files.find((f) => inputFile === `${name}/${f.path}`);
    if (file === undefined) continue;
    placed.set(file.path, { imageSetId: importResponse.imageSetId, isPrimary: importResponse.isPrimary, isSuperseded: false });
    const key = `${importResponse.imageSetId}|${file.sop_instance_uid}`;
    const earlier = lastWriter.get(key);
    if (earlier !== undefined) placed.set(earlier, { ...placed.get(earlier)!, isSuperseded: true });
    lastWriter.set(key, file.path);
  }
  importedImageSets.set(datastoreId!, placed);
  return datastoreId!;
}

/** Where a job put a file; superseded: a later file of the job replaced the instance (same SOP Instance UID). */
export interface Placement {
  readonly imageSetId: string;
  readonly isPrimary: boolean;
  readonly isSuperseded: boolean;
}

const importedImageSets = new Map<string, Map<string, Placement>>();

/** The image set an importCorpus job put a corpus file into (several corpus files share their UIDs). */
export function imageSetOfFile(datastoreId: string, path: string): Placement {
  const placed = importedImageSets.get(datastoreId)?.get(path);
  if (placed === undefined) throw new Error(`${path} was not imported into ${datastoreId}`);
  return placed;
}


const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** The library talks XMLHttpRequest; Node has none, xhr2 provides one. */
export function dicomwebClientFor(port: number, datastoreId: string, credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = ADMIN): DicomwebClient {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= require('xhr2');
  const { api } = require('dicomweb-client') as { api: { DICOMwebClient: new (options: object) => DicomwebClient } };
  const url = `http://127.0.0.1:${port}/datastore/${datastoreId}`;
  return new api.DICOMwebClient({
    url,
    singlepart: false,
    // Signs each request as it leaves: the library's hooks are synchronous, so the signature is computed here.
    requestHooks: [
      (xhr: { setRequestHeader(name: string, value: string): void }, metadata: { method: string; url: string; headers: Record<string, string> }) => {
        const headers = signHeaders(metadata.method.toUpperCase(), metadata.url, credentials);
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        return xhr;
      },
    ],
  });
}

/** The subset of dicomweb-client's API the tests use. */
export interface DicomwebClient {
  searchForStudies(options?: { queryParams?: Record<string, unknown> }): Promise<Record<string, DicomJsonElement>[]>;
  searchForSeries(options?: { studyInstanceUID?: string; queryParams?: Record<string, unknown> }): Promise<Record<string, DicomJsonElement>[]>;
  searchForInstances(options?: { studyInstanceUID?: string; seriesInstanceUID?: string; queryParams?: Record<string, unknown> }): Promise<Record<string, DicomJsonElement>[]>;
  retrieveSeriesMetadata(options: { studyInstanceUID: string; seriesInstanceUID: string }): Promise<Record<string, DicomJsonElement>[]>;
  retrieveInstanceMetadata(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<Record<string, DicomJsonElement>[]>;
  retrieveInstance(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string; mediaTypes?: { mediaType: string; transferSyntaxUID?: string }[] }): Promise<ArrayBuffer>;
  retrieveInstanceFrames(options: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    sopInstanceUID: string;
    frameNumbers: number[];
    mediaTypes?: { mediaType: string; transferSyntaxUID?: string }[];
  }): Promise<ArrayBuffer[]>;
  storeInstances(options: { datasets: ArrayBuffer[] }): Promise<unknown>;
}

export interface DicomJsonElement {
  readonly vr: string;
  readonly Value?: unknown[];
  readonly InlineBinary?: string;
  readonly BulkDataURI?: string;
}

export function signHeaders(method: string, url: string, credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = ADMIN, body?: Buffer): Record<string, string> {
  const parsed = new URL(url);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = body === undefined ? 'UNSIGNED-PAYLOAD' : createHash('sha256').update(body).digest('hex');
  const query = [...parsed.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const path = parsed.pathname.split("/").map((s) => rfc3986(decodeURIComponent(s))).join("/");
  const headers: Record<string, string> = { host: parsed.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonical = `${method}\n${path}\n${query}\n${names.map((n) => `${n}:${headers[n]}\n`).join('')}\n${names.join(';')}\n${payloadHash}`;
  const scope = `${date}/${REGION}/medical-imaging/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(date).digest();
  for (const part of [REGION, 'medical-imaging', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  return { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A signed request to a DICOMweb path (below /datastore/<id>). */
export async function dicomwebFetch(
  port: number,
  path: string,
  options: { method?: string; accept?: string; body?: Buffer; contentType?: string; unsigned?: boolean; headers?: Record<string, string>; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): Promise<Response> {
  const url = `http://127.0.0.1:${port}${path}`;
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    ...(options.unsigned ? {} : signHeaders(method, url, options.credentials ?? ADMIN, options.body)),
    ...(options.accept !== undefined ? { accept: options.accept } : {}),
    ...(options.contentType !== undefined ? { 'content-type': options.contentType } : {}),
    ...options.headers,
  };
  return fetch(url, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
}

/** Splits a multipart/related body into its parts (headers and bytes). */
export function multipartParts(body: Buffer, contentType: string): { headers: Record<string, string>; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`No boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd);
    const headerLines = body.subarray(afterDelimiter + 2, headerEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    start = next + 2;
  }
  return parts;
}

export async function hasDcmdump(): Promise<boolean> {
  try {
    await run('dcmdump', ['--version']);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== 'ENOENT';
  }
}

/** dcmdump of a Part 10 file: throws when dcmtk cannot read it (exit status ≠ 0 or an error line). */
export async function dcmdump(path: string): Promise<string> {
  const { stdout, stderr } = await run('dcmdump', ['-q', '+E', path], { maxBuffer: 64 * 1024 * 1024 });
  if (/^E: /m.test(stderr)) throw new Error(`dcmdump reported errors for ${path}:\n${stderr}`);
  return stdout;
}

/** dicomweb-client rejects with a bare "request failed"; this names the status and the body. */
export async function described<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const e = error as { status?: number; response?: unknown; message?: string };
    const body = e.response instanceof ArrayBuffer ? Buffer.from(e.response).toString('utf8') : JSON.stringify(e.response);
    throw new Error(`dicomweb-client: ${e.message} (status ${e.status}): ${body?.slice(0, 300)}`);
  }
}

/** The Pixel Data of a Part 10 file as dcmtk reads it (dcmdump +W writes each binary value to a .raw file). */
export async function pixelBytesByDcmtk(path: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-raw-'));
  try {
    await run('dcmdump', ['-q', '+W', dir, path], { maxBuffer: 64 * 1024 * 1024 });
    // One .raw file per binary value in file order (overlays come before Pixel Data); Pixel Data is the last one.
    const raws = (await readdir(dir)).filter((n) => n.endsWith('.raw')).sort((a, b) => Number(/\.(\d+)\.raw$/.exec(a)![1]) - Number(/\.(\d+)\.raw$/.exec(b)![1]));
    const raw = raws.at(-1);
    assert.ok(raw, `dcmdump wrote no pixel data for ${path}`);
    return await readFile(join(dir, raw));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CRC32 of each frame of decoded pixels, as MANIFEST.json gives them (1-bit frames unpacked to a byte per sample). */
export function frameCrcs(pixels: Buffer, file: CorpusFile): number[] {
  const frames = file.number_of_frames ?? 1;
  const samples = file.rows! * file.columns! * (file.samples_per_pixel ?? 1);
  if (file.bits_allocated === 1) {
    return Array.from({ length: frames }, (_, f) => {
      const unpacked = Buffer.alloc(samples);
      for (let i = 0; i < samples; i++) {
        const bit = f * samples + i;
        unpacked[i] = (pixels[bit >> 3]! >> (bit & 7)) & 1;
      }
      return crc32(unpacked) >>> 0;
    });
  }
  const frameBytes = samples * Math.ceil(file.bits_allocated! / 8);
  return Array.from({ length: frames }, (_, f) => crc32(pixels.subarray(f * frameBytes, (f + 1) * frameBytes)) >>> 0);
}
