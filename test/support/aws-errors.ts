// Assertions on the AWS error format shared by the protocol-level e2e tests.
import assert from 'node:assert/strict';
import type { RawResponse } from './signed-fetch.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SdkError {
  name: string;
  message: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The error an SDK call rejects with; fails the test when it succeeds. */
export async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  assert.fail('the call was expected to fail');
}

/** Asserts the canonical AWS error shape (status, x-amzn-ErrorType, request id, Date, body {message}) and returns the message. */
export function assertAwsError(response: RawResponse, status: number, code: string): string {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers.get('x-amzn-errortype'), code, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID);
  assert.ok(response.headers.get('date'), 'Date header');
  const body = response.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['message'], response.text);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0);
  return body.message as string;
}
