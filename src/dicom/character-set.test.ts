import { test } from 'node:test';
import assert from 'node:assert/strict';
import { characterSetDecoder } from './character-set.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

test('default repertoire and ISO_IR 100 read as Latin-1', () => {
  assert.equal(characterSetDecoder([])(bytes('Buc^J\xe9r\xf4me')), 'Buc^Jérôme');
  assert.equal(characterSetDecoder(['ISO_IR 100'])(bytes('Buc^J\xe9r\xf4me')), 'Buc^Jérôme');
});

test('ISO_IR 192 is UTF-8', () => {
  assert.equal(characterSetDecoder(['ISO_IR 192'])(Buffer.from('Wang^XiaoDong=王^小東=', 'utf8')), 'Wang^XiaoDong=王^小東=');
});

test('single-byte and GB18030 character sets', () => {
  assert.equal(characterSetDecoder(['ISO_IR 144'])(Buffer.from([0xbb, 0xee, 0xda, 0xe1])), 'Люкс');
  assert.equal(characterSetDecoder(['ISO_IR 126'])(Buffer.from([0xc4, 0xe9, 0xef])), 'Διο');
  assert.equal(characterSetDecoder(['GB18030'])(Buffer.from([0xcd, 0xf5, 0x5e, 0xd0, 0xa1, 0xb6, 0xab])), '王^小东');
});

test('ISO 2022 IR 87: PS3.5 Annex H example', () => {
  const value = bytes('Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B');
  assert.equal(characterSetDecoder(['', 'ISO 2022 IR 87'])(value), 'Yamada^Tarou=山田^太郎=やまだ^たろう');
});

test('ISO 2022 IR 13 with IR 87: half-width katakana in G1', () => {
  const value = bytes('\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J');
  assert.equal(characterSetDecoder(['ISO 2022 IR 13', 'ISO 2022 IR 87'])(value), 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
});

test('ISO 2022 IR 149: PS3.5 Annex I example', () => {
  const value = bytes('Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf');
  assert.equal(characterSetDecoder(['', 'ISO 2022 IR 149'])(value), 'Hong^Gildong=洪^吉洞=홍^길동');
});

test('unknown terms fall back to Latin-1 instead of failing', () => {
  assert.equal(characterSetDecoder(['ISO_IR 999'])(bytes('A\xe9')), 'Aé');
});
