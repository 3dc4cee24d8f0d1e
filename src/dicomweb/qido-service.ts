// QIDO-RS (dicomweb.md §5): searches of studies, series and instances over the primary image sets, read from the
// QIDO index (one row per study, series and instance), never from metadata blobs.
import { ResourceNotFoundException, type DatastoreId } from '../api/index.js';
import type { DataKeyLookup } from '../image-sets/index.js';
import type { DicomJsonElement } from '../dicom/index.js';
import type { DicomwebIndex } from './dicomweb-index.js';
import { INSTANCE_KEYS, SERIES_KEYS, STUDY_KEYS, parseQido, type QidoKey, type QidoLevel, type QidoQuery, type QidoRow } from './qido-query.js';
import type { UrlBase } from './wado-service.js';

export type QidoOperation = 'SearchDICOMStudies' | 'SearchDICOMSeries' | 'SearchDICOMInstances' | 'SearchDICOMStudyInstances' | 'SearchDICOMAllSeries' | 'SearchDICOMAllInstances';

export interface QidoScope {
  readonly operation: QidoOperation;
  readonly datastoreId: DatastoreId;
  readonly studyInstanceUID: string | undefined;
  readonly seriesInstanceUID: string | undefined;
}

export interface QidoResult {
  readonly matches: readonly object[];
  /** Text of a `Warning: 299` header (unsupported match keys). */
  readonly warning?: string;
}

/** Level, match keys and order of each route (dicomweb.md §5.2, §5.4). */
const ROUTES: Readonly<Record<QidoOperation, { level: QidoLevel; keys: readonly QidoKey[]; order: QidoQuery['order'] }>> = {
  SearchDICOMStudies: { level: 'study', keys: STUDY_KEYS, order: 'updated' },
  SearchDICOMSeries: { level: 'series', keys: ['Modality', 'SeriesInstanceUID'], order: 'series-number' },
  SearchDICOMInstances: { level: 'instance', keys: INSTANCE_KEYS, order: 'instance-number' },
  SearchDICOMStudyInstances: { level: 'instance', keys: [...STUDY_KEYS, ...SERIES_KEYS, 'SOPClassUID', 'SOPInstanceUID'], order: 'updated' },
  SearchDICOMAllSeries: { level: 'series', keys: [...STUDY_KEYS, ...SERIES_KEYS], order: 'series-number' },
  SearchDICOMAllInstances: { level: 'instance', keys: [...STUDY_KEYS, ...SERIES_KEYS, 'SOPClassUID', 'SOPInstanceUID'], order: 'instance-number' },
};

/** PS3.18 default return attributes per level (dicomweb.md §5.5), as tags. */
const STUDY_DEFAULTS = ['00080005', '00080020', '00080030', '00080050', '00080090', '00081030', '00100010', '00100020', '00100030', '00100040', '0020000D', '00200010', '00080201'];
const SERIES_DEFAULTS = ['00080060', '0008103E', '0020000E', '00200011', '00400244', '00400245', '00400275', '00080201'];
const INSTANCE_DEFAULTS = ['00080016', '00080018', '00200013', '00280010', '00280011', '00280100', '00280008', '00081196', '00080201'];

export class QidoService {
  constructor(
    private readonly index: DicomwebIndex,
    /** Answers only for data stores that exist (not DELETED). */
    private readonly datastores: DataKeyLookup,
  ) {}

  async search(scope: QidoScope, params: URLSearchParams, urls: UrlBase): Promise<QidoResult> {
    if ((await this.datastores.keyFor(scope.datastoreId)) === undefined) throw new ResourceNotFoundException(`Datastore ${scope.datastoreId} does not exist`);
    const route = ROUTES[scope.operation];
    const parsed = parseQido(route.level, route.keys, {
      datastoreId: scope.datastoreId,
      ...(scope.studyInstanceUID !== undefined ? { studyInstanceUID: scope.studyInstanceUID } : {}),
      ...(scope.seriesInstanceUID !== undefined ? { seriesInstanceUID: scope.seriesInstanceUID } : {}),
      order: route.order,
    }, params);
    const rows = await this.index.searchQido(parsed.query);
    const isRelational = scope.operation === 'SearchDICOMAllSeries' || scope.operation === 'SearchDICOMAllInstances' || scope.operation === 'SearchDICOMStudyInstances';
    const matches = rows.map((row) => this.result(route.level, row, parsed.includeFields, isRelational, urls));
    return {
      matches,
      ...(parsed.unsupportedKeys.length > 0 ? { warning: `The following attributes are not supported as match keys: ${parsed.unsupportedKeys.join(', ')}` } : {}),
    };
  }

  private result(level: QidoLevel, row: QidoRow, include: ReadonlySet<string> | 'all', isRelational: boolean, urls: UrlBase): Record<string, DicomJsonElement> {
    const study = JSON.parse(row.studyJson) as Record<string, DicomJsonElement>;
    const series = row.seriesJson !== undefined ? (JSON.parse(row.seriesJson) as Record<string, DicomJsonElement>) : {};
    const instance = row.instanceJson !== undefined ? (JSON.parse(row.instanceJson) as Record<string, DicomJsonElement>) : {};
    const out: Record<string, DicomJsonElement> = {};
    const pick = (source: Record<string, DicomJsonElement>, defaults: readonly string[]) => {
      for (const [tag, element] of Object.entries(source)) if (include === 'all' || defaults.includes(tag) || include.has(tag)) out[tag] = element;
    };
    const studyUid = String(study['0020000D']?.Value?.[0] ?? '');
    const seriesUid = String(series['0020000E']?.Value?.[0] ?? '');
    if (level === 'study' || isRelational) pick(study, STUDY_DEFAULTS);
    else if (include !== 'all') for (const tag of include) if (study[tag] !== undefined) out[tag] = study[tag]!;
    if (level !== 'study') {
      if (level === 'series' || isRelational) pick(series, SERIES_DEFAULTS);
      else if (include !== 'all') for (const tag of include) if (series[tag] !== undefined) out[tag] = series[tag]!;
    }
    if (level === 'instance') pick(instance, INSTANCE_DEFAULTS);
    out['00080056'] = { vr: 'CS', Value: ['ONLINE'] };
    if (level === 'study') {
      out['00080061'] = { vr: 'CS', Value: row.modalities.split('\\').filter((m) => m !== '') };
      out['00201206'] = { vr: 'IS', Value: [row.studySeriesCount] };
      out['00201208'] = { vr: 'IS', Value: [row.studyInstanceCount] };
      out['00081190'] = { vr: 'UR', Value: [`${urls.serviceRoot}/studies/${studyUid}`] };
    } else if (level === 'series') {
      out['00201209'] = { vr: 'IS', Value: [row.seriesInstanceCount ?? 0] };
      out['00081190'] = { vr: 'UR', Value: [`${urls.serviceRoot}/studies/${studyUid}/series/${seriesUid}`] };
    } else {
      const sop = String(instance['00080018']?.Value?.[0] ?? '');
      out['00081190'] = { vr: 'UR', Value: [`${urls.serviceRoot}/studies/${studyUid}/series/${seriesUid}/instances/${sop}`] };
      if (out['0020000D'] === undefined) out['0020000D'] = { vr: 'UI', Value: [studyUid] };
      if (out['0020000E'] === undefined) out['0020000E'] = { vr: 'UI', Value: [seriesUid] };
    }
    return out;
  }
}
