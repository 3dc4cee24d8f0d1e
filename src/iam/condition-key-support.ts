// Which condition keys an action supports (behavior.md §16, dicomweb.md §7.1); a key an action does not
// support behaves as if no condition named it.

const STUDY_AND_SERIES = ['GetDICOMInstance', 'GetDICOMInstanceFrames', 'GetDICOMInstanceMetadata', 'GetDICOMSeriesMetadata', 'GetDICOMBulkdata', 'SearchDICOMInstances'];
const STUDY_ONLY = ['SearchDICOMSeries', 'StoreDICOMStudy'];

const STUDY_UID_ACTIONS = new Set([...STUDY_AND_SERIES, ...STUDY_ONLY].map((name) => `medical-imaging:${name}`.toLowerCase()));
const SERIES_UID_ACTIONS = new Set(STUDY_AND_SERIES.map((name) => `medical-imaging:${name}`.toLowerCase()));
/** The seed's warning, replicated: SearchImageSets is not covered by ABAC, so resource-tag conditions do not restrict it. */
const NO_RESOURCE_TAG_ACTIONS = new Set(['medical-imaging:searchimagesets']);

export function ignoredKeysOf(action: string): (key: string) => boolean {
  const name = action.toLowerCase();
  return (key) => {
    const lower = key.toLowerCase();
    if (lower === 'medical-imaging:studyinstanceuid') return !STUDY_UID_ACTIONS.has(name);
    if (lower === 'medical-imaging:seriesinstanceuid') return !SERIES_UID_ACTIONS.has(name);
    if (lower.startsWith('aws:resourcetag/')) return NO_RESOURCE_TAG_ACTIONS.has(name);
    return false;
  };
}

/** Whether the action's decision can depend on the resource's tags (so they must be read first). */
export function readsResourceTags(action: string): boolean {
  return !NO_RESOURCE_TAG_ACTIONS.has(action.toLowerCase());
}
