import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeInstances, type ExistingPrimary, type PlacementInstance } from './placement.js';

const levelsEqual = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(a) === JSON.stringify(b);
const inst = (series: string, patientName: string, study = '1.2'): PlacementInstance => ({
  studyInstanceUID: study,
  seriesInstanceUID: series,
  levels: { patient: { PatientName: patientName }, study: { StudyInstanceUID: study }, series: { SeriesInstanceUID: series } },
});

test('a new series becomes one primary; a conflicting instance of it goes to a non-primary set', () => {
  const targets = placeInstances([inst('1.2.3', 'A'), inst('1.2.3', 'A'), inst('1.2.3', 'B')], {
    primaryOf: () => undefined,
    studyPrimaries: () => [],
    levelsEqual,
  });
  assert.equal(targets[0]!.kind, 'new-primary');
  assert.deepEqual(targets[1], targets[0]);
  assert.equal(targets[2]!.kind, 'non-primary');
});

test('consistent re-import extends the stored primary; conflicting data does not', () => {
  const stored: ExistingPrimary = { imageSetId: 'p', studyInstanceUID: '1.2', seriesInstanceUID: '1.2.3', levels: inst('1.2.3', 'A').levels };
  const targets = placeInstances([inst('1.2.3', 'A'), inst('1.2.3', 'B'), inst('1.2.3', 'B')], {
    primaryOf: (study, series) => (study === '1.2' && series === '1.2.3' ? stored : undefined),
    studyPrimaries: () => [stored],
    levelsEqual,
  });
  assert.deepEqual(targets[0], { kind: 'existing-primary', imageSetId: 'p' });
  assert.equal(targets[1]!.kind, 'non-primary');
  assert.deepEqual(targets[2], targets[1], 'one non-primary set per distinct levels');
});

test('a new series whose patient differs from its study siblings is not primary', () => {
  const sibling: ExistingPrimary = { imageSetId: 'p', studyInstanceUID: '1.2', seriesInstanceUID: '1.2.3', levels: inst('1.2.3', 'A').levels };
  const targets = placeInstances([inst('1.2.4', 'B'), inst('1.2.5', 'A')], {
    primaryOf: () => undefined,
    studyPrimaries: () => [sibling],
    levelsEqual,
  });
  assert.equal(targets[0]!.kind, 'non-primary');
  assert.equal(targets[1]!.kind, 'new-primary');
});
