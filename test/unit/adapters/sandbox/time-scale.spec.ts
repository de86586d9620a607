import {
  authCode,
  manualClock,
  payBody,
  queryTarget,
  removeDir,
  startHarness,
  tempStateDir,
  uniqueNo,
  waitFor,
} from './support/harness';

/** Issue 4 §7: business time runs timeScale times faster; signatures keep using the unscaled clock. */

let dir: string;
beforeAll(() => {
  dir = tempStateDir();
});
afterAll(() => removeDir(dir));

describe('time scale', () => {
  it('at 1000× a never-paid order is auto-revoked at 45 business seconds without the test moving time', async () => {
    const h = await startHarness(
      dir,
      { timeScale: 1000, clock: { now: () => Date.now() } },
      { now: Date.now, advance: () => undefined },
    );
    try {
      const outTradeNo = uniqueNo('ts');
      const created = h.sandbox.now();
      const pay = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
        body: payBody(h, { outTradeNo, authCode: authCode('03') }),
      });
      expect(pay.status).toBe(202);
      await waitFor('REVOKED', async () => {
        const state = (await h.client.send('GET', queryTarget(h, outTradeNo))).json()['trade_state'];
        return state === 'REVOKED' ? state : undefined;
      });
      expect(h.sandbox.now() - created).toBeGreaterThanOrEqual(45_000);
      // Requests are still signed with the real clock: the ±300 s check is against protocol time.
      expect((await h.client.send('GET', queryTarget(h, outTradeNo))).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('applies on top of an injected clock', async () => {
    const clock = manualClock();
    const h = await startHarness(dir, { timeScale: 10 }, clock);
    try {
      const start = h.sandbox.now();
      clock.advance(1_000);
      expect(h.sandbox.now() - start).toBe(10_000);
      const outTradeNo = uniqueNo('ts');
      await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
        body: payBody(h, { outTradeNo, authCode: authCode('01', 20) }),
      });
      clock.advance(1_999);
      expect((await h.client.send('GET', queryTarget(h, outTradeNo))).json()['trade_state']).toBe(
        'USERPAYING',
      );
      clock.advance(1);
      expect((await h.client.send('GET', queryTarget(h, outTradeNo))).json()['trade_state']).toBe('SUCCESS');
    } finally {
      await h.close();
    }
  });
});
