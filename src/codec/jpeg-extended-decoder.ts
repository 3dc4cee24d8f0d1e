// JPEG Extended 12-bit (ISO 10918-1 process 4, Huffman sequential DCT) for one component, which the 8-bit
// libjpeg-turbo build cannot read. Bit-exact with IJG libjpeg's 12-bit build (what dcmtk's dcmdjpeg uses):
// the same "islow" integer IDCT (jidctint.c: CONST_BITS 13, PASS1_BITS 1) and range-limit table (jdmaster.c).
import { FrameTranscodeError } from './frame-transcode-error.js';
import { BitReader, decodeHuffman, extend } from './jpeg-entropy.js';
import { readJpegHeader, type JpegHeader } from './jpeg-header.js';

const CONST_BITS = 13;
const PASS1_BITS = 1;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Decodes a single-component 12-bit sequential Huffman JPEG to 16-bit little-endian samples. */
export function decodeJpegExtended12(data: Uint8Array): { samples: Uint16Array; header: JpegHeader } {
  const header = readJpegHeader(data);
  const { precision, width, height, components, scans } = header;
  if (header.process !== 'baseline' && header.process !== 'extended') {
    throw new FrameTranscodeError(`JPEG ${header.process} process is not supported for 12-bit data`);
  }
  if (components.length !== 1) throw new FrameTranscodeError(`12-bit JPEG with ${components.length} components is not supported`);
  if (scans.length !== 1) throw new FrameTranscodeError(`12-bit JPEG with ${scans.length} scans is not supported`);
  const scan = scans[0]!;
  const component = components[0]!;
  const quant = header.quantTables[component.quantTable];
  const dcTable = scan.tables.get(scan.components[0]!.dcTable * 2);
  const acTable = scan.tables.get(scan.components[0]!.acTable * 2 + 1);
  if (!quant || !dcTable || !acTable) throw new FrameTranscodeError('JPEG tables missing');

  const maxSample = (1 << precision) - 1;
  const center = 1 << (precision - 1);
  const rangeMask = maxSample * 4 + 3;
  const blocksWide = Math.ceil(width / 8);
  const blocksHigh = Math.ceil(height / 8);
  const out = new Uint16Array(width * height);
  const reader = new BitReader(data, scan.dataStart);
  const coefficients = new Int32Array(64);
  const workspace = new Float64Array(64);
  let predictor = 0;
  let untilRestart = scan.restartInterval;

  for (let by = 0; by < blocksHigh; by++) {
    for (let bx = 0; bx < blocksWide; bx++) {
      if (scan.restartInterval > 0) {
        if (untilRestart === 0) {
          reader.restart();
          predictor = 0;
          untilRestart = scan.restartInterval;
        }
        untilRestart--;
      }
      coefficients.fill(0);
      const s = decodeHuffman(reader, dcTable);
      predictor += s === 0 ? 0 : extend(reader.bits(s), s);
      coefficients[0] = predictor * quant[0]!;
      for (let k = 1; k < 64; ) {
        const rs = decodeHuffman(reader, acTable);
        const r = rs >> 4;
        const size = rs & 15;
        if (size === 0) {
          if (r !== 15) break; // EOB
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) break;
        const natural = ZIGZAG[k]!;
        coefficients[natural] = extend(reader.bits(size), size) * quant[natural]!;
        k++;
      }
      idctIslow(coefficients, workspace, out, bx * 8, by * 8, width, height, center, maxSample, rangeMask);
    }
  }
  return { samples: out, header };
}


const descale = (x: number, n: number): number => Math.floor((x + 2 ** (n - 1)) / 2 ** n);

/** jidctint.c jpeg_idct_islow, with IJG's 64-bit INT32 (long) arithmetic reproduced by doubles (exact below 2^53). */
function idctIslow(
  input: Int32Array,
  ws: Float64Array,
  out: Uint16Array,
  x0: number,
  y0: number,
  width: number,
  height: number,
  center: number,
  maxSample: number,
  rangeMask: number,
): void {
  for (let c = 0; c < 8; c++) {
    let z2 = input[16 + c]!;
    let z3 = input[48 + c]!;
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = input[c]!;
    z3 = input[32 + c]!;
    let tmp0 = (z2 + z3) * 2 ** CONST_BITS;
    let tmp1 = (z2 - z3) * 2 ** CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    [tmp0, tmp1, tmp2, tmp3] = odd(input[56 + c]!, input[40 + c]!, input[24 + c]!, input[8 + c]!);
    const n = CONST_BITS - PASS1_BITS;
    ws[c] = descale(tmp10 + tmp3, n);
    ws[56 + c] = descale(tmp10 - tmp3, n);
    ws[8 + c] = descale(tmp11 + tmp2, n);
    ws[48 + c] = descale(tmp11 - tmp2, n);
    ws[16 + c] = descale(tmp12 + tmp1, n);
    ws[40 + c] = descale(tmp12 - tmp1, n);
    ws[24 + c] = descale(tmp13 + tmp0, n);
    ws[32 + c] = descale(tmp13 - tmp0, n);
  }
  const limit = (x: number): number => {
    // jdmaster.c prepare_range_limit_table: index (x & RANGE_MASK) of the post-IDCT table.
    let t = x & rangeMask;
    if (t >= 2 * (maxSample + 1)) t -= 4 * (maxSample + 1);
    const v = t + center;
    return v < 0 ? 0 : v > maxSample ? maxSample : v;
  };
  for (let r = 0; r < 8; r++) {
    const y = y0 + r;
    const row = r * 8;
    const z2a = ws[row + 2]!;
    const z3a = ws[row + 6]!;
    const z1 = (z2a + z3a) * FIX_0_541196100;
    const tmp2e = z1 + z3a * -FIX_1_847759065;
    const tmp3e = z1 + z2a * FIX_0_765366865;
    const tmp0e = (ws[row]! + ws[row + 4]!) * 2 ** CONST_BITS;
    const tmp1e = (ws[row]! - ws[row + 4]!) * 2 ** CONST_BITS;
    const tmp10 = tmp0e + tmp3e;
    const tmp13 = tmp0e - tmp3e;
    const tmp11 = tmp1e + tmp2e;
    const tmp12 = tmp1e - tmp2e;
    const [tmp0, tmp1, tmp2, tmp3] = odd(ws[row + 7]!, ws[row + 5]!, ws[row + 3]!, ws[row + 1]!);
    if (y >= height) continue;
    const n = CONST_BITS + PASS1_BITS + 3;
    const values = [
      tmp10 + tmp3,
      tmp11 + tmp2,
      tmp12 + tmp1,
      tmp13 + tmp0,
      tmp13 - tmp0,
      tmp12 - tmp1,
      tmp11 - tmp2,
      tmp10 - tmp3,
    ];
    for (let c = 0; c < 8; c++) {
      const x = x0 + c;
      if (x < width) out[y * width + x] = limit(descale(values[c]!, n));
    }
  }
}

/** The odd part shared by both passes of jpeg_idct_islow. */
function odd(t0: number, t1: number, t2: number, t3: number): [number, number, number, number] {
  let z1 = t0 + t3;
  let z2 = t1 + t2;
  let z3 = t0 + t2;
  let z4 = t1 + t3;
  const z5 = (z3 + z4) * FIX_1_175875602;
  let tmp0 = t0 * FIX_0_298631336;
  let tmp1 = t1 * FIX_2_053119869;
  let tmp2 = t2 * FIX_3_072711026;
  let tmp3 = t3 * FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 *= -FIX_1_961570560;
  z4 *= -FIX_0_390180644;
  z3 += z5;
  z4 += z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  return [tmp0, tmp1, tmp2, tmp3];
}
