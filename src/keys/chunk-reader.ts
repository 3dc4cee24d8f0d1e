// ChunkReader: exact-size reads from an async byte stream, zero-copy when a piece already holds them.

const EMPTY = new Uint8Array(0);

export class ChunkReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #scratch: Buffer = Buffer.alloc(0);
  #piece: Uint8Array = EMPTY;
  #offset = 0;
  #isDone = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /**
   * Up to `byteCount` bytes; fewer only at the end of the stream. The view is valid until the
   * next call (it may alias the source's piece or the reader's scratch buffer, which grows to
   * the largest read size: memory stays bounded by it).
   */
  async read(byteCount: number): Promise<Uint8Array> {
    if (this.#offset === this.#piece.byteLength && !(await this.#pull())) return EMPTY;
    if (this.#piece.byteLength - this.#offset >= byteCount) {
      const view = this.#piece.subarray(this.#offset, this.#offset + byteCount);
      this.#offset += byteCount;
      return view;
    }
    if (this.#scratch.length < byteCount) this.#scratch = Buffer.allocUnsafe(byteCount);
    let filled = 0;
    while (filled < byteCount) {
      if (this.#offset === this.#piece.byteLength && !(await this.#pull())) break;
      const take = Math.min(byteCount - filled, this.#piece.byteLength - this.#offset);
      this.#scratch.set(this.#piece.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#offset += take;
    }
    return this.#scratch.subarray(0, filled);
  }

  async isAtEnd(): Promise<boolean> {
    return this.#offset === this.#piece.byteLength && !(await this.#pull());
  }

  /** Releases the source early (e.g. its file handle) when the consumer stops before the end. */
  async close(): Promise<void> {
    if (this.#isDone) return;
    this.#isDone = true;
    await this.#iterator.return?.();
  }

  async #pull(): Promise<boolean> {
    while (!this.#isDone) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#isDone = true;
        break;
      }
      if (next.value.byteLength > 0) {
        this.#piece = next.value;
        this.#offset = 0;
        return true;
      }
    }
    this.#piece = EMPTY;
    this.#offset = 0;
    return false;
  }
}
