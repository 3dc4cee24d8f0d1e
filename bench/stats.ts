// Latency statistics for benchmarks.

export interface LatencySummary {
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function summarize(latenciesMs: number[], elapsedMs: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, perSecond: (sorted.length / elapsedMs) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Runs `task` `total` times with `concurrency` workers; returns per-call latencies. */
export async function runConcurrent(total: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarize(latencies, performance.now() - started);
}

export function format(label: string, s: LatencySummary): string {
  return `${label.padEnd(48)} ${s.perSecond.toFixed(0).padStart(7)} req/s   p50 ${s.p50Ms.toFixed(2).padStart(6)} ms   p99 ${s.p99Ms.toFixed(2).padStart(6)} ms   (n=${s.count})`;
}
