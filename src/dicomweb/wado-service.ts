// WADO-RS as HealthImaging offers it (dicomweb.md §4): series and instance metadata, frames, instances, bulk data —
// all read from the image set's metadata document and its stored frames.
import { NotAcceptableException, ResourceNotFoundException, ValidationException, type DatastoreId } from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import { FrameTranscodeError, packBits, pixelDescriptionOf, type CanonicalFrame, type PixelDescription, type SourceFrame } from '../codec/index.js';
import { writePart10, type DicomJsonElement, type PixelDataPayload } from '../dicom/index.js';
import { dicomJsonText } from './dicom-json-text.js';
import { findBulkData, findInstance, instanceDicomJson, seriesInstances, type InstanceLocation } from './instance-dicom-json.js';
import type { ImageSetResolver, ResolvedImageSet, SeriesAddress } from './image-set-resolver.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, frameMediaTypeOf, negotiateFrames, negotiateInstance, type Delivery, type StoredPixels } from './media-types.js';

export interface InstanceAddress extends SeriesAddress {
  readonly sopInstanceUID: string;
}

export interface StoredPixelBlob {
  readonly blobKey: string;
  readonly transferSyntaxUID: string;
}

export interface WadoPorts {
  readonly resolver: ImageSetResolver;
  /** Bytes of a stored frame of an image set's latest version (GetImageFrame's read path: cache, access tracking). */
  readonly frames: { getImageFrame(datastoreId: DatastoreId, imageSetId: string, frameId: string): Promise<{ readonly body: Buffer }> };
  /** Whole Pixel Data values kept for instances that could not be split into frames. */
  readonly pixelBlobs: { findPixelBlob(datastoreId: string, imageSetId: string, sopInstanceUID: string): Promise<StoredPixelBlob | undefined> };
  readonly blobs: SealedBlobStore;
  /** Decodes a stored frame to samples (the codec pool's worker threads). */
  readonly decoder: { decode(frame: SourceFrame): Promise<CanonicalFrame> };
}

/** Builds the absolute URLs of the responses: `<origin>/datastore/<id>` is the service root. */
export interface UrlBase {
  readonly serviceRoot: string;
}

export interface FramesResponse {
  readonly transferSyntaxUID: string;
  readonly mediaType: string;
  /** One entry per requested frame, in the order requested; each is read (and decoded) only when iterated. */
  readonly parts: AsyncIterable<Uint8Array>;
  readonly contentLocation: (frameNumber: number) => string;
  readonly frameNumbers: readonly number[];
}

/** Frames decoded ahead of the one being written: enough to keep the codec pool busy, bounded memory. */
const FRAMES_READ_AHEAD = 4;

export class WadoService {
  /** Series metadata text per cached document (freed with it). */
  private readonly seriesTexts = new WeakMap<object, Map<string, string>>();

  constructor(private readonly ports: WadoPorts) {}

  /**
   * GetDICOMSeriesMetadata: every instance of the series from one document, ordered by InstanceNumber then UID, as
   * DICOM JSON text. The text is kept with the (immutable, cached) document, so viewers re-reading a series cost nothing.
   */
  async seriesMetadata(address: SeriesAddress, urls: UrlBase): Promise<string> {
    const resolved = await this.ports.resolver.resolveSeries(address);
    const key = `${address.seriesInstanceUID}|${urls.serviceRoot}|${resolved.requestedImageSetId ?? ''}`;
    let texts = this.seriesTexts.get(resolved.document);
    const cached = texts?.get(key);
    if (cached !== undefined) return cached;
    const instances = seriesInstances(resolved.document, address.seriesInstanceUID).map((location) => this.metadataOf(resolved, location, urls));
    const text = dicomJsonText(instances.sort(byInstanceNumber));
    if (texts === undefined) this.seriesTexts.set(resolved.document, (texts = new Map()));
    texts.set(key, text);
    return text;
  }

  async instanceMetadata(address: InstanceAddress, urls: UrlBase): Promise<Record<string, DicomJsonElement>[]> {
    const { resolved, location } = await this.locate(address);
    return [this.metadataOf(resolved, location, urls)];
  }

  async frames(address: InstanceAddress, frameList: string, accept: string | undefined, urls: UrlBase): Promise<FramesResponse> {
    const frameNumbers = parseFrameList(frameList);
    const { resolved, location } = await this.locate(address);
    const imageFrames = location.instance.ImageFrames ?? [];
    const blob = imageFrames.length === 0 ? await this.ports.pixelBlobs.findPixelBlob(address.datastoreId, resolved.imageSet.id, address.sopInstanceUID) : undefined;
    if (imageFrames.length === 0 && blob === undefined) throw new ResourceNotFoundException(`Instance ${address.sopInstanceUID} has no frames`);
    const stored = storedPixelsOf(location, blob);
    const delivery = negotiateFrames(accept, stored);
    const frameCount = imageFrames.length > 0 ? imageFrames.length : 1;
    for (const n of frameNumbers) if (n > frameCount) throw new ResourceNotFoundException(`Frame ${n} does not exist; the instance has ${frameCount}`);
    const transferSyntaxUID = delivery.kind === 'stored' ? delivery.transferSyntaxUID : EXPLICIT_VR_LITTLE_ENDIAN;
    const instanceUrl = this.instanceUrl(urls, address);
    const decode = delivery.kind === 'uncompressed' ? this.decoderFor(resolved, location) : undefined;
    const read = async (n: number): Promise<Uint8Array> => {
      if (blob !== undefined) return this.ports.blobs.get(blob.blobKey, resolved.dataKey); // the one "frame" is the whole value
      const frame = await this.ports.frames.getImageFrame(address.datastoreId, resolved.imageSet.id, imageFrames[n - 1]!.ID);
      if (delivery.kind === 'stored') return frame.body;
      return (await decode!(frame.body)).bytes;
    };
    return {
      transferSyntaxUID,
      mediaType: frameMediaTypeOf(transferSyntaxUID),
      parts: readAhead(frameNumbers, read, FRAMES_READ_AHEAD),
      contentLocation: (n) => `${instanceUrl}/frames/${n}`,
      frameNumbers,
    };
  }

  /** GetDICOMInstance: a Part 10 object rebuilt from the metadata and the frames (dicomweb.md §4.2). */
  async instance(address: InstanceAddress, accept: string | undefined): Promise<{ transferSyntaxUID: string; isMultipart: boolean; chunks: Buffer[] }> {
    const { resolved, location } = await this.locate(address);
    const imageFrames = location.instance.ImageFrames ?? [];
    const blob = imageFrames.length === 0 ? await this.ports.pixelBlobs.findPixelBlob(address.datastoreId, resolved.imageSet.id, address.sopInstanceUID) : undefined;
    const stored = storedPixelsOf(location, blob);
    const { delivery, isMultipart } = negotiateInstance(accept, stored);
    const dataset: Record<string, DicomJsonElement> = instanceDicomJson(resolved.document, location, { includeFileMeta: false });
    const sopClassUID = String(dataset['00080016']?.Value?.[0] ?? '');
    const hasPixels = imageFrames.length > 0 || blob !== undefined;
    let transferSyntaxUID = delivery.kind === 'stored' ? delivery.transferSyntaxUID : EXPLICIT_VR_LITTLE_ENDIAN;
    let pixelData: PixelDataPayload | undefined;
    if (!hasPixels) {
      transferSyntaxUID = EXPLICIT_VR_LITTLE_ENDIAN; // no pixel data: the data set is all there is, written as ELE
    } else if (blob !== undefined) {
      const bytes = await this.ports.blobs.get(blob.blobKey, resolved.dataKey);
      pixelData = { kind: 'raw', tag: pixelTagOf(location), vr: rawPixelVr(dataset, blob.transferSyntaxUID), isEncapsulated: !isNative(blob.transferSyntaxUID), bytes };
    } else {
      pixelData = await this.pixelPayload(resolved, location, dataset, delivery);
    }
    const chunks = writePart10({ sopClassUID, sopInstanceUID: address.sopInstanceUID, transferSyntaxUID, dataset, ...(pixelData !== undefined ? { pixelData } : {}) });
    return { transferSyntaxUID, isMultipart, chunks };
  }

  async bulkdata(address: InstanceAddress, hash: string): Promise<Buffer> {
    if (!/^[0-9a-f]{32}$/.test(hash)) throw new ResourceNotFoundException(`Bulk data ${hash} does not exist`);
    const { resolved, location } = await this.locate(address);
    const bytes = findBulkData(resolved.document, location, hash);
    if (bytes === undefined) throw new ResourceNotFoundException(`Bulk data ${hash} does not exist in instance ${address.sopInstanceUID}`);
    return bytes;
  }

  private async pixelPayload(
    resolved: ResolvedImageSet,
    location: InstanceLocation,
    dataset: Record<string, DicomJsonElement>,
    delivery: Delivery,
  ): Promise<PixelDataPayload> {
    const imageFrames = location.instance.ImageFrames!;
    const stored: Uint8Array[] = [];
    for (const frame of imageFrames) stored.push((await this.ports.frames.getImageFrame(resolved.datastoreId, resolved.imageSet.id, frame.ID)).body);
    const storedUid = location.instance.StoredTransferSyntaxUID ?? EXPLICIT_VR_LITTLE_ENDIAN;
    const pixel = pixelDescriptionOf(dataset);
    if (delivery.kind === 'stored' && !isNative(storedUid)) return { kind: 'encapsulated', frames: stored };
    if (delivery.kind === 'stored' && pixel.bitsAllocated !== 1) return { kind: 'native', vr: pixel.bitsAllocated <= 8 ? 'OB' : 'OW', bytes: Buffer.concat(stored) };
    // Decoded frames: the samples of the canonical layout, which is valid native pixel data once the attributes describing
    // it are set (interleaved, HighBit = BitsStored - 1, the decoded colour space).
    const decode = this.decoderFor(resolved, location);
    const decoded = await Promise.all(stored.map((bytes) => decode(bytes)));
    if (decoded[0] !== undefined) {
      dataset['00280004'] = { vr: 'CS', Value: [decoded[0].photometricInterpretation] };
      if (pixel.samplesPerPixel > 1) dataset['00280006'] = { vr: 'US', Value: [0] };
      dataset['00280102'] = { vr: 'US', Value: [Math.min(pixel.bitsStored, pixel.bitsAllocated) - 1] };
    }
    if (pixel.bitsAllocated === 1) {
      // 1-bit frames are packed contiguously across frame boundaries (PS3.5 §8.1.1).
      return { kind: 'native', vr: 'OB', bytes: packBits(Buffer.concat(decoded.map((d) => d.bytes))) };
    }
    return { kind: 'native', vr: pixel.bitsAllocated <= 8 ? 'OB' : 'OW', bytes: Buffer.concat(decoded.map((d) => d.bytes)) };
  }

  /** What decoding a stored frame of the instance needs, worked out once per request. */
  private decoderFor(resolved: ResolvedImageSet, location: InstanceLocation): (bytes: Uint8Array) => Promise<CanonicalFrame> {
    const dataset = instanceDicomJson(resolved.document, location, { includeFileMeta: true });
    const pixel: PixelDescription = pixelDescriptionOf(dataset);
    const storedUid = location.instance.StoredTransferSyntaxUID ?? EXPLICIT_VR_LITTLE_ENDIAN;
    const originalTs = String(location.instance.DICOM.TransferSyntaxUID ?? '');
    const description = storedPixelDescription(pixel, storedUid);
    return async (bytes) => {
      let decoded: CanonicalFrame;
      try {
        decoded = await this.ports.decoder.decode({ transferSyntaxUID: storedUid, pixel: description, frame: bytes });
      } catch (error) {
        // A stored frame this build cannot decode (e.g. 16-bit colour HTJ2K) cannot become ELE: 406 with the retry hint (§4.1).
        if (error instanceof FrameTranscodeError) throw new NotAcceptableException(`The frame cannot be decoded to ${EXPLICIT_VR_LITTLE_ENDIAN} (${error.message}); retry with transfer-syntax=*`);
        throw error;
      }
      return { ...decoded, photometricInterpretation: decodedPhotometric(pixel.photometricInterpretation, originalTs, storedUid, decoded.photometricInterpretation) };
    };
  }

  private async locate(address: InstanceAddress): Promise<{ resolved: ResolvedImageSet; location: InstanceLocation }> {
    const resolved = await this.ports.resolver.resolveSeries(address);
    const location = findInstance(resolved.document, address.seriesInstanceUID, address.sopInstanceUID);
    if (location === undefined) throw new ResourceNotFoundException(`Instance ${address.sopInstanceUID} does not exist in series ${address.seriesInstanceUID}`);
    return { resolved, location };
  }

  private metadataOf(resolved: ResolvedImageSet, location: InstanceLocation, urls: UrlBase): Record<string, DicomJsonElement> {
    const address = { studyInstanceUID: resolved.imageSet.studyInstanceUID, seriesInstanceUID: location.seriesInstanceUID, sopInstanceUID: location.sopInstanceUID };
    const query = resolved.requestedImageSetId !== undefined ? `?imageSetId=${resolved.requestedImageSetId}` : '';
    return instanceDicomJson(resolved.document, location, {
      includeFileMeta: true,
      bulkDataUri: (hash) => `${this.instanceUrl(urls, address)}/bulkdata/${hash}${query}`,
    });
  }

  private instanceUrl(urls: UrlBase, address: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): string {
    return `${urls.serviceRoot}/studies/${address.studyInstanceUID}/series/${address.seriesInstanceUID}/instances/${address.sopInstanceUID}`;
  }
}

/** `1,3,2`: 1-based, no duplicates, any order (dicomweb.md §4.5). */
export function parseFrameList(frameList: string): number[] {
  const parts = frameList.split(',');
  const numbers = parts.map((p) => (/^[0-9]+$/.test(p.trim()) ? Number(p.trim()) : NaN));
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new ValidationException(`Invalid frame list ${frameList}: frame numbers are positive integers`);
  if (new Set(numbers).size !== numbers.length) throw new ValidationException(`Invalid frame list ${frameList}: a frame number repeats`);
  return numbers;
}

function storedPixelsOf(location: InstanceLocation, blob: StoredPixelBlob | undefined): StoredPixels {
  if (blob !== undefined) return { storedTransferSyntaxUID: blob.transferSyntaxUID, isDecodable: false, isWholeBlob: true };
  const frames = location.instance.ImageFrames ?? [];
  if (frames.length === 0) return { storedTransferSyntaxUID: undefined, isDecodable: false, isWholeBlob: false };
  const uid = location.instance.StoredTransferSyntaxUID ?? EXPLICIT_VR_LITTLE_ENDIAN;
  return { storedTransferSyntaxUID: uid, isDecodable: isDecodableHere(uid), isWholeBlob: false };
}

/** Stored syntaxes the codec decodes (video and JPEG XL are kept undecoded at import). */
function isDecodableHere(uid: string): boolean {
  return !/^1\.2\.840\.10008\.1\.2\.4\.1[01]\d/.test(uid);
}

function isNative(uid: string): boolean {
  return uid === '1.2.840.10008.1.2' || uid === '1.2.840.10008.1.2.1' || uid === '1.2.840.10008.1.2.2' || uid === '1.2.840.10008.1.2.1.99';
}

/** Stored J2K codestreams hold the decoded colour space: YBR_FULL_422 was expanded to three full samples at import. */
function storedPixelDescription(pixel: PixelDescription, storedUid: string): PixelDescription {
  if (isNative(storedUid)) return pixel;
  return { ...pixel, planarConfiguration: 0 };
}

/**
 * The colour space of decoded samples. The metadata keeps the original PhotometricInterpretation; import decoded JPEG
 * YCbCr to RGB and expanded native YBR_FULL_422 before encoding, so the stored codestream holds that instead.
 */
function decodedPhotometric(original: string, originalTs: string, storedUid: string, fromDecoder: string): string {
  if (fromDecoder === 'RGB' && original !== 'RGB' && original.startsWith('YBR')) return 'RGB';
  if (storedUid === originalTs || isNative(storedUid)) return fromDecoder === 'YBR_FULL_422' ? 'YBR_FULL' : fromDecoder;
  const isJpegDct = ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51'].includes(originalTs);
  if (original.startsWith('YBR') && (isJpegDct || original === 'YBR_RCT' || original === 'YBR_ICT')) return 'RGB';
  if (original === 'YBR_FULL_422' || original === 'YBR_PARTIAL_422') return 'YBR_FULL';
  return fromDecoder;
}

function pixelTagOf(location: InstanceLocation): string {
  const dicom = location.instance.DICOM;
  return 'FloatPixelData' in dicom ? '7FE00008' : 'DoubleFloatPixelData' in dicom ? '7FE00009' : '7FE00010';
}

function rawPixelVr(dataset: Record<string, DicomJsonElement>, transferSyntaxUID: string): string {
  if (!isNative(transferSyntaxUID)) return 'OB';
  const bits = Number(dataset['00280100']?.Value?.[0] ?? 16);
  return bits <= 8 ? 'OB' : bits === 32 ? 'OL' : bits === 64 ? 'OV' : 'OW';
}

function byInstanceNumber(a: Record<string, DicomJsonElement>, b: Record<string, DicomJsonElement>): number {
  const n = (x: Record<string, DicomJsonElement>) => {
    const v = Number(x['00200013']?.Value?.[0]);
    return Number.isFinite(v) ? v : Number.MAX_SAFE_INTEGER;
  };
  const uid = (x: Record<string, DicomJsonElement>) => String(x['00080018']?.Value?.[0] ?? '');
  return n(a) - n(b) || (uid(a) < uid(b) ? -1 : uid(a) > uid(b) ? 1 : 0);
}

/** Maps items in order with up to `ahead` reads running at once, yielding results in order (bounded memory). */
async function* readAhead<T, R>(items: readonly T[], read: (item: T) => Promise<R>, ahead: number): AsyncIterable<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < ahead && next < items.length) {
      const promise = read(items[next++]!);
      promise.catch(() => undefined); // observed when awaited; avoids an unhandled rejection while waiting in line
      pending.push(promise);
    }
  };
  fill();
  while (pending.length > 0) {
    const value = await pending.shift()!;
    fill();
    yield value;
  }
}
