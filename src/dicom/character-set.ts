// Specific Character Set (0008,0005) → a text decoder (PS3.5 §6.1, PS3.3 C.12.1.1.2; ISO 2022 code extensions per PS3.5 §6.1.2.5).

export type TextDecodeFn = (bytes: Uint8Array) => string;

/** Single-byte and multi-byte character sets without code extensions, by defined term (the "ISO_IR n" spelling). */
const ENCODING_OF_TERM: Readonly<Record<string, string>> = {
  '': 'latin1', // ISO_IR 6 (ASCII); read leniently as Latin-1 so that stray 8-bit bytes survive
  ISO_IR_6: 'latin1',
  ISO_IR_100: 'latin1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'windows-1254', // WHATWG's superset of ISO 8859-9
  ISO_IR_203: 'iso-8859-15',
  ISO_IR_13: 'shift_jis', // JIS X 0201: bytes A1-DF are half-width katakana, as in Shift JIS
  ISO_IR_166: 'windows-874', // superset of TIS 620
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  ISO_IR_149: 'euc-kr', // ISO 2022 IR 149 bytes in G1 are EUC-KR
  ISO_IR_58: 'gbk', // ISO 2022 IR 58 bytes in G1 are EUC-CN, a subset of GBK
};

/** ISO 2022 escape sequences (PS3.3 Table C.12-3/-4) → the encoding of the bytes they designate. */
const G1_ESCAPES: Readonly<Record<string, string>> = {
  '-A': 'latin1', '-B': 'iso-8859-2', '-C': 'iso-8859-3', '-D': 'iso-8859-4', '-L': 'iso-8859-5', '-G': 'iso-8859-6',
  '-F': 'iso-8859-7', '-H': 'iso-8859-8', '-M': 'windows-1254', '-b': 'iso-8859-15', ')I': 'shift_jis', '-T': 'windows-874',
  '$)C': 'euc-kr', '$)A': 'gbk',
};
const G0_ESCAPES: Readonly<Record<string, 'ascii' | 'jis-x-0208' | 'jis-x-0212'>> = {
  '(B': 'ascii', '(J': 'ascii', '$B': 'jis-x-0208', '$@': 'jis-x-0208', '$(D': 'jis-x-0212',
};

const decoders = new Map<string, TextDecodeFn>();

function decoderFor(encoding: string): TextDecodeFn {
  let decode = decoders.get(encoding);
  if (decode === undefined) {
    if (encoding === 'latin1' || encoding === 'utf-8') {
      const bufferEncoding = encoding === 'latin1' ? 'latin1' : 'utf8';
      decode = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(bufferEncoding);
    } else {
      const textDecoder = new TextDecoder(encoding);
      decode = (bytes) => textDecoder.decode(bytes);
    }
    decoders.set(encoding, decode);
  }
  return decode;
}

function termKey(term: string): string {
  return term.trim().replace(/^ISO 2022 /, 'ISO_').replace(/ /g, '_');
}

/** The decoder for a Specific Character Set value (its values in order); unknown terms fall back to Latin-1. */
export function characterSetDecoder(terms: readonly string[]): TextDecodeFn {
  const usesCodeExtensions = terms.length > 1 || terms.some((term) => term.startsWith('ISO 2022'));
  if (!usesCodeExtensions) return decoderFor(ENCODING_OF_TERM[termKey(terms[0] ?? '')] ?? 'latin1');
  const initialG1 = ENCODING_OF_TERM[termKey(terms[0] ?? '')] ?? 'latin1';
  return (bytes) => decodeIso2022(bytes, initialG1);
}

const ESC = 0x1b;
const DELIMITERS = new Set([0x0a, 0x0c, 0x0d, 0x09, 0x5c, 0x3d, 0x5e]); // LF FF CR TAB \ = ^ reset to the initial designations

/** Decodes text with ISO 2022 escape sequences by splitting it into runs of one designation each. */
function decodeIso2022(bytes: Uint8Array, initialG1: string): string {
  let g0: 'ascii' | 'jis-x-0208' | 'jis-x-0212' = 'ascii';
  let g1 = initialG1;
  let out = '';
  let runStart = 0;
  let runKind = '';
  const flush = (end: number): void => {
    if (end > runStart) {
      const run = bytes.subarray(runStart, end);
      if (runKind === 'jis-x-0208') out += decoderFor('iso-2022-jp')(concatBytes([ESC, 0x24, 0x42], run));
      else if (runKind === 'g1') out += decoderFor(g1)(run);
      else out += decoderFor('latin1')(run); // ASCII, or JIS X 0212, which no WHATWG decoder knows
    }
    runStart = end;
  };
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === ESC) {
      flush(i);
      const sequence = escapeAt(bytes, i + 1);
      if (sequence !== undefined) {
        if (G0_ESCAPES[sequence] !== undefined) g0 = G0_ESCAPES[sequence];
        else if (G1_ESCAPES[sequence] !== undefined) g1 = G1_ESCAPES[sequence];
        i += 1 + sequence.length;
        runStart = i;
        continue;
      }
    }
    const kind = byte >= 0x80 ? 'g1' : g0;
    if (kind !== runKind) {
      flush(i);
      runKind = kind;
    }
    if (g0 === 'ascii' && byte < 0x80 && DELIMITERS.has(byte)) g1 = initialG1;
    i += kind === 'jis-x-0208' || kind === 'jis-x-0212' ? 2 : 1;
  }
  flush(Math.min(i, bytes.length));
  return out;
}

function escapeAt(bytes: Uint8Array, start: number): string | undefined {
  for (const length of [2, 3]) {
    const sequence = String.fromCharCode(...bytes.subarray(start, start + length));
    if (G0_ESCAPES[sequence] !== undefined || G1_ESCAPES[sequence] !== undefined) return sequence;
  }
  return undefined;
}

function concatBytes(prefix: readonly number[], run: Uint8Array): Uint8Array {
  const joined = new Uint8Array(prefix.length + run.length);
  joined.set(prefix, 0);
  joined.set(run, prefix.length);
  return joined;
}
