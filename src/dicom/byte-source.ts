// ByteSource: random access to the bytes of one object (a file, a buffer), so readers never need the whole object in memory.
import { open } from 'node:fs/promises';

export interface ByteSource {
  readonly sizeBytes: number;
  /** Exactly `length` bytes starting at `offset`; a range outside [0, sizeBytes) is a RangeError. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

function checkRange(sizeBytes: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > sizeBytes) {
    throw new RangeError(`Byte range ${offset}+${length} is outside the source (${sizeBytes} bytes)`);
  }
}

/** Positioned reads on one open file handle; the size is taken when the file is opened. */
export async function fileByteSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  let sizeBytes: number;
  try {
    sizeBytes = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let isClosed = false;
  return {
    sizeBytes,
    async read(offset, length) {
      checkRange(sizeBytes, offset, length);
      const buffer = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was being read (wanted byte ${offset + length}, it ends at ${offset + filled})`);
        filled += bytesRead;
      }
      return buffer;
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await handle.close();
    },
  };
}

/** A source over bytes already in memory; reads return copies, so callers may keep or modify them. */
export function bufferByteSource(buffer: Buffer): ByteSource {
  return {
    sizeBytes: buffer.length,
    async read(offset, length) {
      checkRange(buffer.length, offset, length);
      return Buffer.from(buffer.subarray(offset, offset + length));
    },
    async close() {},
  };
}
