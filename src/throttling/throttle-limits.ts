// Steady rates and bursts per action (requests per second, per account): behavior.md §20 and dicomweb.md §8.

export interface ThrottleLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

const DICOMWEB: ThrottleLimit = { ratePerSecond: 50, burst: 100 }; // QIDO/STOW/bulkdata are not listed: the WADO figures

export const AWS_THROTTLE_LIMITS: Readonly<Record<string, ThrottleLimit>> = Object.freeze({
  CreateDatastore: { ratePerSecond: 0.085, burst: 1 },
  GetDatastore: { ratePerSecond: 10, burst: 20 },
  ListDatastores: { ratePerSecond: 5, burst: 10 },
  DeleteDatastore: { ratePerSecond: 0.085, burst: 1 },
  StartDICOMImportJob: { ratePerSecond: 1, burst: 2 },
  GetDICOMImportJob: { ratePerSecond: 25, burst: 50 },
  ListDICOMImportJobs: { ratePerSecond: 10, burst: 20 },
  SearchImageSets: { ratePerSecond: 25, burst: 50 },
  GetImageSet: { ratePerSecond: 25, burst: 50 },
  GetImageSetMetadata: { ratePerSecond: 50, burst: 100 },
  GetImageFrame: { ratePerSecond: 1000, burst: 2000 },
  ListImageSetVersions: { ratePerSecond: 25, burst: 50 },
  UpdateImageSetMetadata: { ratePerSecond: 0.25, burst: 1 },
  CopyImageSet: { ratePerSecond: 0.25, burst: 1 },
  DeleteImageSet: { ratePerSecond: 0.25, burst: 1 },
  TagResource: { ratePerSecond: 10, burst: 20 },
  ListTagsForResource: { ratePerSecond: 10, burst: 20 },
  UntagResource: { ratePerSecond: 10, burst: 20 },
  GetDICOMInstance: DICOMWEB,
  GetDICOMInstanceMetadata: DICOMWEB,
  GetDICOMInstanceFrames: DICOMWEB,
  GetDICOMSeriesMetadata: DICOMWEB,
  GetDICOMBulkdata: DICOMWEB,
  SearchDICOMStudies: DICOMWEB,
  SearchDICOMSeries: DICOMWEB,
  SearchDICOMInstances: DICOMWEB,
  StoreDICOM: DICOMWEB,
  StoreDICOMStudy: DICOMWEB,
});
