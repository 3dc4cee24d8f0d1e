// The Image Pixel Module attributes (PS3.3 C.7.6.3) a frame codec needs, and the rules derived from them.
import type { DicomJsonDataset } from '../dicom/index.js';
import { FrameTranscodeError } from './frame-transcode-error.js';

export interface PixelDescription {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  readonly pixelRepresentation: 0 | 1;
  readonly photometricInterpretation: string;
  readonly planarConfiguration: 0 | 1 | undefined;
}

/** Bytes per sample of the canonical (CRC32) buffer: ceil(BitsAllocated / 8); BitsAllocated 1 unpacks to 1 byte. */
export function canonicalBytesPerSample(pixel: PixelDescription): 1 | 2 | 4 {
  if (pixel.bitsAllocated <= 8) return 1;
  if (pixel.bitsAllocated <= 16) return 2;
  return 4;
}

export function samplesPerFrame(pixel: PixelDescription): number {
  return pixel.rows * pixel.columns * pixel.samplesPerPixel;
}

export function canonicalFrameBytes(pixel: PixelDescription): number {
  return samplesPerFrame(pixel) * canonicalBytesPerSample(pixel);
}

/** Rejects attribute combinations no codec can interpret (the corpus' `expect: reject` files). */
export function assertValidPixelDescription(pixel: PixelDescription): void {
  const { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, highBit, pixelRepresentation } = pixel;
  const invalid = (why: string): never => {
    throw new FrameTranscodeError(`Invalid pixel attributes: ${why}`);
  };
  if (!Number.isInteger(rows) || rows < 1 || rows > 65535) invalid(`Rows ${rows}`);
  if (!Number.isInteger(columns) || columns < 1 || columns > 65535) invalid(`Columns ${columns}`);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) invalid(`SamplesPerPixel ${samplesPerPixel} (1 or 3 supported)`);
  if (![1, 8, 16, 32].includes(bitsAllocated)) invalid(`BitsAllocated ${bitsAllocated} (1, 8, 16 or 32)`);
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > bitsAllocated) {
    invalid(`BitsStored ${bitsStored} with BitsAllocated ${bitsAllocated}`);
  }
  if (!Number.isInteger(highBit) || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    invalid(`HighBit ${highBit} with BitsStored ${bitsStored} and BitsAllocated ${bitsAllocated}`);
  }
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) invalid(`PixelRepresentation ${String(pixelRepresentation)}`);
  if (bitsAllocated === 1 && samplesPerPixel !== 1) invalid('BitsAllocated 1 needs SamplesPerPixel 1');
}

/**
 * The pixel description of a parsed data set (DICOM JSON). Missing BitsStored/HighBit default to BitsAllocated
 * and BitsStored - 1; a missing Rows, Columns or BitsAllocated is an error (nothing to decode).
 */
export function pixelDescriptionOf(dataset: DicomJsonDataset): PixelDescription {
  const number = (tag: string): number | undefined => {
    const value = dataset[tag]?.Value?.[0];
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const required = (tag: string, keyword: string): number => {
    const value = number(tag);
    if (value === undefined) throw new FrameTranscodeError(`Invalid pixel attributes: ${keyword} is missing`);
    return value;
  };
  const bitsAllocated = required('00280100', 'BitsAllocated');
  const bitsStored = number('00280101') ?? bitsAllocated;
  const photometric = dataset['00280004']?.Value?.[0];
  const planar = number('00280006');
  return {
    rows: required('00280010', 'Rows'),
    columns: required('00280011', 'Columns'),
    samplesPerPixel: number('00280002') ?? 1,
    bitsAllocated,
    bitsStored,
    highBit: number('00280102') ?? bitsStored - 1,
    pixelRepresentation: number('00280103') === 1 ? 1 : 0,
    photometricInterpretation: typeof photometric === 'string' ? photometric.trim() : '',
    planarConfiguration: planar === 1 ? 1 : planar === 0 ? 0 : undefined,
  };
}
