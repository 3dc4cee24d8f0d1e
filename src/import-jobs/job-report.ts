// The job's output files, exactly as behavior.md §4.3 shows them: manifest, SUCCESS, FAILURE and WARNING ndjson.

export interface ImportedFile {
  readonly inputFile: string;
  readonly imageSetId: string;
  readonly imageSetVersion: number;
  readonly isPrimary: boolean;
  readonly warnings: readonly ImportWarning[];
}

export interface FailedFile {
  readonly inputFile: string;
  readonly exceptionType: 'ValidationException' | 'InternalServerException' | 'AccessDeniedException' | 'ServiceQuotaExceededException';
  readonly message: string;
  readonly isServerError: boolean;
}

export interface ImportWarning {
  readonly code: WarningType;
  readonly message: string;
}

/** HealthImaging warning codes with the decimals AWS publishes (behavior.md §4.3 notes the last three are off). */
export const WARNING_CODES = {
  COERCION_OF_DATA_ELEMENTS: 45056,
  ELEMENTS_DISCARDED: 45062,
  SOP_CLASS_DATA_MISMATCH: 45063,
  TRANSCODING_EXCEPTION: 45312,
  FRAMES_EXTRACTION_FAILURE: 45328,
  FRAME_NUMBER_MISMATCH: 45329,
  INVALID_OFFSET_TABLE: 45330,
  UNSUPPORTED_TRANSFER_SYNTAX: 45344,
  INVALID_UID_FORMAT: 45570,
  INVALID_DICOM_VALUE_LENGTH: 45571,
  OTHER: 47513,
} as const;

export type WarningType = keyof typeof WARNING_CODES;

export interface ImageSetSummaryEntry {
  readonly imageSetId: string;
  readonly imageSetVersion: number;
  readonly isPrimary: boolean;
  readonly numberOfMatchedSOPInstances: number;
}

export interface JobReport {
  readonly numberOfScannedFiles: number;
  readonly imported: readonly ImportedFile[];
  readonly failed: readonly FailedFile[];
  readonly imageSetsSummary: readonly ImageSetSummaryEntry[];
}

export interface ReportFiles {
  readonly 'job-output-manifest.json': string;
  readonly 'SUCCESS/success.ndjson': string;
  readonly 'FAILURE/failure.ndjson': string;
  readonly 'WARNING/warning.ndjson': string;
}

export function renderReport(report: JobReport, job: { jobId: string; datastoreId: string; inputS3Uri: string; outputS3Uri: string }): ReportFiles {
  const manifest = {
    jobSummary: {
      jobId: job.jobId,
      datastoreId: job.datastoreId,
      inputS3Uri: job.inputS3Uri,
      outputS3Uri: job.outputS3Uri,
      successOutputS3Uri: `${job.outputS3Uri}SUCCESS/`,
      failureOutputS3Uri: `${job.outputS3Uri}FAILURE/`,
      warningsOutputS3Uri: `${job.outputS3Uri}WARNING/`,
      numberOfScannedFiles: report.numberOfScannedFiles,
      numberOfImportedFiles: report.imported.length,
      numberOfFilesWithCustomerError: report.failed.filter((f) => !f.isServerError).length,
      numberOfFilesWithServerError: report.failed.filter((f) => f.isServerError).length,
      numberOfGeneratedImageSets: report.imageSetsSummary.length,
      imageSetsSummary: report.imageSetsSummary,
    },
  };
  const importResponse = (file: ImportedFile) => ({ imageSetId: file.imageSetId, imageSetVersion: file.imageSetVersion, isPrimary: file.isPrimary });
  return {
    'job-output-manifest.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'SUCCESS/success.ndjson': ndjson(report.imported.map((file) => ({ inputFile: file.inputFile, importResponse: importResponse(file) }))),
    'FAILURE/failure.ndjson': ndjson(
      report.failed.map((file) => ({ inputFile: file.inputFile, exception: { exceptionType: file.exceptionType, message: file.message } })),
    ),
    'WARNING/warning.ndjson': ndjson(
      report.imported
        .filter((file) => file.warnings.length > 0)
        .map((file) => ({
          inputFile: file.inputFile,
          importResponse: {
            ...importResponse(file),
            warnings: file.warnings.map((w) => ({ warning_reason_code: WARNING_CODES[w.code], type: camelCase(w.code), message: w.message })),
          },
        })),
    ),
  };
}

function ndjson(lines: readonly unknown[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

/** INVALID_OFFSET_TABLE → InvalidOffsetTable, as AWS's own warning example writes the type. */
function camelCase(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
