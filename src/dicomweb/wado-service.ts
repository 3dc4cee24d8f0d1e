// WADO-RS as HealthImaging offers it (dicomweb.md §4): series and instance metadata, frames, instances, bulk data —
// all read from the image set's metadata document and its stored frames.
import { NotAcceptableException, ResourceNotFoundException, ValidationException, type DatastoreId } from '../api/index.js';
import type { SealedBlobStore } from '../blobs/index.js';
import { FrameTranscodeError, packBits, pixelDescriptionOf, type CanonicalFrame, type PixelDescription, type SourceFrame } from '../codec/index.js';
import {
  encapsulatedFragment,
  encapsulatedPixelDataStart,
  nativePixelDataHeader,
  sequenceDelimitation,
  writePart10,
  writePart10Head,
  type DicomJsonElement,
  type PixelDataPayload,
} from '../dicom/index.js';
import { dicomJsonText } from './dicom-json-text.js';
import { findBulkData, findInstance, instanceDicomJson, seriesInstances, type InstanceLocation } from './instance-dicom-json.js';
import type { ImageSetResolver, ResolvedImageSet, SeriesAddress } from './image-set-resolver.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, frameMediaTypeOf, negotiateFrames, negotiateInstance, type StoredPixels } from './media-types.js';

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

/** A Part 10 object being written: `length` is its size when known before the first byte (Content-Length). */
export interface InstanceResponse {
  readonly transferSyntaxUID: string;
  readonly isMultipart: boolean;
  readonly length: number | undefined;
  readonly chunks: AsyncIterable<Buffer>;
}

/**
 * Decoded samples are valid native pixel data once the attributes describing them say so: interleaved, HighBit =
 * BitsStored - 1, the decoded colour space.
 */
function describeDecoded(dataset: Record<string, DicomJsonElement>, pixel: PixelDescription, photometricInterpretation: string): void {
  dataset['00280004'] = { vr: 'CS', Value: [photometricInterpretation] };
  if (pixel.samplesPerPixel > 1) dataset['00280006'] = { vr: 'US', Value: [0] };
  dataset['00280102'] = { vr: 'US', Value: [Math.min(pixel.bitsStored, pixel.bitsAllocated) - 1] };
}

function whole(transferSyntaxUID: string, isMultipart: boolean, chunks: readonly Buffer[]): InstanceResponse {
  return {
    transferSyntaxUID,
    isMultipart,
    length: chunks.reduce((n, c) => n + c.length, 0),
    chunks: (async function* () {
      yield* chunks;
    })(),
  };
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
    const isOneBit = decode !== undefined && Number(location.instance.DICOM.BitsAllocated) === 1;
    const read = async (n: number): Promise<Uint8Array> => {
      if (blob !== undefined) return this.ports.blobs.get(blob.blobKey, resolved.dataKey); // the one "frame" is the whole value
      const frame = await this.ports.frames.getImageFrame(address.datastoreId, resolved.imageSet.id, imageFrames[n - 1]!.ID);
      if (delivery.kind === 'stored') return frame.body;
      const samples = (await decode!(frame.body)).bytes;
      // A 1-bit frame in native encoding is bit-packed (PS3.5 §8.1.1), as frames stored natively go out: one stored from
      // another syntax (a JPEG 2000 segmentation) is packed again after decoding.
      return isOneBit ? packBits(samples) : samples;
    };
    return {
      transferSyntaxUID,
      mediaType: frameMediaTypeOf(transferSyntaxUID),
      parts: readAhead(frameNumbers, read, FRAMES_READ_AHEAD),
      contentLocation: (n) => `${instanceUrl}/frames/${n}`,
      frameNumbers,
    };
  }

  /**
   * GetDICOMInstance: a Part 10 object rebuilt from the metadata and the frames (dicomweb.md §4.2), written as its frames
   * are read (and decoded), a few ahead: a 1,000-frame instance is never held whole. The first frame is read before
   * anything is answered, so a frame that cannot be decoded is still a clean 406.
   */
  async instance(address: InstanceAddress, accept: string | undefined): Promise<InstanceResponse> {
    const { resolved, location } = await this.locate(address);
    const imageFrames = location.instance.ImageFrames ?? [];
    const blob = imageFrames.length === 0 ? await this.ports.pixelBlobs.findPixelBlob(address.datastoreId, resolved.imageSet.id, address.sopInstanceUID) : undefined;
    const stored = storedPixelsOf(location, blob);
    const { delivery, isMultipart } = negotiateInstance(accept, stored);
    const dataset: Record<string, DicomJsonElement> = instanceDicomJson(resolved.document, location, { includeFileMeta: false });
    const sopClassUID = String(dataset['00080016']?.Value?.[0] ?? '');
    const head = (transferSyntaxUID: string) => writePart10Head({ sopClassUID, sopInstanceUID: address.sopInstanceUID, transferSyntaxUID, dataset });
    if (imageFrames.length === 0 && blob === undefined) {
      return whole(EXPLICIT_VR_LITTLE_ENDIAN, isMultipart, head(EXPLICIT_VR_LITTLE_ENDIAN)); // no pixel data: the data set is all there is
    }
    const transferSyntaxUID = delivery.kind === 'stored' ? delivery.transferSyntaxUID : EXPLICIT_VR_LITTLE_ENDIAN;
    if (blob !== undefined) {
      const bytes = await this.ports.blobs.get(blob.blobKey, resolved.dataKey);
      const pixelData: PixelDataPayload = { kind: 'raw', tag: pixelTagOf(location), vr: rawPixelVr(dataset, blob.transferSyntaxUID), isEncapsulated: !isNative(blob.transferSyntaxUID), bytes };
      return whole(transferSyntaxUID, isMultipart, writePart10({ sopClassUID, sopInstanceUID: address.sopInstanceUID, transferSyntaxUID, dataset, pixelData }));
    }
    const storedUid = location.instance.StoredTransferSyntaxUID ?? EXPLICIT_VR_LITTLE_ENDIAN;
    const pixel = pixelDescriptionOf(dataset);
    const readStored = async (frameId: string): Promise<Uint8Array> => (await this.ports.frames.getImageFrame(resolved.datastoreId, resolved.imageSet.id, frameId)).body;
    const frameIds = imageFrames.map((frame) => frame.ID);
    if (delivery.kind === 'stored' && !isNative(storedUid)) {
      const frames = readAhead(frameIds, readStored, FRAMES_READ_AHEAD)[Symbol.asyncIterator]();
      const first = await frames.next();
      return {
        transferSyntaxUID,
        isMultipart,
        length: undefined, // the fragments' sizes are known only as they are read
        chunks: (async function* () {
          yield* head(transferSyntaxUID);
          yield encapsulatedPixelDataStart();
          for (let next: IteratorResult<Uint8Array> = first; next.done !== true; next = await frames.next()) yield* encapsulatedFragment(next.value);
          yield sequenceDelimitation();
        })(),
      };
    }
    if (pixel.bitsAllocated === 1) {
      // 1-bit frames are packed contiguously across frame boundaries (PS3.5 §8.1.1), but stored each from bit 0: they are
      // unpacked and packed again together. A segmentation, small: built whole.
      const decode = this.decoderFor(resolved, location);
      const samples: CanonicalFrame[] = [];
      for (const id of frameIds) samples.push(await decode(await readStored(id)));
      describeDecoded(dataset, pixel, samples[0]!.photometricInterpretation);
      const bytes = packBits(Buffer.concat(samples.map((frame) => frame.bytes)));
      return whole(transferSyntaxUID, isMultipart, writePart10({ sopClassUID, sopInstanceUID: address.sopInstanceUID, transferSyntaxUID, dataset, pixelData: { kind: 'native', vr: 'OB', bytes } }));
    }
    // Native pixel data, as stored or decoded: every frame has the size of the first, which gives the value's length.
    const decode = delivery.kind === 'stored' ? undefined : this.decoderFor(resolved, location);
    const read = async (id: string): Promise<{ readonly bytes: Uint8Array; readonly photometricInterpretation?: string }> =>
      decode === undefined ? { bytes: await readStored(id) } : decode(await readStored(id));
    const frames = readAhead(frameIds, read, FRAMES_READ_AHEAD)[Symbol.asyncIterator]();
    const first = await frames.next();
    if (first.done === true) throw new ResourceNotFoundException(`Instance ${address.sopInstanceUID} has no frames`);
    if (decode !== undefined) describeDecoded(dataset, pixel, first.value.photometricInterpretation!);
    const frameBytes = first.value.bytes.length;
    const valueBytes = frameBytes * frameIds.length;
    const pad = valueBytes % 2;
    const start = [...head(transferSyntaxUID), nativePixelDataHeader(pixel.bitsAllocated <= 8 ? 'OB' : 'OW', valueBytes + pad)];
    return {
      transferSyntaxUID,
      isMultipart,
      length: start.reduce((n, c) => n + c.length, 0) + valueBytes + pad,
      chunks: (async function* () {
        yield* start;
        for (let next: IteratorResult<{ readonly bytes: Uint8Array }> = first; next.done !== true; next = await frames.next()) {
          const { bytes } = next.value;
          // The length is already on the wire: a frame of another size cannot be written as part of this value.
          if (bytes.length !== frameBytes) throw new Error(`Frames of instance ${address.sopInstanceUID} differ in size (${bytes.length} ≠ ${frameBytes} bytes)`);
          yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
        if (pad === 1) yield Buffer.alloc(1);
      })(),
    };
  }

  async bulkdata(address: InstanceAddress, hash: string): Promise<Buffer> {
    if (!/^[0-9a-f]{32}$/.test(hash)) throw new ResourceNotFoundException(`Bulk data ${hash} does not exist`);
    const { resolved, location } = await this.locate(address);
    const bytes = findBulkData(resolved.document, location, hash);
    if (bytes === undefined) throw new ResourceNotFoundException(`Bulk data ${hash} does not exist in instance ${address.sopInstanceUID}`);
    return bytes;
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
        // A stored frame this build cannot decode (a corrupt blob, a codec refusing it) cannot become ELE: 406 with the retry hint (§4.1).
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
