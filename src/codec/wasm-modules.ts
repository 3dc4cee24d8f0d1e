// The home of the WASM codec packages: loads each Emscripten module once per thread, types the embind classes
// we use, captures the codecs' console output for error messages, and drops a module after a WASM abort.
import { createRequire } from 'node:module';
import { FrameTranscodeError } from './frame-transcode-error.js';

const require = createRequire(import.meta.url);

/** An embind object: lives in WASM memory until delete() is called (never rely on GC). */
export interface EmbindObject {
  delete(): void;
}

export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform?: boolean;
}

export interface HTJ2KEncoder extends EmbindObject {
  getDecodedBuffer(frameInfo: WasmFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions(decompositions: number): void;
  setTLMMarker(enabled: boolean): void;
  setTilePartDivisionsAtResolutions(enabled: boolean): void;
  setTilePartDivisionsAtComponents(enabled: boolean): void;
  setQuality(lossless: boolean, quantizationStep: number): void;
  /** 0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL */
  setProgressionOrder(order: number): void;
  setBlockDimensions(size: { width: number; height: number }): void;
}

export interface HTJ2KDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  readHeader(): void;
  decode(): void;
  /** Skips the top `level` resolution levels (0 = full resolution). */
  decodeSubResolution(level: number): void;
  getFrameInfo(): WasmFrameInfo;
  getNumDecompositions(): number;
}

export interface J2KEncoder extends EmbindObject {
  getDecodedBuffer(frameInfo: WasmFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions(decompositions: number): void;
  setQuality(lossless: boolean, layers: number): void;
  setCompressionRatio(layer: number, ratio: number): void;
  setProgressionOrder(order: number): void;
  setBlockDimensions(size: { width: number; height: number }): void;
}

export interface J2KDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  decodeSubResolution(level: number, layer: number): void;
  getFrameInfo(): WasmFrameInfo;
  getNumDecompositions(): number;
  getColorSpace(): number;
}

export interface JpegLSDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  /** 0 none (planar), 1 line, 2 sample */
  getInterleaveMode(): number;
  getNearLossless(): number;
}

export interface JPEGDecoder extends EmbindObject {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
}

interface OpenJphModule {
  HTJ2KEncoder: new () => HTJ2KEncoder;
  HTJ2KDecoder: new () => HTJ2KDecoder;
}
interface OpenJpegModule {
  J2KEncoder: new () => J2KEncoder;
  J2KDecoder: new () => J2KDecoder;
}
interface CharlsModule {
  JpegLSDecoder: new () => JpegLSDecoder;
}
interface LibJpegTurboModule {
  JPEGDecoder: new () => JPEGDecoder;
}

interface ModuleOverrides {
  print(text: string): void;
  printErr(text: string): void;
}
type EmscriptenFactory<M> = (overrides: ModuleOverrides) => Promise<M>;

/** One lazily instantiated Emscripten module; `use` runs work with it and reports its console output on failure. */
class WasmModule<M> {
  #instance: Promise<M> | undefined;
  #messages: string[] = [];

  constructor(private readonly specifier: string) {}

  async use<T>(work: (module: M) => T): Promise<T> {
    const module = await this.#load();
    this.#messages = [];
    try {
      return work(module);
    } catch (error) {
      if (error instanceof FrameTranscodeError) throw error;
      // An abort leaves the module unusable; a C++ exception arrives as a bare pointer number.
      if (error instanceof Error && error.name === 'RuntimeError') this.#instance = undefined; // WebAssembly.RuntimeError
      const said = this.#messages.join(' ').trim();
      const detail = typeof error === 'number' ? 'codec exception' : error instanceof Error ? error.message : String(error);
      throw new WasmCodecError(said ? `${detail}: ${said}` : detail, { cause: error });
    }
  }

  /** Console lines the codec printed during the last `use` (OpenJPEG reports failures only this way). */
  get messages(): readonly string[] {
    return this.#messages;
  }

  #load(): Promise<M> {
    if (!this.#instance) {
      const factory = require(this.specifier) as EmscriptenFactory<M>;
      const keep = (text: string): void => {
        if (this.#messages.length < 20) this.#messages.push(text);
      };
      const instance = factory({ print: keep, printErr: keep });
      instance.catch(() => {
        if (this.#instance === instance) this.#instance = undefined;
      });
      this.#instance = instance;
    }
    return this.#instance;
  }
}

/** A codec failed inside WASM; frame-transcoder turns it into a FrameTranscodeError with context. */
export class WasmCodecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmCodecError';
  }
}

export const openJph = new WasmModule<OpenJphModule>('@cornerstonejs/codec-openjph');
export const openJpeg = new WasmModule<OpenJpegModule>('@cornerstonejs/codec-openjpeg/wasmjs');
export const charls = new WasmModule<CharlsModule>('@cornerstonejs/codec-charls/decodewasmjs');
export const libJpegTurbo = new WasmModule<LibJpegTurboModule>('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs');

/** Runs work with a fresh embind object and always deletes it, so WASM memory is returned. */
export function using<O extends EmbindObject, T>(object: O, work: (object: O) => T): T {
  try {
    return work(object);
  } finally {
    object.delete();
  }
}

/** Copies a typed_memory_view out of WASM memory (the view dies when memory grows or the object is deleted). */
export function copyOut(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}
