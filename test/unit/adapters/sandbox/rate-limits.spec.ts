import {
  authCode,
  payBody,
  removeDir,
  startHarness,
  SUB_MCHID,
  tempStateDir,
  uniqueNo,
  type Harness,
} from './support/harness';

/** Reference §10, §5.5: per-endpoint limits answer 429, and failing refund requests have their own 6 QPS budget. */

let dir: string;
let h: Harness;

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { rateLimits: { pay: 3 } });
});
afterAll(async () => {
  await h.close();
  removeDir(dir);
});

const pay = () =>
  h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo: uniqueNo('rl'), authCode: authCode('00') }),
  });

describe('rate limits', () => {
  it('answers 429 RATE_LIMITED beyond the pay limit within one second, and admits again a second later', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await pay()).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await pay();
    expect(limited.json()['code']).toBe('RATE_LIMITED');
    h.clock.advance(1_000);
    expect((await pay()).status).toBe(200);
  });

  it('stops refund requests after 6 failed ones in a second, even valid ones', async () => {
    h.clock.advance(1_000);
    const bad = () =>
      h.client.send('POST', '/v3/global/refunds', {
        body: JSON.stringify({
          sp_mchid: h.spMchid,
          sp_appid: h.spAppid,
          sub_mchid: SUB_MCHID,
          out_trade_no: 'no-such-order',
          out_refund_no: uniqueNo('R'),
          amount: { refund: 1, total: 1, currency: 'HKD' },
        }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await bad()).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429]);
    expect((await bad()).json()['code']).toBe('FREQUENCY_LIMIT_EXCEED');
  });

  it('limits can be changed through the control API', async () => {
    h.clock.advance(1_000);
    const limits = await h.control('POST', '/sandbox/rate-limits', { pay: 1 });
    expect(limits['pay']).toBe(1);
    expect((await pay()).status).toBe(200);
    expect((await pay()).status).toBe(429);
  });
});
