// JPEG 2000 codestream structure (ITU-T T.800 Annex A): main-header marker segments and tile-parts. Used to
// describe what an encoder produced and to join single-component HTJ2K codestreams into one.
import { FrameTranscodeError } from './frame-transcode-error.js';

export const SOC = 0xff4f;
export const SIZ = 0xff51;
export const CAP = 0xff50;
export const COD = 0xff52;
export const QCD = 0xff5c;
export const TLM = 0xff55;
export const SOT = 0xff90;
export const SOD = 0xff93;
export const EOC = 0xffd9;

export interface MarkerSegment {
  readonly marker: number;
  /** The whole segment: marker, length and parameters. */
  readonly bytes: Uint8Array;
}

export interface TilePart {
  readonly tileIndex: number;
  readonly partIndex: number;
  readonly partCount: number;
  /** Tile-part header segments between SOT and SOD. */
  readonly headerSegments: readonly MarkerSegment[];
  /** The packet data after SOD. */
  readonly body: Uint8Array;
}

export interface Codestream {
  readonly mainHeader: readonly MarkerSegment[];
  readonly tileParts: readonly TilePart[];
}

export const PROGRESSION_ORDERS = ['LRCP', 'RLCP', 'RPCL', 'PCRL', 'CPRL'] as const;

export interface CodestreamSummary {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
  readonly isSigned: boolean;
  readonly progressionOrder: string;
  readonly layers: number;
  readonly usesColorTransform: boolean;
  readonly decompositions: number;
  readonly codeBlockWidth: number;
  readonly codeBlockHeight: number;
  readonly isReversible: boolean;
  readonly isHighThroughput: boolean;
  readonly hasTlm: boolean;
  readonly tileCount: number;
  readonly tilePartCount: number;
}

export function parseCodestream(bytes: Uint8Array): Codestream {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== SOC || view.getUint16(2) !== SIZ) {
    throw new FrameTranscodeError('Not a JPEG 2000 codestream (no SOC/SIZ)');
  }
  const mainHeader: MarkerSegment[] = [];
  let position = 2;
  while (position + 4 <= bytes.length && view.getUint16(position) !== SOT) {
    const end = position + 2 + view.getUint16(position + 2);
    if (end > bytes.length) throw new FrameTranscodeError('Truncated JPEG 2000 main header');
    mainHeader.push({ marker: view.getUint16(position), bytes: bytes.subarray(position, end) });
    position = end;
  }
  const tileParts: TilePart[] = [];
  while (position + 12 <= bytes.length && view.getUint16(position) === SOT) {
    const psot = view.getUint32(position + 6);
    const end = psot === 0 ? bytes.length - 2 : position + psot; // Psot 0: the last tile-part runs to EOC
    if (end > bytes.length) throw new FrameTranscodeError('Truncated JPEG 2000 tile-part');
    const headerSegments: MarkerSegment[] = [];
    let at = position + 12;
    while (at + 2 <= end && view.getUint16(at) !== SOD) {
      const segmentEnd = at + 2 + view.getUint16(at + 2);
      headerSegments.push({ marker: view.getUint16(at), bytes: bytes.subarray(at, segmentEnd) });
      at = segmentEnd;
    }
    tileParts.push({
      tileIndex: view.getUint16(position + 4),
      partIndex: bytes[position + 10]!,
      partCount: bytes[position + 11]!,
      headerSegments,
      body: bytes.subarray(at + 2, end),
    });
    position = end;
  }
  return { mainHeader, tileParts };
}

export function summarizeCodestream(bytes: Uint8Array): CodestreamSummary {
  const { mainHeader, tileParts } = parseCodestream(bytes);
  const segment = (marker: number): DataView => {
    const found = mainHeader.find((s) => s.marker === marker);
    if (!found) throw new FrameTranscodeError(`Codestream has no ${marker.toString(16).toUpperCase()} marker`);
    return new DataView(found.bytes.buffer, found.bytes.byteOffset, found.bytes.byteLength);
  };
  const siz = segment(SIZ);
  const cod = segment(COD);
  const ssiz = siz.getUint8(40);
  const tileWidth = siz.getUint32(22);
  const tileHeight = siz.getUint32(26);
  const width = siz.getUint32(6) - siz.getUint32(14);
  const height = siz.getUint32(10) - siz.getUint32(18);
  const codeBlockStyle = cod.getUint8(12);
  return {
    width,
    height,
    components: siz.getUint16(38),
    precision: (ssiz & 0x7f) + 1,
    isSigned: (ssiz & 0x80) !== 0,
    progressionOrder: PROGRESSION_ORDERS[cod.getUint8(5)] ?? `unknown (${cod.getUint8(5)})`,
    layers: cod.getUint16(6),
    usesColorTransform: cod.getUint8(8) === 1,
    decompositions: cod.getUint8(9),
    codeBlockWidth: 2 ** (cod.getUint8(10) + 2),
    codeBlockHeight: 2 ** (cod.getUint8(11) + 2),
    isReversible: cod.getUint8(13) === 1,
    isHighThroughput: (codeBlockStyle & 0x40) !== 0 || mainHeader.some((s) => s.marker === CAP),
    hasTlm: mainHeader.some((s) => s.marker === TLM),
    tileCount: Math.ceil((siz.getUint32(6) - siz.getUint32(30)) / tileWidth) * Math.ceil((siz.getUint32(10) - siz.getUint32(34)) / tileHeight),
    tilePartCount: tileParts.length,
  };
}

/**
 * Joins single-component codestreams (same geometry and coding parameters, one tile, one layer, RPCL with
 * one tile-part per resolution, default precincts) into one multi-component codestream without a colour
 * transform. With RPCL and one precinct per resolution, tile-part r holds exactly one packet per component,
 * in component order, and a packet depends only on its own component's code-blocks and quantisation (QCD is
 * the same for equal precision), so concatenating the packets of tile-part r is the multi-component tile-part.
 */
export function joinComponentCodestreams(parts: readonly Uint8Array[]): Uint8Array {
  const streams = parts.map(parseCodestream);
  const first = streams[0];
  if (!first || streams.length < 2) throw new FrameTranscodeError('joinComponentCodestreams needs two or more codestreams');
  const partCount = first.tileParts.length;
  for (const stream of streams) {
    if (stream.tileParts.length !== partCount || stream.tileParts.some((t) => t.tileIndex !== 0 || t.headerSegments.length > 0)) {
      throw new FrameTranscodeError('Component codestreams differ in tile-part structure');
    }
    for (const marker of [COD, QCD]) {
      const a = first.mainHeader.find((s) => s.marker === marker)?.bytes;
      const b = stream.mainHeader.find((s) => s.marker === marker)?.bytes;
      if (!a || !b || Buffer.compare(a, b) !== 0) throw new FrameTranscodeError('Component codestreams differ in coding parameters');
    }
  }
  const count = streams.length;
  const partLengths = first.tileParts.map((_, t) => 14 + streams.reduce((n, s) => n + s.tileParts[t]!.body.length, 0));
  const out: Uint8Array[] = [u16(SOC)];
  for (const segment of first.mainHeader) {
    if (segment.marker === SIZ) out.push(withComponents(segment.bytes, count));
    else if (segment.marker === TLM) out.push(tlm(partLengths));
    else out.push(segment.bytes);
  }
  first.tileParts.forEach((part, t) => {
    const sot = new DataView(new ArrayBuffer(12));
    sot.setUint16(0, SOT);
    sot.setUint16(2, 10);
    sot.setUint16(4, 0);
    sot.setUint32(6, partLengths[t]!);
    sot.setUint8(10, part.partIndex);
    sot.setUint8(11, part.partCount);
    out.push(new Uint8Array(sot.buffer), u16(SOD), ...streams.map((s) => s.tileParts[t]!.body));
  });
  out.push(u16(EOC));
  return Buffer.concat(out);
}

function u16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff]);
}

/** SIZ (A.5.1) with Csiz = count, every component described like component 0. */
function withComponents(siz: Uint8Array, count: number): Uint8Array {
  const component = siz.subarray(40, 43);
  const out = new Uint8Array(40 + 3 * count);
  out.set(siz.subarray(0, 40));
  const view = new DataView(out.buffer);
  view.setUint16(2, 38 + 3 * count);
  view.setUint16(38, count);
  for (let c = 0; c < count; c++) out.set(component, 40 + 3 * c);
  return out;
}

/** TLM (A.7.1) listing every tile-part of tile 0: Stlm ST=2 (16-bit Ttlm), SP=1 (32-bit Ptlm). */
function tlm(partLengths: readonly number[]): Uint8Array {
  const out = new DataView(new ArrayBuffer(6 + 6 * partLengths.length));
  out.setUint16(0, TLM);
  out.setUint16(2, 4 + 6 * partLengths.length);
  out.setUint8(4, 0);
  out.setUint8(5, 0x60);
  partLengths.forEach((length, i) => {
    out.setUint16(6 + 6 * i, 0);
    out.setUint32(8 + 6 * i, length);
  });
  return new Uint8Array(out.buffer);
}
