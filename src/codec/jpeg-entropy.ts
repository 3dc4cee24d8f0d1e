// Entropy-coded segments of ISO 10918-1 (F.2.2 Huffman decoding, B.1.1.5 byte stuffing), shared by the
// DCT and lossless decoders.
import type { HuffmanTable } from './jpeg-header.js';

/** F.2.2.1 EXTEND: the signed value of `size` received bits. */
export function extend(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}

/** F.2.2.3 DECODE: one Huffman-coded value. */
export function decodeHuffman(reader: BitReader, table: HuffmanTable): number {
  let code = reader.bit();
  let length = 1;
  while (length <= 16 && code > table.maxCode[length]!) {
    code = (code << 1) | reader.bit();
    length++;
  }
  if (length > 16) return 0; // corrupt data: IJG warns and returns 0
  return table.values[code + table.valueOffset[length]!] ?? 0;
}

/** Entropy-coded data reader: removes 0xFF00 stuffing, feeds zeros at a marker (as IJG does), handles RSTn. */
export class BitReader {
  #position: number;
  #buffer = 0;
  #count = 0;
  #atMarker = false;

  constructor(private readonly data: Uint8Array, start: number) {
    this.#position = start;
  }

  bit(): number {
    if (this.#count === 0) this.#fill();
    this.#count--;
    return (this.#buffer >> this.#count) & 1;
  }

  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = (value << 1) | this.bit();
    return value;
  }

  restart(): void {
    this.#count = 0;
    this.#atMarker = false;
    const data = this.data;
    // Skip to and past the RSTn marker.
    while (this.#position + 1 < data.length) {
      if (data[this.#position] === 0xff && data[this.#position + 1]! >= 0xd0 && data[this.#position + 1]! <= 0xd7) {
        this.#position += 2;
        return;
      }
      this.#position++;
    }
  }

  #fill(): void {
    const data = this.data;
    let byte = 0;
    if (!this.#atMarker && this.#position < data.length) {
      byte = data[this.#position]!;
      if (byte === 0xff) {
        const next = data[this.#position + 1];
        if (next === 0x00) this.#position += 2;
        else {
          this.#atMarker = true;
          byte = 0;
        }
      } else {
        this.#position++;
      }
    }
    this.#buffer = byte;
    this.#count = 8;
  }
}
