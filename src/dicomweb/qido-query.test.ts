// QIDO-RS parameters → typed query (dicomweb.md §5.2–§5.5), and DICOM JSON text in tag order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationException } from '../api/index.js';
import { dicomJsonText } from './dicom-json-text.js';
import { STUDY_KEYS, parseQido } from './qido-query.js';

const base = { datastoreId: 'ds', order: 'updated' as const };
const parse = (query: string) => parseQido('study', STUDY_KEYS, base, new URLSearchParams(query));

describe('parseQido', () => {
  it('takes keys by keyword or tag, and reads each matching form', () => {
    const { query } = parse('PatientID=P1&00100010=Doe*&StudyDate=20240101-20240131&StudyInstanceUID=1.2,1.3&ReferringPhysicianName=smi&fuzzymatching=true');
    assert.deepEqual(query.conditions, [
      { key: 'PatientID', match: { kind: 'equals', value: 'P1', isCaseInsensitive: false } },
      { key: 'PatientName', match: { kind: 'fuzzy', words: ['doe*'] } },
      { key: 'StudyDate', match: { kind: 'range', low: '20240101', high: '20240131' } },
      { key: 'StudyInstanceUID', match: { kind: 'list', values: ['1.2', '1.3'] } },
      { key: 'ReferringPhysicianName', match: { kind: 'fuzzy', words: ['smi'] } },
    ]);
    assert.deepEqual(parse('PatientName=Doe*').query.conditions[0]!.match, { kind: 'wildcard', pattern: 'Doe*', isCaseInsensitive: true });
    assert.deepEqual(parse('StudyDate=-20240131').query.conditions[0]!.match, { kind: 'range', low: undefined, high: '20240131' });
  });

  it('paging limits, includefield forms, universal matching and unsupported keys', () => {
    const parsed = parse('limit=25&offset=50&includefield=StudyDescription&includefield=00081030,00100040&PatientName=&Manufacturer=X');
    assert.equal(parsed.query.limit, 25);
    assert.equal(parsed.query.offset, 50);
    assert.deepEqual([...(parsed.includeFields as Set<string>)].sort(), ['00081030', '00100010', '00100040']);
    assert.equal(parsed.query.conditions.length, 0, 'an empty value returns the attribute without filtering');
    assert.deepEqual(parsed.unsupportedKeys, ['Manufacturer']);
    assert.equal(parse('includefield=all').includeFields, 'all');
    for (const bad of ['limit=1001', 'limit=x', 'offset=-1', 'StudyInstanceUID=1.2.abc', 'StudyDate=2024x', 'limit=1000&offset=9500']) {
      assert.throws(() => parse(bad), ValidationException, bad);
    }
  });
});

describe('dicomJsonText', () => {
  it('writes attributes in tag order, integer-like private tags included, down into sequence items', () => {
    const text = dicomJsonText([{ '20051085': { vr: 'UN' }, '00100010': { vr: 'PN' }, '00081115': { vr: 'SQ', Value: [{ '30000010': { vr: 'LO' }, '00081150': { vr: 'UI' } }] } }]);
    assert.equal(text, '[{"00081115":{"vr":"SQ","Value":[{"00081150":{"vr":"UI"},"30000010":{"vr":"LO"}}]},"00100010":{"vr":"PN"},"20051085":{"vr":"UN"}}]');
  });
});
