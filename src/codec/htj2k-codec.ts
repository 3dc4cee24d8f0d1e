// HTJ2K (ISO/IEC 15444-15) with OpenJPH: the stored-frame encoder of behavior.md §9 and its decoder.
import { FrameTranscodeError } from './frame-transcode-error.js';
import { joinComponentCodestreams } from './j2k-codestream.js';
import { componentPlane, decompositionsFor, sizeAtLevel, type DecodedImage, type SampleImage } from './sample-image.js';
import { copyOut, openJph, using } from './wasm-modules.js';

const RPCL = 2;

/** A stored codestream and how to read it back (at a resolution level) for verification and checksums. */
export interface EncodedFrame {
  readonly codestream: Uint8Array;
  decode(level: number): Promise<DecodedImage>;
}

/**
 * Lossless HTJ2K for 1.2.840.10008.1.2.4.202: reversible 5/3, RPCL, 64x64 code-blocks, one tile, one layer,
 * one tile-part per resolution listed in a TLM marker, N decompositions so the base level is <= 64 px,
 * RCT when `useColorTransform`; a raw codestream.
 */
export async function encodeHtj2k(image: SampleImage, useColorTransform: boolean): Promise<EncodedFrame> {
  const isRct = useColorTransform && image.components === 3;
  if (image.components > 1 && (image.bytesPerSample > 1 || !isRct)) {
    // OpenJPH's JS binding handles several components only as 8-bit RCT: it reads 16-bit input as if it had one
    // component (every component gets the first plane), and without RCT it places decoded lines wrongly (at
    // reduced resolutions for 8-bit, always for 16-bit). So such images are encoded one component at a time
    // and joined without a colour transform (also checked with ojph_expand and opj_decompress in the tests). Reading
    // back decodes the joined codestream itself, the bytes that are stored.
    const parts: Uint8Array[] = [];
    for (let c = 0; c < image.components; c++) parts.push(await encodeOne(componentPlane(image, c), false));
    const codestream = joinComponentCodestreams(parts);
    return { codestream, decode: (level) => decodeHtj2k(codestream, level) };
  }
  const codestream = await encodeOne(image, isRct);
  return { codestream, decode: (level) => decodeHtj2k(codestream, level) };
}

function encodeOne(image: SampleImage, useColorTransform: boolean): Promise<Uint8Array> {
  return openJph.use((module) =>
    using(new module.HTJ2KEncoder(), (encoder) => {
      const input = encoder.getDecodedBuffer({
        width: image.width,
        height: image.height,
        bitsPerSample: image.precision,
        componentCount: image.components,
        isSigned: image.isSigned,
        isUsingColorTransform: useColorTransform,
      });
      if (input.length !== image.bytes.length) {
        throw new FrameTranscodeError(`HTJ2K encoder expects ${input.length} bytes, frame has ${image.bytes.length}`);
      }
      input.set(image.bytes);
      encoder.setQuality(true, 0);
      encoder.setDecompositions(decompositionsFor(image.width, image.height));
      encoder.setProgressionOrder(RPCL);
      encoder.setBlockDimensions({ width: 64, height: 64 });
      encoder.setTLMMarker(true);
      encoder.setTilePartDivisionsAtResolutions(true);
      encoder.encode();
      return copyOut(encoder.getEncodedBuffer());
    }),
  );
}


/** Decodes with OpenJPH, skipping the top `level` resolution levels (0 = full resolution). */
export function decodeHtj2k(codestream: Uint8Array, level = 0): Promise<DecodedImage> {
  return openJph.use((module) =>
    using(new module.HTJ2KDecoder(), (decoder) => {
      decoder.getEncodedBuffer(codestream.length).set(codestream);
      decoder.readHeader();
      const decompositions = decoder.getNumDecompositions();
      if (level > decompositions) throw new FrameTranscodeError(`Codestream has ${decompositions} decompositions, level ${level} asked`);
      if (level > 0) decoder.decodeSubResolution(level);
      else decoder.decode();
      const info = decoder.getFrameInfo();
      const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
      if (info.bitsPerSample > 16) throw new FrameTranscodeError(`HTJ2K precision ${info.bitsPerSample} is above 16 bits`);
      const width = sizeAtLevel(info.width, level);
      const height = sizeAtLevel(info.height, level);
      const decoded = copyOut(decoder.getDecodedBuffer());
      if (decoded.length !== width * height * info.componentCount * bytesPerSample) {
        throw new FrameTranscodeError(`HTJ2K decoder returned ${decoded.length} bytes for ${width}x${height}x${info.componentCount}`);
      }
      const bytes =
        info.componentCount > 1 && info.isUsingColorTransform !== true
          ? fromPlanarPullOrder(decoded, width, height, info.componentCount, bytesPerSample)
          : decoded;
      return {
        bytes,
        width,
        height,
        components: info.componentCount,
        bytesPerSample,
        precision: info.bitsPerSample,
        isSigned: info.isSigned,
        decompositions,
      };
    }),
  );
}

/**
 * The OpenJPH JS binding (2.4.11) decodes a multi-component codestream without colour transform in planar mode, where
 * OpenJPH hands out every line of component 0, then of component 1, and so on, but the binding writes the k-th line it
 * pulls to row ⌊k/C⌋, component k mod C, as if they came interleaved. No line is lost, only misplaced: the k-th slot
 * holds line k mod H of component ⌊k/H⌋. This puts every line back (checked at every resolution level, 8 and 16 bits,
 * signed and unsigned, in htj2k-codec.test.ts, and against MANIFEST checksums over the corpus).
 */
export function fromPlanarPullOrder(scrambled: Uint8Array, width: number, height: number, components: number, bytesPerSample: number): Uint8Array {
  const out = new Uint8Array(scrambled.length);
  const sampleBytes = bytesPerSample;
  const rowBytes = width * components * sampleBytes;
  for (let k = 0; k < height * components; k++) {
    const fromRow = Math.floor(k / components);
    const fromComponent = k % components;
    const toComponent = Math.floor(k / height);
    const toRow = k % height;
    const from = fromRow * rowBytes + fromComponent * sampleBytes;
    const to = toRow * rowBytes + toComponent * sampleBytes;
    const step = components * sampleBytes;
    for (let x = 0; x < width; x++) {
      const a = from + x * step;
      const b = to + x * step;
      out[b] = scrambled[a]!;
      if (sampleBytes === 2) out[b + 1] = scrambled[a + 1]!;
    }
  }
  return out;
}
