// Primary / non-primary placement of a job's instances (behavior.md §5.2), as a pure decision over what is stored.
import type { NormalizedLevels } from '../image-sets/index.js';

type LevelsLike = NormalizedLevels;

export interface PlacementInstance {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly levels: LevelsLike;
}

export interface ExistingPrimary {
  readonly imageSetId: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly levels: LevelsLike;
}

export type Target =
  | { readonly kind: 'existing-primary'; readonly imageSetId: string }
  | { readonly kind: 'new-primary'; readonly key: string }
  | { readonly kind: 'non-primary'; readonly key: string };

export interface PlacementContext {
  /** The stored primary of a series, if any. */
  readonly primaryOf: (study: string, series: string) => ExistingPrimary | undefined;
  /** Stored primaries of a study (other series). */
  readonly studyPrimaries: (study: string) => readonly ExistingPrimary[];
  readonly levelsEqual: (a: Record<string, unknown>, b: Record<string, unknown>) => boolean;
}

/**
 * Places instances in order. Within the job, the first instance of a series that creates a primary defines its
 * levels; later instances that differ, and instances conflicting with stored data, go to one non-primary image
 * set per (series, distinct levels).
 */
export function placeInstances(instances: readonly PlacementInstance[], context: PlacementContext): Target[] {
  const createdPrimaries = new Map<string, { key: string; levels: LevelsLike }>();
  const seriesKey = (i: PlacementInstance) => `${i.studyInstanceUID}|${i.seriesInstanceUID}`;
  const sameLevels = (a: LevelsLike, b: LevelsLike) =>
    context.levelsEqual(a.patient, b.patient) && context.levelsEqual(a.study, b.study) && context.levelsEqual(a.series, b.series);
  const nonPrimary = (i: PlacementInstance): Target => ({
    kind: 'non-primary',
    key: `${seriesKey(i)}|${JSON.stringify([i.levels.patient, i.levels.study, i.levels.series])}`,
  });

  return instances.map((instance) => {
    const stored = context.primaryOf(instance.studyInstanceUID, instance.seriesInstanceUID);
    if (stored !== undefined) {
      return sameLevels(instance.levels, stored.levels) ? { kind: 'existing-primary', imageSetId: stored.imageSetId } : nonPrimary(instance);
    }
    const created = createdPrimaries.get(seriesKey(instance));
    if (created !== undefined) {
      return sameLevels(instance.levels, created.levels) ? { kind: 'new-primary', key: created.key } : nonPrimary(instance);
    }
    // Study consistency: every primary of a study shares Patient and Study level attributes.
    const siblings = [
      ...context.studyPrimaries(instance.studyInstanceUID).map((p) => p.levels),
      ...[...createdPrimaries.entries()].filter(([k]) => k.startsWith(`${instance.studyInstanceUID}|`)).map(([, v]) => v.levels),
    ];
    if (siblings.some((s) => !context.levelsEqual(s.patient, instance.levels.patient) || !context.levelsEqual(s.study, instance.levels.study))) {
      return nonPrimary(instance);
    }
    const key = seriesKey(instance);
    createdPrimaries.set(key, { key, levels: instance.levels });
    return { kind: 'new-primary', key };
  });
}
