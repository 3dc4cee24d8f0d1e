import { test } from 'node:test';
import assert from 'node:assert/strict';
import { characterSetDecoder } from './character-set.js';
import { elementFromValue } from './element-value.js';

const LE = { isLittleEndian: true, decodeText: characterSetDecoder([]) };
const BE = { isLittleEndian: false, decodeText: characterSetDecoder([]) };
const text = (value: string): Buffer => Buffer.from(value, 'latin1');

test('strings: split on backslash, padding removed, empty values null (PS3.18 F.2)', () => {
  assert.deepEqual(elementFromValue('CS', text('ORIGINAL\\PRIMARY\\AXIAL '), LE), { vr: 'CS', Value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] });
  assert.deepEqual(elementFromValue('UI', text('1.2.3\0'), LE), { vr: 'UI', Value: ['1.2.3'] });
  assert.deepEqual(elementFromValue('LO', text(' A\\\\B '), LE), { vr: 'LO', Value: ['A', null, 'B'] });
  assert.deepEqual(elementFromValue('LT', text('  keeps \\ backslash and leading spaces  '), LE), { vr: 'LT', Value: ['  keeps \\ backslash and leading spaces'] });
  assert.deepEqual(elementFromValue('SH', text('  '), LE), { vr: 'SH' });
  assert.deepEqual(elementFromValue('DA', Buffer.alloc(0), LE), { vr: 'DA' });
});

test('person names become Alphabetic / Ideographic / Phonetic groups', () => {
  assert.deepEqual(elementFromValue('PN', text('Doe^John '), LE), { vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] });
  assert.deepEqual(elementFromValue('PN', text('A^B=C^D=E^F\\X'), LE), {
    vr: 'PN', Value: [{ Alphabetic: 'A^B', Ideographic: 'C^D', Phonetic: 'E^F' }, { Alphabetic: 'X' }],
  });
  assert.deepEqual(elementFromValue('PN', text('=Ideo'), LE), { vr: 'PN', Value: [{ Ideographic: 'Ideo' }] });
});

test('DS and IS are JSON numbers; a value that is not a number is kept as text', () => {
  assert.deepEqual(elementFromValue('DS', text(' 1.5\\-2.0E+02\\7 '), LE), { vr: 'DS', Value: [1.5, -200, 7] });
  assert.deepEqual(elementFromValue('IS', text('+12 '), LE), { vr: 'IS', Value: [12] });
  assert.deepEqual(elementFromValue('DS', text('1,5 '), LE), { vr: 'DS', Value: ['1,5'] });
});

test('binary numbers in both byte orders', () => {
  assert.deepEqual(elementFromValue('US', Buffer.from([1, 0, 0xff, 0xff]), LE), { vr: 'US', Value: [1, 65535] });
  assert.deepEqual(elementFromValue('US', Buffer.from([0, 1]), BE), { vr: 'US', Value: [1] });
  assert.deepEqual(elementFromValue('SS', Buffer.from([0xff, 0xff]), LE), { vr: 'SS', Value: [-1] });
  assert.deepEqual(elementFromValue('SL', Buffer.from([0xff, 0xff, 0xff, 0xfe]), BE), { vr: 'SL', Value: [-2] });
  const fd = Buffer.alloc(8);
  fd.writeDoubleBE(0.25);
  assert.deepEqual(elementFromValue('FD', fd, BE), { vr: 'FD', Value: [0.25] });
  const nan = Buffer.alloc(4);
  nan.writeFloatLE(NaN);
  assert.deepEqual(elementFromValue('FL', nan, LE), { vr: 'FL', Value: ['NaN'] });
  const big = Buffer.alloc(16);
  big.writeBigUInt64LE(42n);
  big.writeBigUInt64LE(2n ** 63n, 8);
  assert.deepEqual(elementFromValue('UV', big, LE), { vr: 'UV', Value: [42, '9223372036854775808'] });
});

test('AT values are 8 hex digits', () => {
  assert.deepEqual(elementFromValue('AT', Buffer.from([0x18, 0x00, 0x65, 0x10, 0xe0, 0x7f, 0x10, 0x00]), LE), { vr: 'AT', Value: ['00181065', '7FE00010'] });
  assert.deepEqual(elementFromValue('AT', Buffer.from([0x00, 0x18, 0x10, 0x65]), BE), { vr: 'AT', Value: ['00181065'] });
});

test('binary VRs are InlineBinary, always little endian', () => {
  assert.deepEqual(elementFromValue('OB', Buffer.from([1, 2, 3, 4]), LE), { vr: 'OB', InlineBinary: 'AQIDBA==' });
  assert.deepEqual(elementFromValue('OW', Buffer.from([1, 2, 3, 4]), BE), { vr: 'OW', InlineBinary: Buffer.from([2, 1, 4, 3]).toString('base64') });
  assert.deepEqual(elementFromValue('OF', Buffer.from([1, 2, 3, 4]), BE), { vr: 'OF', InlineBinary: Buffer.from([4, 3, 2, 1]).toString('base64') });
  assert.deepEqual(elementFromValue('UN', Buffer.from([1, 2]), BE), { vr: 'UN', InlineBinary: 'AQI=' });
});

test('text VRs use the Specific Character Set, others stay in the default repertoire', () => {
  const utf8 = { isLittleEndian: true, decodeText: characterSetDecoder(['ISO_IR 192']) };
  assert.deepEqual(elementFromValue('LO', Buffer.from('Größe', 'utf8'), utf8), { vr: 'LO', Value: ['Größe'] });
  assert.deepEqual(elementFromValue('CS', Buffer.from('AB', 'utf8'), utf8), { vr: 'CS', Value: ['AB'] });
});
