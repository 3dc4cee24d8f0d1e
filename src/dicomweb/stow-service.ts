// STOW-RS (dicomweb.md §6): stores Part 10 instances with the import pipeline's placement, synchronously.
import { NotImplementedException, type DatastoreId } from '../api/index.js';
import type { UrlBase } from './wado-service.js';

export interface StowRequest {
  readonly datastoreId: DatastoreId;
  readonly studyInstanceUID: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly urls: UrlBase;
}

export interface StowResult {
  readonly status: number;
  readonly response: object;
}

export class StowService {
  async store(_request: StowRequest): Promise<StowResult> {
    throw new NotImplementedException('STOW-RS is not implemented yet');
  }
}
