// JPEG 2000 Part 1 (and HTJ2K decoding) with OpenJPEG: source frames of .90/.91/.92/.93, the
// JPEG_2000_LOSSLESS storage format, and the reference decoder of the corpus for HTJ2K.
import { FrameTranscodeError } from './frame-transcode-error.js';
import type { EncodedFrame } from './htj2k-codec.js';
import { decompositionsFor, sizeAtLevel, type DecodedImage, type SampleImage } from './sample-image.js';
import { copyOut, openJpeg, using } from './wasm-modules.js';

const RPCL = 2;

/** Lossless JPEG 2000 (reversible 5/3, RPCL, RCT for colour, one layer) for 1.2.840.10008.1.2.4.90 stores. */
export async function encodeJpeg2000(image: SampleImage): Promise<EncodedFrame> {
  if (image.components > 1 && image.bytesPerSample > 1) {
    // The JS binding copies multi-component input wider than 8 bits into the first component only.
    throw new FrameTranscodeError('JPEG 2000 encoding of colour samples wider than 8 bits is not supported');
  }
  const codestream = await openJpeg.use((module) =>
    using(new module.J2KEncoder(), (encoder) => {
      const input = encoder.getDecodedBuffer({
        width: image.width,
        height: image.height,
        bitsPerSample: image.precision,
        componentCount: image.components,
        isSigned: image.isSigned,
      });
      if (input.length !== image.bytes.length) {
        throw new FrameTranscodeError(`JPEG 2000 encoder expects ${input.length} bytes, frame has ${image.bytes.length}`);
      }
      input.set(image.bytes);
      encoder.setQuality(true, 1);
      encoder.setCompressionRatio(0, 0); // rate 0 = keep every pass (lossless)
      encoder.setDecompositions(decompositionsFor(image.width, image.height));
      encoder.setProgressionOrder(RPCL);
      encoder.setBlockDimensions({ width: 64, height: 64 });
      encoder.encode();
      const output = copyOut(encoder.getEncodedBuffer());
      if (output.length === 0) throw new FrameTranscodeError('JPEG 2000 encoder produced nothing');
      return output;
    }),
  );
  return { codestream, decode: (level) => decodeJpeg2000(codestream, level) };
}

/**
 * Decodes a J2K codestream (or a JP2 file, which some writers put in DICOM) with OpenJPEG, which also applies
 * the inverse RCT/ICT and converts subsampled YCC to RGB. The binding reports failures only on its console
 * and returns an empty buffer, so the output size is checked here.
 */
export function decodeJpeg2000(codestream: Uint8Array, level = 0): Promise<DecodedImage> {
  return openJpeg.use((module) =>
    using(new module.J2KDecoder(), (decoder) => {
      decoder.getEncodedBuffer(codestream.length).set(codestream);
      if (level > 0) decoder.decodeSubResolution(level, 0);
      else decoder.decode();
      const info = decoder.getFrameInfo();
      const failure = openJpeg.messages.filter((m) => m.includes('[ERROR]')).join(' ');
      if (info.width === 0 || failure) throw new FrameTranscodeError(`JPEG 2000 decoding failed: ${failure || 'no image'}`);
      if (info.bitsPerSample > 16) throw new FrameTranscodeError(`JPEG 2000 precision ${info.bitsPerSample} is above 16 bits`);
      if (info.componentCount > 1 && info.bitsPerSample > 8) {
        throw new FrameTranscodeError('JPEG 2000 decoding of colour samples wider than 8 bits is not supported');
      }
      if (info.componentCount !== 1 && info.componentCount !== 3) {
        throw new FrameTranscodeError(`JPEG 2000 codestream has ${info.componentCount} components`);
      }
      const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
      const width = sizeAtLevel(info.width, level);
      const height = sizeAtLevel(info.height, level);
      const bytes = copyOut(decoder.getDecodedBuffer());
      if (bytes.length !== width * height * info.componentCount * bytesPerSample) {
        throw new FrameTranscodeError(`JPEG 2000 decoder returned ${bytes.length} bytes for ${width}x${height}x${info.componentCount}`);
      }
      return {
        bytes,
        width,
        height,
        components: info.componentCount,
        bytesPerSample,
        precision: info.bitsPerSample,
        isSigned: info.isSigned,
        decompositions: decoder.getNumDecompositions(),
      };
    }),
  );
}
