// QIDO-RS (dicomweb.md §5): searches of studies, series and instances over the primary image sets.
import { NotImplementedException, type DatastoreId } from '../api/index.js';
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
  /** Text of a `Warning: 299` header (unsupported match keys, more results than returned). */
  readonly warning?: string;
}

export class QidoService {
  async search(_scope: QidoScope, _query: URLSearchParams, _urls: UrlBase): Promise<QidoResult> {
    throw new NotImplementedException('QIDO-RS is not implemented yet');
  }
}
