// Waiting for import jobs in tests.
import { GetDICOMImportJobCommand, type DICOMImportJobProperties, type MedicalImagingClient } from '@aws-sdk/client-medical-imaging';
import { eventually } from './server.js';

export async function waitForJob(client: MedicalImagingClient, datastoreId: string, jobId: string, timeoutMs = 240_000): Promise<DICOMImportJobProperties> {
  return eventually(
    async () => {
      const job = (await client.send(new GetDICOMImportJobCommand({ datastoreId, jobId }))).jobProperties!;
      return job.jobStatus === 'COMPLETED' || job.jobStatus === 'FAILED' ? job : undefined;
    },
    timeoutMs,
    200,
  );
}
