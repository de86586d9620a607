import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxOptions } from '../../../../src/adapters/sandbox';
import {
  authCode,
  manualClock,
  payBody,
  queryTarget,
  removeDir,
  startHarness,
  SUB_MCHID,
  tempStateDir,
  uniqueNo,
  type Harness,
} from './support/harness';

/** Issue 4 §3: the ledger per sub_mchid and currency, read-only over /sandbox/ledger; memory or SQLite state. */

interface Ledger {
  readonly entries: { kind: string; amount: number; subMchid: string; currency: string }[];
  readonly balances: { subMchid: string; currency: string; paid: number; refunded: number; net: number }[];
}

let dir: string;
beforeEach(() => {
  dir = tempStateDir();
});
afterEach(() => removeDir(dir));

const payAndRefund = async (h: Harness): Promise<{ outTradeNo: string; slow: string }> => {
  const outTradeNo = uniqueNo('lp');
  const paid = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: authCode('00'), total: 5000 }),
  });
  await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, {
      outTradeNo: uniqueNo('lp'),
      authCode: authCode('00'),
      total: 800,
      currency: 'USD',
      subMchid: '1900000110',
    }),
  });
  await h.client.send('POST', '/v3/global/refunds', {
    body: JSON.stringify({
      sp_mchid: h.spMchid,
      sp_appid: h.spAppid,
      sub_mchid: SUB_MCHID,
      transaction_id: paid.json()['id'],
      out_refund_no: uniqueNo('R'),
      amount: { refund: 1200, total: 5000, currency: 'HKD' },
    }),
  });
  const slow = uniqueNo('lp');
  await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo: slow, authCode: authCode('01', 30) }),
  });
  return { outTradeNo, slow };
};

describe('ledger', () => {
  it('records money per sub-merchant and currency, and is read-only', async () => {
    const h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 5 } });
    try {
      await payAndRefund(h);
      h.clock.advance(5_000);
      const ledger = (await h.control('GET', '/sandbox/ledger')) as unknown as Ledger;
      expect(ledger.entries.map((e) => [e.kind, e.amount, e.subMchid, e.currency])).toEqual([
        ['PAYMENT', 5000, SUB_MCHID, 'HKD'],
        ['PAYMENT', 800, '1900000110', 'USD'],
        ['REFUND', 1200, SUB_MCHID, 'HKD'],
      ]);
      expect(ledger.balances).toEqual([
        expect.objectContaining({
          subMchid: SUB_MCHID,
          currency: 'HKD',
          paid: 5000,
          refunded: 1200,
          net: 3800,
        }),
        expect.objectContaining({
          subMchid: '1900000110',
          currency: 'USD',
          paid: 800,
          refunded: 0,
          net: 800,
        }),
      ]);
      const write = await fetch(`${h.sandbox.baseUrl}/sandbox/ledger`, { method: 'POST', body: '{}' });
      expect(write.status).toBe(404);
    } finally {
      await h.close();
    }
  });
});

describe('the truth per order and refund', () => {
  it('lists every order with its trade state and every refund with its status, read-only', async () => {
    const h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 5 } });
    try {
      const { outTradeNo, slow } = await payAndRefund(h);
      h.clock.advance(5_000);
      const { orders } = (await h.control('GET', '/sandbox/orders')) as unknown as {
        orders: { outTradeNo: string; tradeState: string; total: number }[];
      };
      const byNo = new Map(orders.map((o) => [o.outTradeNo, o]));
      expect(orders).toHaveLength(3);
      expect(byNo.get(outTradeNo)).toEqual(expect.objectContaining({ tradeState: 'REFUND', total: 5000 }));
      expect(byNo.get(slow)).toEqual(expect.objectContaining({ tradeState: 'USERPAYING' }));
      const { refunds } = (await h.control('GET', '/sandbox/refunds')) as unknown as {
        refunds: { outTradeNo: string; status: string; refund: number }[];
      };
      expect(refunds).toEqual([expect.objectContaining({ outTradeNo, status: 'SUCCESS', refund: 1200 })]);
      const write = await fetch(`${h.sandbox.baseUrl}/sandbox/orders`, { method: 'POST', body: '{}' });
      expect(write.status).toBe(404);
    } finally {
      await h.close();
    }
  });
});

describe('persistence', () => {
  const restartWith = async (persistence: NonNullable<SandboxOptions['persistence']>) => {
    const clock = manualClock();
    const first = await startHarness(dir, { persistence }, clock);
    const { outTradeNo, slow } = await payAndRefund(first);
    const before = await first.control('GET', '/sandbox/ledger');
    await first.close();
    clock.advance(30_000);
    const second = await startHarness(dir, { persistence }, clock);
    return { second, outTradeNo, slow, before };
  };

  it('sqlite: orders, refunds, the ledger and pending transitions survive a restart', async () => {
    const { second, outTradeNo, slow, before } = await restartWith('sqlite');
    try {
      expect(existsSync(join(dir, 'sandbox.sqlite'))).toBe(true);
      const order = await second.client.send('GET', queryTarget(second, outTradeNo));
      expect(order.json()['trade_state']).toBe('REFUND');
      expect(
        ((await second.control('GET', '/sandbox/ledger'))['entries'] as unknown[]).length,
      ).toBeGreaterThanOrEqual((before['entries'] as unknown[]).length);
      expect((await second.client.send('GET', queryTarget(second, slow))).json()['trade_state']).toBe(
        'SUCCESS',
      );
    } finally {
      await second.close();
    }
  });

  it('memory: a restart starts empty', async () => {
    const { second, outTradeNo } = await restartWith('memory');
    try {
      expect((await second.client.send('GET', queryTarget(second, outTradeNo))).status).toBe(404);
      expect((await second.control('GET', '/sandbox/ledger'))['entries']).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
