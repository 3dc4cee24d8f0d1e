// The codec worker pool (piscina): transcodeFrame on worker threads, one per core by default, with a bounded
// queue — transcode() waits for a free slot instead of letting a fast reader pile frames up in memory.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { FrameTranscodeError, type TranscodeRequest, type TranscodeResult } from './frame-transcoder.js';
import type { CanonicalFrame } from './decoded-frame.js';
import type { SourceFrame } from './frame-decoder.js';
import type { DecodeReply, WorkerReply } from './frame-transcoder.worker.js';

export interface CodecPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly threads?: number;
  /** Frames allowed to wait for a thread; transcode() awaits when they are all taken. Default 2 per thread. */
  readonly maxQueue?: number;
  /** A frame still running after this long fails and its worker is replaced (a codec stuck on bad data). Default 5 min. */
  readonly frameTimeoutMs?: number;
}

export class CodecPool {
  readonly #pool: Piscina<TranscodeRequest | SourceFrame, WorkerReply | DecodeReply>;
  readonly #capacity: number;
  readonly #frameTimeoutMs: number;
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;
  #isClosed = false;

  constructor(options: CodecPoolOptions = {}) {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const maxQueue = Math.max(0, options.maxQueue ?? threads * 2);
    this.#capacity = threads + maxQueue;
    this.#frameTimeoutMs = options.frameTimeoutMs ?? 300_000;
    this.#pool = new Piscina({
      filename: new URL('./frame-transcoder.worker.js', import.meta.url).href,
      // Workers start on first use: a server that never imports never loads the codecs, and stopping right after start
      // cannot catch a worker half-way through loading its module (which aborts Node 20).
      minThreads: 0,
      maxThreads: threads,
      maxQueue: this.#capacity,
      idleTimeout: 60_000,
    });
  }

  /** Frames being transcoded or waiting for a thread (not counting callers blocked in transcode()). */
  get pendingFrames(): number {
    return this.#inFlight;
  }

  /** Callers blocked in transcode() because the queue is full. */
  get waitingCallers(): number {
    return this.#waiting.length;
  }

  async transcode(request: TranscodeRequest): Promise<TranscodeResult> {
    return ((await this.#run(detached(request), undefined)) as Extract<WorkerReply, { ok: true }>).result;
  }

  /** A stored frame decoded to canonical samples on a worker thread, under the same bounded queue as transcoding. */
  async decode(request: SourceFrame): Promise<CanonicalFrame> {
    return ((await this.#run(detached(request as TranscodeRequest), 'decode')) as Extract<DecodeReply, { ok: true }>).result;
  }

  /** One frame through a worker export (`name`, default: transcode), under the bounded queue and the frame timeout. */
  async #run(task: TranscodeRequest | SourceFrame, name: string | undefined): Promise<WorkerReply | DecodeReply> {
    if (this.#isClosed) throw new Error('CodecPool is closed');
    await this.#acquire();
    let reply: WorkerReply | DecodeReply;
    try {
      // The timer starts when the frame is accepted: queue time counts, which is fine for a limit meant to catch hangs.
      reply = await this.#pool.run(task, { ...(name !== undefined ? { name } : {}), signal: AbortSignal.timeout(this.#frameTimeoutMs) });
    } catch (error) {
      // The worker died (e.g. out of memory) or the frame timed out; piscina replaces the worker. The frame failed.
      const detail = error instanceof Error ? error.message : String(error);
      throw new FrameTranscodeError(`Codec worker failed: ${detail}`, { cause: error });
    } finally {
      this.#release();
    }
    if (!reply.ok) throw reply.isTranscodeError ? new FrameTranscodeError(reply.message) : new Error(reply.message);
    return reply;
  }

  /** Finishes the frames already accepted, then stops the threads. */
  async close(): Promise<void> {
    this.#isClosed = true;
    await this.#pool.close();
  }

  #acquire(): Promise<void> {
    if (this.#inFlight < this.#capacity) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve)); // the slot is handed over in #release
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#inFlight--;
  }
}

/**
 * Structured cloning copies a view's whole ArrayBuffer; a frame cut from a larger read buffer is copied to its
 * own buffer first, so only the frame crosses to the worker.
 */
function detached(request: TranscodeRequest): TranscodeRequest {
  const { frame } = request;
  if (frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength) return request;
  return { ...request, frame: new Uint8Array(frame) }; // a copy (Buffer#slice would share memory)
}
