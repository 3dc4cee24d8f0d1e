import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent } from './event-envelope.js';

test('envelope has the EventBridge fields and second-precision time', () => {
  const event = buildEvent({ accountId: '123456789012', region: 'us-east-1' }, 'Data Store Created', ['arn:x'], { datastoreId: 'd' }, new Date(Date.UTC(2025, 7, 27, 11, 0, 2, 345)));
  assert.equal(event.version, '0');
  assert.equal(event.source, 'aws.medical-imaging');
  assert.equal(event['detail-type'], 'Data Store Created');
  assert.equal(event.time, '2025-08-27T11:00:02Z');
  assert.deepEqual(event.detail, { imagingVersion: '1.0', datastoreId: 'd' });
  assert.match(event.id, /^[0-9a-f-]{36}$/);
});
