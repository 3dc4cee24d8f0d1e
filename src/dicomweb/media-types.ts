// Accept-header parsing (PS3.18 §8.7) and the transfer-syntax decision of WADO-RS (dicomweb.md §4.1).
import { NotAcceptableException } from '../api/index.js';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

export interface AcceptedMediaType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  readonly q: number;
}

/** The entries of an Accept header, highest q first (stable for equal weights); an absent header accepts anything. */
export function parseAccept(header: string | undefined): AcceptedMediaType[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', params: {}, q: 1 }];
  const entries: AcceptedMediaType[] = [];
  for (const raw of splitOutsideQuotes(header, ',')) {
    const [typePart, ...paramParts] = splitOutsideQuotes(raw, ';');
    const type = (typePart ?? '').trim().toLowerCase();
    if (type === '') continue;
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    entries.push({ type, params, q: Number.isFinite(q) ? q : 1 });
  }
  return entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.q - a.e.q || a.i - b.i).map(({ e }) => e).filter((e) => e.q > 0);
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/** PS3.18 media type of a frame part by transfer syntax (dicomweb.md §4.5). */
export function frameMediaTypeOf(transferSyntaxUID: string): string {
  const uid = transferSyntaxUID;
  if (['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'].includes(uid)) return 'image/jpeg';
  if (uid === '1.2.840.10008.1.2.4.80' || uid === '1.2.840.10008.1.2.4.81') return 'image/jls';
  if (uid === '1.2.840.10008.1.2.4.90' || uid === '1.2.840.10008.1.2.4.91') return 'image/jp2';
  if (uid === '1.2.840.10008.1.2.4.92' || uid === '1.2.840.10008.1.2.4.93') return 'image/jpx';
  if (uid.startsWith('1.2.840.10008.1.2.4.20')) return 'image/jphc';
  if (uid.startsWith('1.2.840.10008.1.2.4.11')) return 'image/jxl';
  if (uid === '1.2.840.10008.1.2.5') return 'image/dicom-rle';
  if (uid.startsWith('1.2.840.10008.1.2.4.100') || uid.startsWith('1.2.840.10008.1.2.4.101')) return 'video/mpeg2';
  if (/^1\.2\.840\.10008\.1\.2\.4\.10[2-6]/.test(uid)) return 'video/mp4';
  if (uid === '1.2.840.10008.1.2.4.107' || uid === '1.2.840.10008.1.2.4.108') return 'video/H265';
  return 'application/octet-stream';
}

/** Image media types clients use for the same codestreams (dicomweb-client asks HTJ2K as image/jhc). */
const MEDIA_TYPE_ALIASES: Readonly<Record<string, string>> = { 'image/jhc': 'image/jphc', 'image/jph': 'image/jphc', 'image/x-jls': 'image/jls', 'image/x-dicom-rle': 'image/dicom-rle' };

/** What to deliver: the stored bytes, or decoded samples in Explicit VR Little Endian. */
export type Delivery = { readonly kind: 'stored'; readonly transferSyntaxUID: string } | { readonly kind: 'uncompressed' };

export interface StoredPixels {
  /** The syntax of the stored bytes; undefined for an instance without pixel data. */
  readonly storedTransferSyntaxUID: string | undefined;
  /** Whether the stored bytes can be decoded to samples here. */
  readonly isDecodable: boolean;
  /** Pixel data kept whole (warnings 0xB100/0xB120): only `*` delivers it. */
  readonly isWholeBlob: boolean;
}

/**
 * The delivery for one requested transfer syntax (undefined = the parameter was absent), or undefined when it cannot be
 * produced (dicomweb.md §4.1 decision table).
 */
export function deliveryFor(requested: string | undefined, stored: StoredPixels, isFrameRequest: boolean): Delivery | undefined {
  const storedUid = stored.storedTransferSyntaxUID;
  if (storedUid === undefined) return requested === undefined || requested === '*' || requested === EXPLICIT_VR_LITTLE_ENDIAN ? { kind: 'uncompressed' } : undefined;
  if (requested === '*' || requested === storedUid) return { kind: 'stored', transferSyntaxUID: storedUid };
  if (stored.isWholeBlob) {
    // Frames of blob-stored data are returned as stored without a parameter; instances need `*` (dicomweb.md §4.1/§4.2).
    return requested === undefined && isFrameRequest ? { kind: 'stored', transferSyntaxUID: storedUid } : undefined;
  }
  if (requested === undefined || requested === EXPLICIT_VR_LITTLE_ENDIAN) {
    if (storedUid === EXPLICIT_VR_LITTLE_ENDIAN) return { kind: 'stored', transferSyntaxUID: storedUid };
    if (stored.isDecodable) return { kind: 'uncompressed' };
    // Video and other undecodable streams go out as stored when no syntax was asked for [I].
    return requested === undefined ? { kind: 'stored', transferSyntaxUID: storedUid } : undefined;
  }
  return undefined;
}

/** Negotiates WADO-RS frames: multipart/related with application/octet-stream or image parts. */
export function negotiateFrames(accept: string | undefined, stored: StoredPixels): Delivery {
  for (const entry of parseAccept(accept)) {
    const requested = entry.params['transfer-syntax'];
    let partType: string | undefined;
    if (entry.type === '*/*' || entry.type === 'multipart/*') partType = 'application/octet-stream';
    else if (entry.type === 'multipart/related') partType = (entry.params.type ?? 'application/octet-stream').toLowerCase();
    else if (entry.type === 'application/octet-stream') partType = 'application/octet-stream';
    if (partType === undefined) continue;
    partType = MEDIA_TYPE_ALIASES[partType] ?? partType;
    if (partType === 'application/octet-stream' || partType === '*/*') {
      const delivery = deliveryFor(requested, stored, true);
      if (delivery !== undefined) return delivery;
      continue;
    }
    // An image media type accepts the stored codestream when it is of that type.
    if (stored.storedTransferSyntaxUID !== undefined && (frameMediaTypeOf(stored.storedTransferSyntaxUID) === partType || partType === 'image/*')) {
      const delivery = deliveryFor(requested ?? '*', stored, true);
      if (delivery?.kind === 'stored') return delivery;
    }
  }
  throw notAcceptable(stored);
}

/** Negotiates WADO-RS instance retrieval: application/dicom, single part or in multipart/related. */
export function negotiateInstance(accept: string | undefined, stored: StoredPixels): { delivery: Delivery; isMultipart: boolean } {
  for (const entry of parseAccept(accept)) {
    const isMultipart = entry.type === 'multipart/related' && (entry.params.type ?? 'application/dicom').toLowerCase() === 'application/dicom';
    if (!(isMultipart || entry.type === 'application/dicom' || entry.type === '*/*' || entry.type === 'application/*')) continue;
    const delivery = deliveryFor(entry.params['transfer-syntax'], stored, false);
    if (delivery !== undefined) return { delivery, isMultipart };
  }
  throw notAcceptable(stored);
}

/** Metadata, QIDO and STOW responses: application/dicom+json (or application/json, or anything). */
export function assertAcceptsDicomJson(accept: string | undefined): void {
  const ok = parseAccept(accept).some((e) => ['application/dicom+json', 'application/json', '*/*', 'application/*'].includes(e.type));
  if (!ok) throw new NotAcceptableException(`Only application/dicom+json can be returned; the request accepts ${accept}`);
}

/** Bulkdata: application/octet-stream, single part or in multipart/related. */
export function negotiateBulkdata(accept: string | undefined): { isMultipart: boolean } {
  for (const entry of parseAccept(accept)) {
    if (entry.type === 'application/octet-stream' || entry.type === '*/*' || entry.type === 'application/*') return { isMultipart: false };
    if (entry.type === 'multipart/related' && (entry.params.type ?? 'application/octet-stream').toLowerCase() === 'application/octet-stream') return { isMultipart: true };
  }
  throw new NotAcceptableException(`Bulk data is application/octet-stream; the request accepts ${accept}`);
}

function notAcceptable(stored: StoredPixels): NotAcceptableException {
  return new NotAcceptableException(
    stored.storedTransferSyntaxUID === undefined
      ? 'The requested media type cannot be produced'
      : `The requested transfer syntax cannot be produced from the stored transfer syntax ${stored.storedTransferSyntaxUID}; retry with transfer-syntax=*`,
  );
}
