/**
 * A closed-loop load driver: `concurrency` callers, each starting its next payment as soon as the
 * previous one is answered, until `count` payments are done. Bounded in time as well as in count, so
 * a stuck service fails the bench instead of hanging it.
 */

export interface LoadRun {
  readonly count: number;
  readonly wallMs: number;
  /** Latency of every payment, in ms, in completion order. */
  readonly latenciesMs: readonly number[];
}

export const runClosedLoop = async (
  count: number,
  concurrency: number,
  deadlineMs: number,
  call: (index: number) => Promise<void>,
): Promise<LoadRun> => {
  const latenciesMs: number[] = [];
  const started = performance.now();
  let next = 0;
  // One failed payment stops every caller, so the bench reports it at once.
  let failed = false;
  const caller = async (): Promise<void> => {
    while (next < count && !failed) {
      if (performance.now() - started > deadlineMs) {
        failed = true;
        throw new Error(`${latenciesMs.length}/${count} payments done in ${deadlineMs} ms; giving up`);
      }
      const index = next;
      next += 1;
      const t0 = performance.now();
      await call(index).catch((e: unknown) => {
        failed = true;
        throw e;
      });
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller));
  return { count, wallMs: performance.now() - started, latenciesMs };
};

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? NaN;
};

/** Several runs' payments taken together: total count over total wall time, all latencies pooled. */
export const pool = (runs: readonly LoadRun[]): LoadRun => ({
  count: runs.reduce((n, r) => n + r.count, 0),
  wallMs: runs.reduce((n, r) => n + r.wallMs, 0),
  latenciesMs: runs.flatMap((r) => r.latenciesMs),
});

export const perSecond = (run: LoadRun): number => (run.count * 1000) / run.wallMs;
