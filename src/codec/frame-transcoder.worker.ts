// The codec pool's worker: runs transcodeFrame and answers with a plain object, so a failure crosses the
// thread boundary as data (error classes do not survive structured cloning) and never kills the worker.
import type { CanonicalFrame } from './decoded-frame.js';
import { decodeToCanonical, type SourceFrame } from './frame-decoder.js';
import { FrameTranscodeError, transcodeFrame, type TranscodeRequest, type TranscodeResult } from './frame-transcoder.js';

export type WorkerReply =
  | { readonly ok: true; readonly result: TranscodeResult }
  | { readonly ok: false; readonly message: string; readonly isTranscodeError: boolean };

export type DecodeReply =
  | { readonly ok: true; readonly result: CanonicalFrame }
  | { readonly ok: false; readonly message: string; readonly isTranscodeError: boolean };

/** A stored frame → canonical samples (DICOMweb's uncompressed responses); run by name from the same pool. */
export async function decode(request: SourceFrame): Promise<DecodeReply> {
  try {
    return { ok: true, result: await decodeToCanonical(request) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error), isTranscodeError: error instanceof FrameTranscodeError };
  }
}

export default async function runTranscode(request: TranscodeRequest): Promise<WorkerReply> {
  try {
    return { ok: true, result: await transcodeFrame(request) };
  } catch (error) {
    return {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      isTranscodeError: error instanceof FrameTranscodeError,
    };
  }
}
