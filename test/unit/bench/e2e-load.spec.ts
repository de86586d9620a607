import { percentile, perSecond, pool, runClosedLoop } from '../../../bench/_e2e-load';

describe('e2e bench load driver', () => {
  it('makes exactly the asked number of calls, each index once, never more than the concurrency at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await runClosedLoop(37, 4, 60_000, async (index) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      seen.push(index);
      inFlight -= 1;
    });
    expect(result.count).toBe(37);
    expect(result.latenciesMs).toHaveLength(37);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    expect(maxInFlight).toBe(4);
  });

  it('fails on the first failed call and stops starting new ones', async () => {
    let calls = 0;
    const run = runClosedLoop(100, 2, 60_000, async (index) => {
      calls += 1;
      await Promise.resolve();
      if (index === 3) throw new Error('payment 3 failed');
    });
    await expect(run).rejects.toThrow('payment 3 failed');
    expect(calls).toBeLessThan(10);
  });

  it('gives up once its deadline has passed instead of hanging', async () => {
    await expect(runClosedLoop(10, 1, -1, () => Promise.resolve())).rejects.toThrow(/giving up/);
  });

  it('takes nearest-rank percentiles of unsorted samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('pools rounds as total payments over total wall time', () => {
    const pooled = pool([
      { count: 100, wallMs: 1000, latenciesMs: [1, 2] },
      { count: 300, wallMs: 1000, latenciesMs: [3] },
    ]);
    expect(pooled.count).toBe(400);
    expect(pooled.latenciesMs).toEqual([1, 2, 3]);
    expect(perSecond(pooled)).toBe(200);
  });
});
