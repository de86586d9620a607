import { janitorDelayMs } from '../../../../src/domain';

const total = (kind: 'order' | 'refund'): { attempts: number; ms: number } => {
  let ms = 0;
  let attempts = 0;
  for (let d = janitorDelayMs(0, kind); d !== undefined; d = janitorDelayMs(++attempts, kind)) ms += d;
  return { attempts, ms };
};

describe('the janitor schedule', () => {
  it('starts at 1 min, 5 min, 30 min, then goes hourly', () => {
    expect([0, 1, 2, 3, 4].map((n) => janitorDelayMs(n, 'order'))).toEqual([
      60_000, 300_000, 1_800_000, 3_600_000, 3_600_000,
    ]);
  });

  it('queries an order for at most 7 days, then leaves it to an operator', () => {
    const { ms } = total('order');
    expect(ms).toBeLessThanOrEqual(7 * 24 * 3_600_000);
    expect(ms).toBeGreaterThan(7 * 24 * 3_600_000 - 3_600_000);
  });

  it('goes on daily for a refund, within a year', () => {
    const order = total('order');
    expect(janitorDelayMs(order.attempts, 'refund')).toBe(24 * 3_600_000);
    expect(total('refund').ms).toBeLessThanOrEqual(373 * 24 * 3_600_000);
  });

  it('has no attempt before the first or between whole attempts', () => {
    expect(janitorDelayMs(-1, 'refund')).toBeUndefined();
    expect(janitorDelayMs(1.5, 'refund')).toBeUndefined();
  });
});
