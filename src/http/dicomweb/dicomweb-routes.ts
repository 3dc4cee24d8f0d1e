// The DICOMweb route table (dicomweb.md §2): every service HealthImaging offers under /datastore/{datastoreId}, with its
// IAM action and the authorization request it makes (resource = the data store, UID condition keys per §7.1).
import { ValidationException, type AuthorizationRequest, type ResourceScope } from '../../api/index.js';

export type DicomwebOperation =
  | 'GetDICOMSeriesMetadata' | 'GetDICOMInstance' | 'GetDICOMInstanceMetadata' | 'GetDICOMInstanceFrames' | 'GetDICOMBulkdata'
  | 'SearchDICOMStudies' | 'SearchDICOMSeries' | 'SearchDICOMInstances' | 'SearchDICOMStudyInstances' | 'SearchDICOMAllSeries'
  | 'SearchDICOMAllInstances' | 'StoreDICOM' | 'StoreDICOMStudy';

export interface DicomwebRoute {
  readonly method: 'GET' | 'POST';
  /** Path below /datastore/{datastoreId}; `{name}` segments are labels. */
  readonly path: string;
  readonly operation: DicomwebOperation;
  /** The IAM action (the relational QIDO routes have none of their own: dicomweb.md §2 [I]). */
  readonly action: string;
  /** Which path UIDs become condition keys (behavior.md §16 support matrix). */
  readonly conditionKeys: 'study-and-series' | 'study' | 'none';
}

const route = (method: 'GET' | 'POST', path: string, operation: DicomwebOperation, action: string, conditionKeys: DicomwebRoute['conditionKeys']): DicomwebRoute =>
  ({ method, path, operation, action: `medical-imaging:${action}`, conditionKeys });

export const DICOMWEB_ROUTES: readonly DicomwebRoute[] = [
  route('GET', '/studies/{study}/series/{series}/metadata', 'GetDICOMSeriesMetadata', 'GetDICOMSeriesMetadata', 'study-and-series'),
  route('GET', '/studies/{study}/series/{series}/instances/{sop}', 'GetDICOMInstance', 'GetDICOMInstance', 'study-and-series'),
  route('GET', '/studies/{study}/series/{series}/instances/{sop}/metadata', 'GetDICOMInstanceMetadata', 'GetDICOMInstanceMetadata', 'study-and-series'),
  route('GET', '/studies/{study}/series/{series}/instances/{sop}/frames/{frames}', 'GetDICOMInstanceFrames', 'GetDICOMInstanceFrames', 'study-and-series'),
  route('GET', '/studies/{study}/series/{series}/instances/{sop}/bulkdata/{hash}', 'GetDICOMBulkdata', 'GetDICOMBulkdata', 'study-and-series'),
  route('GET', '/studies', 'SearchDICOMStudies', 'SearchDICOMStudies', 'none'),
  route('GET', '/studies/{study}/series', 'SearchDICOMSeries', 'SearchDICOMSeries', 'study'),
  route('GET', '/studies/{study}/series/{series}/instances', 'SearchDICOMInstances', 'SearchDICOMInstances', 'study-and-series'),
  route('GET', '/studies/{study}/instances', 'SearchDICOMStudyInstances', 'SearchDICOMInstances', 'study'),
  route('GET', '/series', 'SearchDICOMAllSeries', 'SearchDICOMSeries', 'none'),
  route('GET', '/instances', 'SearchDICOMAllInstances', 'SearchDICOMInstances', 'none'),
  route('POST', '/studies', 'StoreDICOM', 'StoreDICOM', 'none'),
  route('POST', '/studies/{study}', 'StoreDICOMStudy', 'StoreDICOMStudy', 'study'),
];

export interface DicomwebMatch {
  readonly route: DicomwebRoute;
  readonly datastoreId: string;
  readonly labels: Readonly<Record<string, string>>;
}

const DICOMWEB_PATH = /^\/datastore\/([^/]+)(\/(?:studies|series|instances)(?:\/.*)?)$/;
const UID = /^[0-9]+(\.[0-9]+)*$/;

/** Whether the path is in the DICOMweb space (the edge then answers it here, CORS included). */
export function isDicomwebPath(rawPath: string): boolean {
  return DICOMWEB_PATH.test(rawPath);
}

/** The route of a DICOMweb path, undefined when none matches; throws ValidationException for a malformed UID. */
export function matchDicomwebRoute(method: string, rawPath: string): DicomwebMatch | undefined {
  const match = DICOMWEB_PATH.exec(rawPath);
  if (match === null) return undefined;
  const datastoreId = decodeURIComponent(match[1]!);
  const segments = match[2]!.split('/').slice(1);
  for (const candidate of DICOMWEB_ROUTES) {
    if (candidate.method !== method) continue;
    const pattern = candidate.path.split('/').slice(1);
    if (pattern.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    let isMatch = true;
    for (let i = 0; i < pattern.length && isMatch; i++) {
      const p = pattern[i]!;
      const segment = decodeURIComponent(segments[i]!);
      if (p.startsWith('{')) labels[p.slice(1, -1)] = segment;
      else isMatch = p === segment;
    }
    if (!isMatch) continue;
    // UIDs are opaque digits-and-dots segments (dicomweb.md §11).
    for (const name of ['study', 'series', 'sop'] as const) {
      const uid = labels[name];
      if (uid !== undefined && (!UID.test(uid) || uid.length > 64)) throw new ValidationException(`Invalid UID ${uid}`);
    }
    return { route: candidate, datastoreId, labels };
  }
  return undefined;
}

/** The authorization request of a matched route (src/api/authorization.ts; evaluated by the Authorizer when wired). */
export function authorizationRequestOf(match: DicomwebMatch, scope: ResourceScope): AuthorizationRequest {
  const conditions: Record<string, string> = {};
  if (match.route.conditionKeys !== 'none' && match.labels.study !== undefined) conditions['medical-imaging:StudyInstanceUID'] = match.labels.study;
  if (match.route.conditionKeys === 'study-and-series' && match.labels.series !== undefined) conditions['medical-imaging:SeriesInstanceUID'] = match.labels.series;
  return {
    action: match.route.action,
    resourceArn: `arn:${scope.partition}:medical-imaging:${scope.region}:${scope.accountId}:datastore/${match.datastoreId}`,
    ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
  };
}
