import { backoffDelay, retryOnUnknown } from '../../../../src/adapters/wechatpay/retry';
import type { GatewayOutcome } from '../../../../src/ports/wechat-pay-gateway';

describe('read retry policy', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 500 };

  it('backs off exponentially, capped, with full jitter', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([
      99, 199, 399, 499, 499,
    ]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('sleeps the jittered delay between attempts and stops at the first non-Unknown', async () => {
    const outcomes: GatewayOutcome<number>[] = [
      { _tag: 'Unknown', reason: 'Timeout', detail: 't' },
      { _tag: 'Unknown', reason: 'ServerError', detail: 's' },
      { _tag: 'Success', value: 7 },
    ];
    const slept: number[] = [];
    const result = await retryOnUnknown(
      () => Promise.resolve(outcomes.shift() ?? { _tag: 'Success', value: 0 }),
      policy,
      { random: () => 0.5, sleep: (ms) => (slept.push(ms), Promise.resolve()) },
      () => undefined,
    );
    expect(result).toEqual({ _tag: 'Success', value: 7 });
    expect(slept).toEqual([50, 100]);
  });
});
