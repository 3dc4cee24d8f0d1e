// The items of encapsulated Pixel Data (PS3.5 §A.4): reads the 8-byte item headers, seeking over the fragment payloads.
import type { ByteSource } from './byte-source.js';
import { DicomParseError, formatTag } from './dicom-parse-error.js';
import type { Fragment } from './pixel-data-location.js';

const UNDEFINED_LENGTH = 0xffffffff;
const HEAD_BYTES = 8;
/** After a small fragment the next headers are probably close: read ahead this much instead of one header at a time. */
const READ_AHEAD_BYTES = 64 * 1024;
const SMALL_FRAGMENT_BYTES = 16 * 1024;

export interface EncapsulatedItems {
  readonly basicOffsetTable: Buffer;
  readonly fragments: readonly Fragment[];
  /** First byte after the Sequence Delimitation Item. */
  readonly endOffset: number;
}

/** Header bytes at a position, served from a small read-ahead window so runs of small fragments cost one read. */
class HeaderReader {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly source: ByteSource) {}

  async at(offset: number, wanted: number, readAhead: number): Promise<Buffer> {
    const available = Math.max(0, Math.min(wanted, this.source.sizeBytes - offset));
    const start = offset - this.windowStart;
    if (start >= 0 && start + available <= this.window.length) return this.window.subarray(start, start + available);
    this.window = await this.source.read(offset, Math.min(this.source.sizeBytes - offset, Math.max(wanted, readAhead)));
    this.windowStart = offset;
    return this.window.subarray(0, available);
  }
}

export async function readEncapsulatedItems(source: ByteSource, valueOffset: number, maxTableBytes: number): Promise<EncapsulatedItems> {
  const size = source.sizeBytes;
  const reader = new HeaderReader(source);
  let pos = valueOffset;
  const first = await reader.at(pos, 8, 16);
  if (first.length < 8) throw new DicomParseError(`The file ends inside the encapsulated Pixel Data at byte ${pos}`, pos);
  if (first.readUInt16LE(0) !== 0xfffe || first.readUInt16LE(2) !== 0xe000) {
    throw new DicomParseError(`Encapsulated Pixel Data at byte ${pos} does not start with an item (the Basic Offset Table) but with ${formatTag(first.readUInt16LE(0), first.readUInt16LE(2))}`, pos);
  }
  const tableLength = first.readUInt32LE(4);
  if (tableLength === UNDEFINED_LENGTH || pos + 8 + tableLength > size) throw new DicomParseError(`The file ends inside the Basic Offset Table of the Pixel Data at byte ${pos}`, pos);
  if (tableLength > maxTableBytes) throw new DicomParseError(`The Basic Offset Table at byte ${pos} is larger than the ${maxTableBytes}-byte header limit`, pos);
  const basicOffsetTable = tableLength > 0 ? await source.read(pos + 8, tableLength) : Buffer.alloc(0);
  pos += 8 + tableLength;
  const fragments: Fragment[] = [];
  let readAhead = READ_AHEAD_BYTES;
  for (;;) {
    const header = await reader.at(pos, 8 + HEAD_BYTES, readAhead);
    if (header.length < 8) {
      throw new DicomParseError(`The file ends inside the encapsulated Pixel Data at byte ${pos}: ${fragments.length} fragments were read and the sequence delimiter is missing`, pos);
    }
    const group = header.readUInt16LE(0);
    const element = header.readUInt16LE(2);
    const length = header.readUInt32LE(4);
    if (group === 0xfffe && element === 0xe0dd) return { basicOffsetTable, fragments, endOffset: pos + 8 };
    if (group !== 0xfffe || element !== 0xe000 || length === UNDEFINED_LENGTH) {
      throw new DicomParseError(`Unexpected ${formatTag(group, element)} at byte ${pos} inside the encapsulated Pixel Data, where a fragment item or the sequence delimiter must be`, pos);
    }
    if (pos + 8 + length > size) {
      throw new DicomParseError(`The file ends inside fragment ${fragments.length + 1} of the Pixel Data at byte ${pos}: it needs ${length} bytes, ${size - pos - 8} remain`, pos);
    }
    fragments.push({ itemOffset: pos, offset: pos + 8, length, head: Buffer.from(header.subarray(8, 8 + Math.min(HEAD_BYTES, length))) });
    readAhead = length < SMALL_FRAGMENT_BYTES ? READ_AHEAD_BYTES : 0;
    pos += 8 + length;
  }
}
