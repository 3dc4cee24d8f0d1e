// Throttling per account and action (behavior.md §20): one token bucket each; an empty bucket is a
// ThrottlingException (429), which every AWS SDK retries with backoff.
import { ThrottlingException } from '../api/index.js';
import { AWS_THROTTLE_LIMITS, type ThrottleLimit } from './throttle-limits.js';
import { TokenBucket } from './token-bucket.js';

export class RequestThrottle {
  private readonly limits: Readonly<Record<string, ThrottleLimit>>;
  private readonly buckets = new Map<string, TokenBucket>();

  /** `overrides` replace the AWS figures for the actions they name; actions without a limit are not throttled. */
  constructor(overrides: Readonly<Record<string, ThrottleLimit>> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...AWS_THROTTLE_LIMITS, ...overrides };
  }

  /** `action` is the operation or DICOMweb action name (GetImageFrame). */
  take(accountId: string, action: string): void {
    const limit = this.limits[action];
    if (limit === undefined) return;
    const key = `${accountId}/${action}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(limit.ratePerSecond, limit.burst, this.now());
      this.buckets.set(key, bucket);
    }
    if (!bucket.tryTake(this.now())) throw new ThrottlingException('Rate exceeded');
  }
}
