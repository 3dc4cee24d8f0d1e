// A token bucket: `burst` tokens at most, refilled continuously at `ratePerSecond`.

export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.refilledAtMs = nowMs;
  }

  /** Takes one token; false when the bucket is empty. */
  tryTake(nowMs: number): boolean {
    if (nowMs > this.refilledAtMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.refilledAtMs) / 1000) * this.ratePerSecond);
      this.refilledAtMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
