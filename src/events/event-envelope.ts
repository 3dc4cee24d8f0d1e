// EventBridge-format events of the service (behavior.md §17); written to the outbox with the state change.
import { randomUUID } from 'node:crypto';

export const DETAIL_TYPES = [
  'Data Store Creating',
  'Data Store Created',
  'Data Store Creation Failed',
  'Data Store Deleting',
  'Data Store Deleted',
  'Import Job Submitted',
  'Import Job In Progress',
  'Import Job Completed',
  'Import Job Failed',
  'Image Set Created',
  'Image Set Copying',
  'Image Set Copying With Read Only Access',
  'Image Set Copied',
  'Image Set Copy Failed',
  'Image Set Updating',
  'Image Set Updated',
  'Image Set Update Failed',
  'Image Set Deleting',
  'Image Set Deleted',
] as const;

export type DetailType = (typeof DETAIL_TYPES)[number];

export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': DetailType;
  readonly source: 'aws.medical-imaging';
  readonly account: string;
  /** ISO 8601 without milliseconds, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>> & { readonly imagingVersion: '1.0' };
}

export interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
}

export function buildEvent(
  origin: EventOrigin,
  detailType: DetailType,
  resources: readonly string[],
  detail: Readonly<Record<string, unknown>>,
  at: Date,
): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.medical-imaging',
    account: origin.accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: origin.region,
    resources,
    detail: { imagingVersion: '1.0', ...detail },
  };
}
