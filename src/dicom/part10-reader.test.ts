import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { bufferByteSource, fileByteSource, type ByteSource } from './byte-source.js';
import { DicomParseError, readFrame, readPart10, type ParsedInstance } from './part10-reader.js';
import {
  EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, encapsulatedPixelDataHeader, encapsulatedValue, encodeDataset, encodeElement, imageElements,
  part10File, type FixtureElement,
} from './synthetic-part10.fixture.js';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const JPEG_2000 = '1.2.840.10008.1.2.4.90';

const read = (bytes: Buffer, options?: { maxHeaderBytes?: number }): Promise<ParsedInstance> => readPart10(bufferByteSource(bytes), options);
const value = (instance: ParsedInstance, tag: string): unknown => instance.dataset[tag]?.Value?.[0];

async function rejectsWith(bytes: Buffer, pattern: RegExp, options?: { maxHeaderBytes?: number }): Promise<void> {
  await assert.rejects(read(bytes, options), (error: unknown) => {
    assert.ok(error instanceof DicomParseError, `expected DicomParseError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

function nativeImage(options: { rows: number; columns: number; bitsAllocated: number; numberOfFrames?: number }, pixels: Buffer, extra: FixtureElement[] = []): FixtureElement[] {
  return [...imageElements(options), ...extra, { tag: '7FE00010', vr: options.bitsAllocated > 8 ? 'OW' : 'OB', value: pixels }];
}

test('Explicit VR Little Endian: file meta, values as DICOM JSON, Pixel Data excluded from the data set', async () => {
  const pixels = Buffer.from([1, 0, 2, 0, 3, 0, 4, 0]);
  const dataset = encodeDataset([
    { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
    { tag: '00080008', vr: 'CS', value: 'ORIGINAL\\PRIMARY' },
    { tag: '00100010', vr: 'PN', value: Buffer.from('M\xfcller^J\xfcrgen', 'latin1') },
    { tag: '00100020', vr: 'LO', value: '' },
    { tag: '00181050', vr: 'DS', value: '0.5\\1.25' },
    { tag: '00200013', vr: 'IS', value: '7' },
    { tag: '00209165', vr: 'AT', value: [0x00209056] },
    { tag: '00291010', vr: 'OB', value: Buffer.from([0xca, 0xfe]) },
    ...nativeImage({ rows: 2, columns: 2, bitsAllocated: 16 }, pixels),
  ], EXPLICIT_LE);
  const instance = await read(part10File(EXPLICIT, dataset));
  assert.equal(instance.transferSyntaxUID, EXPLICIT);
  assert.equal(instance.hasFileMeta, true);
  assert.equal(instance.isTransferSyntaxInferred, false);
  assert.deepEqual(instance.fileMeta['00020010'], { vr: 'UI', Value: [EXPLICIT] });
  assert.equal(instance.dataset['00020010'], undefined);
  assert.deepEqual(instance.dataset['00080008'], { vr: 'CS', Value: ['ORIGINAL', 'PRIMARY'] });
  assert.deepEqual(instance.dataset['00100010'], { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] });
  assert.deepEqual(instance.dataset['00100020'], { vr: 'LO' });
  assert.deepEqual(instance.dataset['00181050'], { vr: 'DS', Value: [0.5, 1.25] });
  assert.deepEqual(instance.dataset['00200013'], { vr: 'IS', Value: [7] });
  assert.deepEqual(instance.dataset['00209165'], { vr: 'AT', Value: ['00209056'] });
  assert.deepEqual(instance.dataset['00291010'], { vr: 'OB', InlineBinary: 'yv4=' });
  assert.equal(value(instance, '00280010'), 2);
  assert.equal(instance.dataset['7FE00010'], undefined);
  assert.equal(instance.pixelData?.isEncapsulated, false);
  assert.equal(instance.pixelData?.vr, 'OW');
  assert.deepEqual(await readFrame(instance, 0), pixels);
  await assert.rejects(readFrame(instance, 1), RangeError);
});

test('Implicit VR Little Endian: VRs from the dictionary, private elements UN, private creators LO, xs by PixelRepresentation', async () => {
  const dataset = encodeDataset([
    { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
    { tag: '00090010', vr: 'LO', value: 'ACME 1.0' },
    { tag: '00091001', vr: 'UN', value: 'secret' },
    ...imageElements({ rows: 1, columns: 2, bitsAllocated: 16 }).map((e) => (e.tag === '00280103' ? { ...e, value: [1] } : e)),
    { tag: '00280106', vr: 'SS', value: [-5] },
    { tag: '60003000', vr: 'OW', value: Buffer.from([1, 2]) },
    { tag: '7FE00010', vr: 'OW', value: Buffer.from([0xfb, 0xff, 0x05, 0x00]) },
  ], IMPLICIT_LE);
  const instance = await read(part10File(IMPLICIT, dataset));
  assert.deepEqual(instance.dataset['00100010'], { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] });
  assert.deepEqual(instance.dataset['00090010'], { vr: 'LO', Value: ['ACME 1.0'] });
  assert.deepEqual(instance.dataset['00091001'], { vr: 'UN', InlineBinary: Buffer.from('secret').toString('base64') });
  assert.deepEqual(instance.dataset['00280106'], { vr: 'SS', Value: [-5] });
  assert.deepEqual(instance.dataset['60003000'], { vr: 'OW', InlineBinary: 'AQI=' });
  assert.equal(instance.pixelData?.vr, 'OW');
  assert.equal(instance.pixelData?.frames.length, 1);
});

test('Explicit VR Big Endian: numbers become native numbers, pixel bytes stay as in the file', async () => {
  const pixels = Buffer.from([0x01, 0x02, 0x03, 0x04]);
  const dataset = encodeDataset([
    { tag: '00181310', vr: 'US', value: [0, 256, 256, 0] },
    { tag: '00189087', vr: 'FD', value: [1000.5] },
    { tag: '00209165', vr: 'AT', value: [0x00209056] },
    { tag: '00280030', vr: 'DS', value: '0.5\\0.5' },
    { tag: '00283006', vr: 'OW', value: Buffer.from([0x12, 0x34]) },
    ...nativeImage({ rows: 1, columns: 2, bitsAllocated: 16 }, pixels),
  ], EXPLICIT_BE);
  const instance = await read(part10File(BIG_ENDIAN, dataset));
  assert.deepEqual(instance.dataset['00181310'], { vr: 'US', Value: [0, 256, 256, 0] });
  assert.deepEqual(instance.dataset['00189087'], { vr: 'FD', Value: [1000.5] });
  assert.deepEqual(instance.dataset['00209165'], { vr: 'AT', Value: ['00209056'] });
  assert.deepEqual(instance.dataset['00283006'], { vr: 'OW', InlineBinary: Buffer.from([0x34, 0x12]).toString('base64') });
  assert.equal(value(instance, '00280011'), 2);
  assert.deepEqual(await readFrame(instance, 0), pixels);
});

test('files without file meta: the encoding is inferred from the first element and flagged', async () => {
  const elements = nativeImage({ rows: 1, columns: 1, bitsAllocated: 8 }, Buffer.from([7, 0]));
  for (const [syntax, expected] of [[IMPLICIT_LE, IMPLICIT], [EXPLICIT_LE, EXPLICIT]] as const) {
    const instance = await read(encodeDataset(elements, syntax));
    assert.equal(instance.hasFileMeta, false);
    assert.equal(instance.isTransferSyntaxInferred, true);
    assert.equal(instance.transferSyntaxUID, expected);
    assert.deepEqual(instance.fileMeta, {});
    assert.equal(value(instance, '00080018'), '1.2.3.4.5');
    assert.deepEqual([...(await readFrame(instance, 0))], [7]);
  }
  // A preamble and DICM directly followed by the data set.
  const withPrefix = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), encodeDataset(elements, EXPLICIT_LE)]);
  assert.equal((await read(withPrefix)).hasFileMeta, false);
  // File meta without the preamble and DICM prefix.
  const metaFirst = part10File(IMPLICIT, encodeDataset(elements, IMPLICIT_LE)).subarray(132);
  const instance = await read(metaFirst);
  assert.equal(instance.hasFileMeta, true);
  assert.equal(instance.transferSyntaxUID, IMPLICIT);
});

test('a data set encoded differently from what the file meta declares is read as encoded', async () => {
  const elements = nativeImage({ rows: 1, columns: 1, bitsAllocated: 8 }, Buffer.from([7, 0]));
  const declaredExplicit = await read(part10File(EXPLICIT, encodeDataset(elements, IMPLICIT_LE)));
  assert.equal(declaredExplicit.transferSyntaxUID, EXPLICIT);
  assert.equal(value(declaredExplicit, '00280010'), 1);
  const declaredImplicit = await read(part10File(IMPLICIT, encodeDataset(elements, EXPLICIT_LE)));
  assert.equal(value(declaredImplicit, '00280010'), 1);
});

test('Deflated Explicit VR Little Endian: frames point into the inflated data set', async () => {
  const pixels = Buffer.alloc(64 * 64, 9);
  const dataset = encodeDataset(nativeImage({ rows: 64, columns: 64, bitsAllocated: 8 }, pixels), EXPLICIT_LE);
  const file = part10File(DEFLATED, deflateRawSync(dataset));
  const instance = await read(file);
  assert.equal(instance.transferSyntaxUID, DEFLATED);
  assert.equal(value(instance, '00280010'), 64);
  assert.equal(instance.frameSource.sizeBytes, dataset.length);
  assert.deepEqual(await readFrame(instance, 0), pixels);
  await rejectsWith(file, /inflates to more than the limit of 2000 bytes/, { maxHeaderBytes: 2000 });
  await rejectsWith(part10File(DEFLATED, Buffer.from('not deflate data at all')), /cannot be inflated/);
});

test('sequences: defined and undefined lengths, nesting, empty sequences and items, UN sequences', async () => {
  const item = [{ tag: '00081150', vr: 'UI', value: '1.2.3' }, { tag: '00081155', vr: 'UI', value: '4.5.6' }];
  const dataset = encodeDataset([
    { tag: '00081110', vr: 'SQ', items: [item] },
    { tag: '00081140', vr: 'SQ', isUndefinedLength: true, items: [item, []] },
    { tag: '00082112', vr: 'SQ', items: [] },
    { tag: '00400275', vr: 'SQ', isUndefinedLength: true, items: [[{ tag: '00400008', vr: 'SQ', isUndefinedLength: true, items: [[{ tag: '00080100', vr: 'SH', value: 'CODE' }]] }]] },
    { tag: '00091010', vr: 'UN', isUndefinedLength: true, items: [[{ tag: '00100020', vr: 'LO', value: 'inside UN' }]] },
    { tag: '00540016', vr: 'UN', value: encodeElement({ tag: 'FFFEE000', vr: 'UN', value: encodeDataset([{ tag: '00181072', vr: 'TM', value: '120000' }], IMPLICIT_LE) }, IMPLICIT_LE) },
    { tag: '00280010', vr: 'UN', value: Buffer.from([0x00, 0x02]) },
  ], EXPLICIT_LE);
  const instance = await read(part10File(EXPLICIT, dataset));
  const expectedItem = { '00081150': { vr: 'UI', Value: ['1.2.3'] }, '00081155': { vr: 'UI', Value: ['4.5.6'] } };
  assert.deepEqual(instance.dataset['00081110'], { vr: 'SQ', Value: [expectedItem] });
  assert.deepEqual(instance.dataset['00081140'], { vr: 'SQ', Value: [expectedItem, {}] });
  assert.deepEqual(instance.dataset['00082112'], { vr: 'SQ' });
  assert.deepEqual(instance.dataset['00400275'], { vr: 'SQ', Value: [{ '00400008': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['CODE'] } }] } }] });
  // UN of undefined length is an implicitly encoded sequence (PS3.5 §6.2.2).
  assert.deepEqual(instance.dataset['00091010'], { vr: 'SQ', Value: [{ '00100020': { vr: 'LO', Value: ['inside UN'] } }] });
  // Public elements sent as UN are decoded with the dictionary's VR.
  assert.deepEqual(instance.dataset['00540016'], { vr: 'SQ', Value: [{ '00181072': { vr: 'TM', Value: ['120000'] } }] });
  assert.deepEqual(instance.dataset['00280010'], { vr: 'US', Value: [512] });
  assert.equal(instance.pixelData, undefined);
});

test('encapsulated Pixel Data: frames from the offset table, item headers only', async () => {
  const soc = (n: number): Buffer => Buffer.concat([Buffer.from([0xff, 0x4f]), Buffer.alloc(n, 0xaa)]);
  const parts = [soc(10), Buffer.alloc(6, 0xbb), soc(4)];
  const offsets = [0, 8 + 12 + 8 + 6];
  const dataset = Buffer.concat([
    encodeDataset([...imageElements({ rows: 8, columns: 8, bitsAllocated: 8, numberOfFrames: 2 })], EXPLICIT_LE),
    encapsulatedPixelDataHeader(),
    encapsulatedValue(parts, offsets),
  ]);
  const instance = await read(part10File(JPEG_2000, dataset));
  assert.equal(instance.pixelData?.isEncapsulated, true);
  assert.equal(instance.pixelData?.vr, 'OB');
  assert.deepEqual(instance.pixelData?.warnings, []);
  assert.deepEqual(await readFrame(instance, 0), Buffer.concat([parts[0], parts[1]]));
  assert.deepEqual(await readFrame(instance, 1), parts[2]);
});

test('encapsulated Pixel Data: NumberOfFrames disagreeing with the fragments is a warning, a cut fragment an error', async () => {
  const header = encodeDataset(imageElements({ rows: 8, columns: 8, bitsAllocated: 8, numberOfFrames: 3 }), EXPLICIT_LE);
  const value = encapsulatedValue([Buffer.from([0xff, 0x4f, 1, 2]), Buffer.from([0xff, 0x4f, 3, 4])]);
  const instance = await read(part10File(JPEG_2000, Buffer.concat([header, encapsulatedPixelDataHeader(), value])));
  assert.deepEqual(instance.pixelData?.warnings, ['FRAME_NUMBER_MISMATCH']);
  assert.equal(instance.pixelData?.frames.length, 2);
  const complete = part10File(JPEG_2000, Buffer.concat([header, encapsulatedPixelDataHeader(), value]));
  await rejectsWith(complete.subarray(0, complete.length - 10), /The file ends inside fragment 2 of the Pixel Data at byte \d+: it needs 4 bytes, 2 remain/);
  await rejectsWith(complete.subarray(0, complete.length - 8), /sequence delimiter is missing/);
  await rejectsWith(part10File(JPEG_2000, Buffer.concat([header, encapsulatedPixelDataHeader(), encapsulatedValue([])])), /has no fragments/);
});

test('BitsAllocated 1: frames are packed and carry their bit offset', async () => {
  const pixels = Buffer.from([0b10101010, 0b01010101, 0b00000111, 0b00000000]); // 3 frames of 3x3 bits
  const instance = await read(part10File(EXPLICIT, encodeDataset(nativeImage({ rows: 3, columns: 3, bitsAllocated: 1, numberOfFrames: 3 }, pixels), EXPLICIT_LE)));
  assert.deepEqual(instance.pixelData?.frames.map((frame) => frame.bitOffset), [0, 1, 2]);
  assert.deepEqual([...(await readFrame(instance, 1))], [0b01010101, 0b00000111]);
});

test('Float and Double Float Pixel Data are located as pixel data with VR OF / OD', async () => {
  const floats = Buffer.from(new Float32Array([1.5, -2]).buffer);
  const elements = imageElements({ rows: 1, columns: 2, bitsAllocated: 32 }).filter((e) => !['00280101', '00280102', '00280103'].includes(e.tag));
  const instance = await read(part10File(EXPLICIT, encodeDataset([...elements, { tag: '7FE00008', vr: 'OF', value: floats }], EXPLICIT_LE)));
  assert.equal(instance.pixelData?.tag, '7FE00008');
  assert.equal(instance.pixelData?.vr, 'OF');
  assert.deepEqual(await readFrame(instance, 0), floats);
  const doubles = Buffer.from(new Float64Array([0.25]).buffer);
  const single = imageElements({ rows: 1, columns: 1, bitsAllocated: 64 }).filter((e) => e.tag !== '00280100');
  const double = await read(part10File(EXPLICIT, encodeDataset([...single, { tag: '7FE00009', vr: 'OD', value: doubles }], EXPLICIT_LE)));
  assert.equal(double.pixelData?.vr, 'OD');
  assert.deepEqual(await readFrame(double, 0), doubles);
});

test('elements after Pixel Data are kept; trailing padding is not an element', async () => {
  const tail = encodeDataset([{ tag: '7FE10010', vr: 'LO', value: 'after' }], EXPLICIT_LE);
  const padding = encodeElement({ tag: 'FFFCFFFC', vr: 'OB', value: Buffer.alloc(16) }, EXPLICIT_LE);
  const image = encodeDataset(nativeImage({ rows: 1, columns: 2, bitsAllocated: 8 }, Buffer.from([1, 2])), EXPLICIT_LE);
  const instance = await read(part10File(EXPLICIT, Buffer.concat([image, tail, padding])));
  assert.deepEqual(instance.dataset['7FE10010'], { vr: 'LO', Value: ['after'] });
  assert.deepEqual(instance.warnings, []);
  const garbage = await read(part10File(EXPLICIT, Buffer.concat([image, Buffer.from('garbage!!')])));
  assert.deepEqual(garbage.warnings, ['ELEMENTS_DISCARDED']);
});

test('not DICOM, or broken: a DicomParseError that says what is wrong', async () => {
  await rejectsWith(Buffer.alloc(0), /empty/);
  await rejectsWith(Buffer.from('hello'), /only 5 bytes/);
  await rejectsWith(Buffer.from('x'.repeat(500)), /no DICM prefix at byte 128/);
  await rejectsWith(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('zzzzzzzzzzzz')]), /not by the File Meta Information/);
  const file = part10File(EXPLICIT, encodeDataset([{ tag: '00100010', vr: 'PN', value: 'Doe^John' }], EXPLICIT_LE));
  await rejectsWith(file.subarray(0, file.length - 3), /The file ends inside element \(0010,0010\) at byte \d+/);
  // A bogus 4 GB length is caught by comparing with the file size: no allocation, no waiting.
  const bogus = Buffer.concat([encodeElement({ tag: '00080008', vr: 'CS', value: 'A' }, IMPLICIT_LE).subarray(0, 4), Buffer.from([0xf0, 0xff, 0xff, 0xff])]);
  await rejectsWith(part10File(IMPLICIT, Buffer.concat([encodeDataset([{ tag: '00080005', vr: 'CS', value: 'ISO_IR 100' }], IMPLICIT_LE), bogus])), /ends inside element \(0008,0008\)/);
  await rejectsWith(part10File(EXPLICIT, encodeDataset(nativeImage({ rows: 4, columns: 4, bitsAllocated: 16 }, Buffer.alloc(30)), EXPLICIT_LE)), /Pixel Data is shorter than/);
});

test('deeply nested sequences are refused rather than overflowing the stack', async () => {
  let element: FixtureElement = { tag: '00100020', vr: 'LO', value: 'x' };
  for (let depth = 0; depth < 200; depth++) element = { tag: '0040A730', vr: 'SQ', isUndefinedLength: true, items: [[element]] };
  await rejectsWith(part10File(EXPLICIT, encodeDataset([element], EXPLICIT_LE)), /nested more than 64 deep/);
});

test('the header is read in growing chunks and bounded by maxHeaderBytes', async () => {
  const big = { tag: '00291020', vr: 'OB', value: Buffer.alloc(3 * 1024 * 1024, 1) } as const;
  const file = part10File(EXPLICIT, encodeDataset(nativeImage({ rows: 1, columns: 1, bitsAllocated: 8 }, Buffer.from([5, 0]), [big]), EXPLICIT_LE));
  const reads: number[] = [];
  const inner = bufferByteSource(file);
  const counting: ByteSource = { sizeBytes: inner.sizeBytes, read: (offset, length) => (reads.push(length), inner.read(offset, length)), close: () => inner.close() };
  const instance = await readPart10(counting);
  assert.equal(instance.dataset['00291020']?.InlineBinary?.length, Math.ceil((3 * 1024 * 1024) / 3) * 4);
  assert.ok(reads.length <= 8, `${reads.length} reads`);
  await rejectsWith(file, /header is larger than the limit of 1048576 bytes/, { maxHeaderBytes: 1024 * 1024 });
});

test('mangled input never escapes as anything but DicomParseError', async () => {
  const pixels = Buffer.alloc(16 * 16 * 2, 3);
  const good = part10File(EXPLICIT, encodeDataset(nativeImage({ rows: 16, columns: 16, bitsAllocated: 16, numberOfFrames: 1 }, pixels, [
    { tag: '00081140', vr: 'SQ', isUndefinedLength: true, items: [[{ tag: '00081150', vr: 'UI', value: '1.2' }]] },
  ]), EXPLICIT_LE));
  let seed = 12345;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const cases: Buffer[] = [];
  for (let cut = 0; cut < good.length - pixels.length; cut += 3) cases.push(good.subarray(0, cut));
  for (let i = 0; i < 400; i++) {
    const mangled = Buffer.from(good);
    for (let flips = 0; flips < 4; flips++) mangled[132 + random(good.length - 132 - pixels.length)] = random(256);
    cases.push(mangled);
  }
  for (const bytes of cases) {
    try {
      await read(bytes);
    } catch (error) {
      assert.ok(error instanceof DicomParseError, `unexpected ${String(error)}`);
    }
  }
});

test('a 200 MB multi-frame file is parsed with memory far below its size', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-part10-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'big.dcm');
  const rows = 512, columns = 1024, frameBytes = rows * columns * 2, numberOfFrames = 200;
  const header = part10File(EXPLICIT, Buffer.concat([
    encodeDataset(imageElements({ rows, columns, bitsAllocated: 16, numberOfFrames }), EXPLICIT_LE),
    encodeElement({ tag: '7FE00010', vr: 'OW' }, EXPLICIT_LE).subarray(0, 8),
    Buffer.from(new Uint32Array([frameBytes * numberOfFrames]).buffer),
  ]));
  const frameOf = (index: number): Buffer => {
    const frame = Buffer.alloc(frameBytes, index & 0xff);
    frame.writeUInt32LE(index, 0);
    return frame;
  };
  const out = createWriteStream(path);
  out.write(header);
  for (let index = 0; index < numberOfFrames; index++) if (!out.write(frameOf(index))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');

  const source = await fileByteSource(path);
  try {
    const before = process.memoryUsage();
    const started = performance.now();
    const instance = await readPart10(source);
    const elapsedMs = performance.now() - started;
    const after = process.memoryUsage();
    const growth = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    t.diagnostic(`${source.sizeBytes} bytes parsed in ${elapsedMs.toFixed(1)} ms; heap + ArrayBuffer growth ${(growth / 1024).toFixed(0)} KiB`);
    assert.ok(growth < 16 * 1024 * 1024, `memory grew by ${growth} bytes`);
    assert.equal(instance.pixelData?.frames.length, numberOfFrames);
    assert.deepEqual(await readFrame(instance, numberOfFrames - 1), frameOf(numberOfFrames - 1));
  } finally {
    await source.close();
  }
});

test('a 100 MB file of 5000 encapsulated frames is scanned through item headers only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-part10-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'fragments.dcm');
  const numberOfFrames = 5000, fragmentBytes = 20_000;
  const out = createWriteStream(path);
  out.write(part10File(JPEG_2000, Buffer.concat([
    encodeDataset(imageElements({ rows: 256, columns: 256, bitsAllocated: 16, numberOfFrames }), EXPLICIT_LE),
    encapsulatedPixelDataHeader(),
    encapsulatedValue([]).subarray(0, 8), // the empty Basic Offset Table
  ])));
  for (let index = 0; index < numberOfFrames; index++) {
    const item = Buffer.alloc(8 + fragmentBytes, index & 0xff);
    item.writeUInt32LE(0xe000fffe, 0);
    item.writeUInt32LE(fragmentBytes, 4);
    item.writeUInt32LE(index, 8);
    if (!out.write(item)) await once(out, 'drain');
  }
  out.end(Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]));
  await once(out, 'finish');

  const source = await fileByteSource(path);
  let bytesRead = 0;
  const counting: ByteSource = { sizeBytes: source.sizeBytes, read: (offset, length) => ((bytesRead += length), source.read(offset, length)), close: () => source.close() };
  try {
    const started = performance.now();
    const instance = await readPart10(counting);
    t.diagnostic(`${numberOfFrames} fragments located in ${(performance.now() - started).toFixed(0)} ms, ${bytesRead} bytes read`);
    assert.equal(instance.pixelData?.frames.length, numberOfFrames);
    assert.deepEqual(instance.pixelData?.warnings, []);
    assert.ok(bytesRead < 1024 * 1024, `read ${bytesRead} bytes`);
    const last = await readFrame(instance, numberOfFrames - 1);
    assert.equal(last.length, fragmentBytes);
    assert.equal(last.readUInt32LE(0), numberOfFrames - 1);
  } finally {
    await source.close();
  }
});
