// SigV4 canonicalisation: the byte-exact pieces of the canonical request (wire contract §7 step 5).

/** `A-Z a-z 0-9 - _ . ~`: the only bytes SigV4 leaves unencoded (RFC 3986 "unreserved"). */
const UNRESERVED: readonly boolean[] = Array.from({ length: 128 }, (_, c) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
  c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e);

/** Precomputed `%XX` (upper-case hex, as SigV4 requires) so encoding never formats numbers. */
const PCT: readonly string[] = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

const SLASH = 0x2f;
const PERCENT = 0x25;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1; // also for NaN past the end of the string
}

/** Percent-encodes the UTF-8 bytes of one code point; lone surrogates become U+FFFD like Buffer.from does. */
function encodeCodePoint(cp: number): string {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x800) return PCT[0xc0 | (cp >> 6)] + PCT[0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return PCT[0xe0 | (cp >> 12)] + PCT[0x80 | ((cp >> 6) & 0x3f)] + PCT[0x80 | (cp & 0x3f)];
  return PCT[0xf0 | (cp >> 18)] + PCT[0x80 | ((cp >> 12) & 0x3f)] + PCT[0x80 | ((cp >> 6) & 0x3f)] + PCT[0x80 | (cp & 0x3f)];
}

/**
 * Percent-encodes every byte that is not unreserved (optionally keeping `/`), without decoding
 * first: applied to an already-encoded path this yields the double encoding SigV4 asks for.
 * Returns the input itself when nothing needs encoding (the common case).
 */
export function uriEncode(value: string, keepSlash: boolean): string {
  let out = '';
  let start = 0; // copy unchanged runs as slices instead of char by char
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80 && (UNRESERVED[c] || (keepSlash && c === SLASH))) continue;
    out += value.slice(start, i);
    if (c < 0x80) {
      out += PCT[c];
    } else {
      const cp = value.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out += encodeCodePoint(cp);
    }
    start = i + 1;
  }
  return start === 0 ? value : out + value.slice(start);
}

/**
 * Percent-decodes a query key or value and re-encodes it the SigV4 way, in one pass and at the
 * byte level (so `%7e` -> `~`, `%3a` -> `%3A`, a raw space -> `%20`). `+` is a literal plus, as in
 * every AWS signer; a `%` not followed by two hex digits is kept as a literal `%` (`%25`).
 */
export function recodeComponent(raw: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x80 && UNRESERVED[c]) continue;
    out += raw.slice(start, i);
    if (c === PERCENT) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(raw.charCodeAt(i + 2));
      if (lo >= 0) {
        const b = (hi << 4) | lo;
        out += b < 0x80 && UNRESERVED[b] ? String.fromCharCode(b) : PCT[b];
        i += 2;
        start = i + 1;
        continue;
      }
    }
    if (c < 0x80) {
      out += PCT[c];
    } else {
      const cp = raw.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out += encodeCodePoint(cp);
    }
    start = i + 1;
  }
  return start === 0 ? raw : out + raw.slice(start);
}

/** Paths that need no dot-segment work: start with `/`, no `//`, no `.` or `..` segment. */
const NEEDS_PATH_NORMALISATION = /^(?!\/)|\/\/|\/\.\.?(?:\/|$)/;

/**
 * Canonical URI: dot segments and empty segments removed (trailing `/` kept), then every byte
 * but unreserved and `/` percent-encoded — the same as JS `getCanonicalPath` and botocore.
 */
export function canonicalUri(rawPath: string): string {
  if (!NEEDS_PATH_NORMALISATION.test(rawPath)) return uriEncode(rawPath, true);
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return uriEncode(`/${segments.join('/')}${trailing}`, true);
}

export interface QueryParam {
  /** Key in canonical (re-encoded) form. */
  key: string;
  /** Value in canonical (re-encoded) form. */
  value: string;
  /** Value exactly as received, for the few parameters the verifier reads. */
  rawValue: string;
}

/** Splits a raw query (no `?`) into pairs; empty pieces (`a=1&&b=2`) carry nothing and are skipped. */
export function parseQuery(rawQuery: string): QueryParam[] {
  if (rawQuery === '') return [];
  const params: QueryParam[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
    params.push({ key: recodeComponent(rawKey), value: recodeComponent(rawValue), rawValue });
  }
  return params;
}

function compareParams(a: QueryParam, b: QueryParam): number {
  // Canonical keys and values are ASCII, so code-unit order is byte order.
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/** Canonical query: pairs sorted by key then value, `k=v` joined with `&`; `excludeKey` is dropped (case-insensitive). */
export function canonicalQueryString(params: readonly QueryParam[], excludeKey?: string): string {
  if (params.length === 0) return '';
  const excluded = excludeKey?.toLowerCase();
  const kept = excluded === undefined
    ? params.slice()
    : params.filter((p) => p.key.length !== excluded.length || p.key.toLowerCase() !== excluded);
  kept.sort(compareParams);
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i];
    out += i === 0 ? `${p.key}=${p.value}` : `&${p.key}=${p.value}`;
  }
  return out;
}

/** Only these cases need the regex rewrite; most header values pass through untouched. */
const NEEDS_TRIM = /^[ \t]|[ \t]$|[ \t]{2}|\t/;

function trimAll(value: string): string {
  if (!NEEDS_TRIM.test(value)) return value;
  const collapsed = value.replace(/[ \t]+/g, ' ');
  const from = collapsed.charCodeAt(0) === 0x20 ? 1 : 0;
  const to = collapsed.length > from && collapsed.charCodeAt(collapsed.length - 1) === 0x20 ? collapsed.length - 1 : collapsed.length;
  return collapsed.slice(from, to);
}

/** Canonical header value: trimmed, inner space/tab runs collapsed, repeated values joined with `,`. */
export function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return trimAll(value);
  return value.map(trimAll).join(',');
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `yyyymmddThhmmssZ` to ms since epoch; undefined unless it is a real calendar instant. */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over into March; a round trip catches such values.
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day ||
      d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second) {
    return undefined;
  }
  return ms;
}

/** Formats ms since epoch as `yyyymmddThhmmssZ` (sub-second part dropped). */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}
