import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from './job-report.js';

test('renders the manifest and the three ndjson files as behavior.md §4.3 shows them', () => {
  const out = 's3://out-bucket/logs/ds-DicomImport-job/';
  const files = renderReport(
    {
      numberOfScannedFiles: 3,
      imported: [
        { inputFile: 'in/1.dcm', imageSetId: 'a'.repeat(32), imageSetVersion: 1, isPrimary: true, warnings: [] },
        { inputFile: 'in/2.dcm', imageSetId: 'a'.repeat(32), imageSetVersion: 1, isPrimary: true, warnings: [{ code: 'INVALID_OFFSET_TABLE', message: 'offset table' }] },
      ],
      failed: [{ inputFile: 'in/3.txt', exceptionType: 'ValidationException', message: 'Not a DICOM file', isServerError: false }],
      imageSetsSummary: [{ imageSetId: 'a'.repeat(32), imageSetVersion: 1, isPrimary: true, numberOfMatchedSOPInstances: 2 }],
    },
    { jobId: 'job', datastoreId: 'ds', inputS3Uri: 's3://in-bucket/in/', outputS3Uri: out },
  );
  const manifest = JSON.parse(files['job-output-manifest.json']).jobSummary;
  assert.equal(manifest.warningsOutputS3Uri, `${out}WARNING/`);
  assert.equal(manifest.numberOfImportedFiles + manifest.numberOfFilesWithCustomerError + manifest.numberOfFilesWithServerError, manifest.numberOfScannedFiles);
  assert.equal(manifest.numberOfGeneratedImageSets, 1);
  const success = files['SUCCESS/success.ndjson'].trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(success[0], { inputFile: 'in/1.dcm', importResponse: { imageSetId: 'a'.repeat(32), imageSetVersion: 1, isPrimary: true } });
  assert.deepEqual(JSON.parse(files['FAILURE/failure.ndjson']), { inputFile: 'in/3.txt', exception: { exceptionType: 'ValidationException', message: 'Not a DICOM file' } });
  const warning = JSON.parse(files['WARNING/warning.ndjson']);
  assert.deepEqual(warning.importResponse.warnings, [{ warning_reason_code: 45330, type: 'InvalidOffsetTable', message: 'offset table' }]);
});
