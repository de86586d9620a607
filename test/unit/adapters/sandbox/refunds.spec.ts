import {
  authCode,
  payBody,
  queryTarget,
  removeDir,
  startHarness,
  SUB_MCHID,
  tempStateDir,
  uniqueNo,
  type Harness,
} from './support/harness';
import type { WireResponse } from './support/wire';

/** Reference §5.5–§5.7, §7.2: refund rules, idempotency, and PROCESSING → final after configurable delays. */

let dir: string;
let h: Harness;

beforeAll(async () => {
  dir = tempStateDir();
  h = await startHarness(dir, { refundDelaySeconds: { SUCCESS: 30, REFUNDCLOSE: 20, ABNORMAL: 40 } });
});
afterAll(async () => {
  await h.close();
  removeDir(dir);
});

const MINUTE = 60_000;

const paidOrder = async (total = 1000): Promise<{ outTradeNo: string; id: string }> => {
  const outTradeNo = uniqueNo('rf');
  const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: authCode('00'), total }),
  });
  expect(response.status).toBe(200);
  return { outTradeNo, id: response.json()['id'] as string };
};

interface RefundFields {
  readonly transactionId?: string;
  readonly outTradeNo?: string;
  readonly outRefundNo?: string;
  readonly refund: number;
  readonly total?: number;
  readonly currency?: string;
  readonly reason?: string;
}

const refund = (fields: RefundFields): Promise<WireResponse> =>
  h.client.send('POST', '/v3/global/refunds', {
    body: JSON.stringify({
      sp_mchid: h.spMchid,
      sp_appid: h.spAppid,
      sub_mchid: SUB_MCHID,
      ...(fields.transactionId === undefined ? {} : { transaction_id: fields.transactionId }),
      ...(fields.outTradeNo === undefined ? {} : { out_trade_no: fields.outTradeNo }),
      out_refund_no: fields.outRefundNo ?? uniqueNo('R'),
      ...(fields.reason === undefined ? {} : { reason: fields.reason }),
      amount: { refund: fields.refund, total: fields.total ?? 1000, currency: fields.currency ?? 'HKD' },
    }),
  });

const refundStatus = async (outRefundNo: string): Promise<unknown> =>
  (
    await h.client.send(
      'GET',
      `/v3/global/refunds/out-refund-no/${outRefundNo}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    )
  ).json()['status'];

const code = (response: WireResponse): unknown => response.json()['code'];

describe('refund rules', () => {
  it('the sum of refunds never exceeds the total', async () => {
    const { id } = await paidOrder();
    expect((await refund({ transactionId: id, refund: 600 })).status).toBe(200);
    h.clock.advance(MINUTE);
    const over = await refund({ transactionId: id, refund: 401 });
    expect(over.status).toBe(400);
    expect(code(over)).toBe('INVALID_REQUEST');
    h.clock.advance(MINUTE);
    expect((await refund({ transactionId: id, refund: 400 })).status).toBe(200);
  });

  it('a closed refund gives its amount back to the refundable total', async () => {
    const { id } = await paidOrder();
    const closing = await refund({ transactionId: id, refund: 1000, reason: 'SANDBOX_REFUNDCLOSE' });
    h.clock.advance(MINUTE);
    expect(await refundStatus(closing.json()['out_refund_no'] as string)).toBe('REFUNDCLOSE');
    expect((await refund({ transactionId: id, refund: 1000 })).status).toBe(200);
  });

  it('an order takes at most 50 refunds', async () => {
    const { id } = await paidOrder();
    for (let i = 0; i < 50; i += 1) {
      expect((await refund({ transactionId: id, refund: 1 })).status).toBe(200);
      h.clock.advance(MINUTE);
    }
    const fiftyFirst = await refund({ transactionId: id, refund: 1 });
    expect(fiftyFirst.status).toBe(400);
    expect(fiftyFirst.json()['message']).toContain('50');
  });

  it('refunds of one order must be at least 60 s apart', async () => {
    const { id } = await paidOrder();
    await refund({ transactionId: id, refund: 100 });
    h.clock.advance(MINUTE - 1);
    const early = await refund({ transactionId: id, refund: 100 });
    expect(early.status).toBe(429);
    expect(code(early)).toBe('FREQUENCY_LIMITED');
    h.clock.advance(1);
    expect((await refund({ transactionId: id, refund: 100 })).status).toBe(200);
  });

  it('out_refund_no is idempotent: same parameters give the same refund, others OUT_REFUND_NO_USED', async () => {
    const { id, outTradeNo } = await paidOrder();
    const outRefundNo = uniqueNo('R');
    const first = await refund({ transactionId: id, outRefundNo, refund: 300 });
    h.clock.advance(1_000);
    const retry = await refund({ outTradeNo, outRefundNo, refund: 300 });
    expect(retry.status).toBe(200);
    expect(retry.json()['id']).toBe(first.json()['id']);
    const different = await refund({ transactionId: id, outRefundNo, refund: 301 });
    expect(different.status).toBe(403);
    expect(code(different)).toBe('OUT_REFUND_NO_USED');
    const list = await h.client.send(
      'GET',
      `/v3/global/refunds?transaction_id=${id}&sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(list.json()['total_num']).toBe(1);
  });

  it('PROCESSING becomes SUCCESS after the configured delay, and money leaves the ledger then', async () => {
    const { id } = await paidOrder();
    const created = await refund({ transactionId: id, refund: 250 });
    expect(created.json()).toMatchObject({ status: 'PROCESSING', amount: { refund: 250, currency: 'HKD' } });
    const outRefundNo = created.json()['out_refund_no'] as string;
    h.clock.advance(29_999);
    expect(await refundStatus(outRefundNo)).toBe('PROCESSING');
    h.clock.advance(1);
    expect(await refundStatus(outRefundNo)).toBe('SUCCESS');
    const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as {
      refundId?: string;
      amount: number;
    }[];
    expect(entries.filter((e) => e.refundId === created.json()['id']).map((e) => e.amount)).toEqual([250]);
    const order = await h.client.send(
      'GET',
      `/v3/global/transactions/id/${id}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(order.json()['trade_state']).toBe('REFUND');
  });

  it.each([
    ['SANDBOX_REFUNDCLOSE', 'REFUNDCLOSE', 20_000],
    ['SANDBOX_ABNORMAL', 'ABNORMAL', 40_000],
  ])(
    'reason %s makes the refund end %s after its own delay, with no money moved',
    async (reason, status, delay) => {
      const { id } = await paidOrder();
      const created = await refund({ transactionId: id, refund: 100, reason });
      const outRefundNo = created.json()['out_refund_no'] as string;
      h.clock.advance(delay - 1);
      expect(await refundStatus(outRefundNo)).toBe('PROCESSING');
      h.clock.advance(1);
      expect(await refundStatus(outRefundNo)).toBe(status);
      const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as { refundId?: string }[];
      expect(entries.filter((e) => e.refundId === created.json()['id'])).toHaveLength(0);
    },
  );

  it('the control API chooses the outcome of later refunds', async () => {
    await h.control('POST', '/sandbox/refunds/outcome', { outcome: 'ABNORMAL' });
    try {
      const { id } = await paidOrder();
      const created = await refund({ transactionId: id, refund: 100 });
      h.clock.advance(40_000);
      expect(await refundStatus(created.json()['out_refund_no'] as string)).toBe('ABNORMAL');
    } finally {
      await h.control('POST', '/sandbox/refunds/outcome', { outcome: null });
    }
  });

  it('refuses an unpaid order, a wrong total, a wrong currency, and an order paid over a year ago', async () => {
    const unpaidNo = uniqueNo('rf');
    await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
      body: payBody(h, { outTradeNo: unpaidNo, authCode: authCode('03') }),
    });
    expect(code(await refund({ outTradeNo: unpaidNo, refund: 1 }))).toBe('INVALID_REQUEST');
    const { id } = await paidOrder();
    const wrongTotal = await refund({ transactionId: id, refund: 1, total: 999 });
    expect(wrongTotal.json()).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '#/properties/amount/total' },
    });
    const wrongCurrency = await refund({ transactionId: id, refund: 1, currency: 'USD' });
    expect(wrongCurrency.json()).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '#/properties/amount/currency' },
    });
    h.clock.advance(366 * 24 * 3600_000);
    expect(code(await refund({ transactionId: id, refund: 1 }))).toBe('INVALID_REQUEST');
    expect(code(await refund({ outTradeNo: 'never-paid', refund: 1 }))).toBe('ORDER_NOT_EXIST');
  });

  it('queries one refund by id and by out_refund_no, and lists an order’s refunds page by page', async () => {
    const { id, outTradeNo } = await paidOrder();
    const numbers: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      numbers.push((await refund({ transactionId: id, refund: 10 })).json()['out_refund_no'] as string);
      h.clock.advance(MINUTE);
    }
    const one = await h.client.send(
      'GET',
      `/v3/global/refunds/out-refund-no/${numbers[0] ?? ''}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    const byId = await h.client.send(
      'GET',
      `/v3/global/refunds/id/${one.json()['id'] as string}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(byId.json()).toEqual(one.json());
    expect(one.json()).toMatchObject({ transaction_id: id, out_trade_no: outTradeNo, channel: 'ORIGINAL' });
    const page = await h.client.send(
      'GET',
      `/v3/global/refunds?out_trade_no=${outTradeNo}&offset=1&count=2&sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(page.json()).toMatchObject({ id, total_num: 3, current_total_num: 2 });
    expect((page.json()['data'] as { out_refund_no: string }[]).map((r) => r.out_refund_no)).toEqual(
      numbers.slice(1),
    );
    const tooMany = await h.client.send(
      'GET',
      `/v3/global/refunds?out_trade_no=${outTradeNo}&count=21&sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(tooMany.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'count' } });
    expect((await h.client.send('GET', queryTarget(h, outTradeNo))).json()['trade_state']).toBe('REFUND');
  });
});

describe('refund controls (ABNORMAL then settled, refusals for now, outcome delays)', () => {
  const ledgerHas = async (refundId: string): Promise<boolean> =>
    ((await h.control('GET', '/sandbox/ledger'))['entries'] as { refundId?: string }[]).some(
      (e) => e.refundId === refundId,
    );

  it('an ABNORMAL refund is paid out at the moment chosen, and only then leaves the ledger', async () => {
    const { id } = await paidOrder();
    const created = await refund({ transactionId: id, refund: 100, reason: 'SANDBOX_ABNORMAL' });
    const no = created.json()['out_refund_no'] as string;
    h.clock.advance(40_000);
    expect(await refundStatus(no)).toBe('ABNORMAL');
    const moved = await h.control('POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: no,
      status: 'SUCCESS',
      after_seconds: 120,
    });
    expect(moved).toMatchObject({ status: 'ABNORMAL', pending: { to: 'SUCCESS' } });
    h.clock.advance(119_000);
    expect(await refundStatus(no)).toBe('ABNORMAL');
    expect(await ledgerHas(created.json()['id'] as string)).toBe(false);
    h.clock.advance(1_000);
    expect(await refundStatus(no)).toBe('SUCCESS');
    expect(await ledgerHas(created.json()['id'] as string)).toBe(true);
    // A settled refund cannot be moved again.
    const again = await h.control('POST', '/sandbox/refunds/transition', {
      sub_mchid: SUB_MCHID,
      out_refund_no: no,
      status: 'REFUNDCLOSE',
    });
    expect(again).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('refuses the next N new submissions NOT_ENOUGH (403); the same out_refund_no then succeeds', async () => {
    const { id } = await paidOrder();
    const no = uniqueNo('R');
    await h.control('POST', '/sandbox/refunds/refusals', { code: 'NOT_ENOUGH', count: 2 });
    try {
      for (let i = 0; i < 2; i += 1) {
        const refused = await refund({ transactionId: id, outRefundNo: no, refund: 100 });
        expect(refused.status).toBe(403);
        expect(code(refused)).toBe('NOT_ENOUGH');
      }
      const accepted = await refund({ transactionId: id, outRefundNo: no, refund: 100 });
      expect(accepted.status).toBe(200);
      expect(await h.control('GET', '/sandbox/refunds/controls')).toMatchObject({ refusal: null });
    } finally {
      await h.control('POST', '/sandbox/refunds/refusals', { code: null });
    }
  });

  it('refuses for a duration FREQUENCY_LIMITED (429), then lets submissions through', async () => {
    const { id } = await paidOrder();
    await h.control('POST', '/sandbox/refunds/refusals', { code: 'FREQUENCY_LIMITED', seconds: 60 });
    try {
      const refused = await refund({ transactionId: id, refund: 100 });
      expect(refused.status).toBe(429);
      expect(code(refused)).toBe('FREQUENCY_LIMITED');
      h.clock.advance(60_000);
      expect((await refund({ transactionId: id, refund: 100 })).status).toBe(200);
    } finally {
      await h.control('POST', '/sandbox/refunds/refusals', { code: null });
    }
  });

  it('outcome delays are settable at run time', async () => {
    const before = (await h.control('GET', '/sandbox/refunds/controls'))['delay_seconds'];
    expect(before).toMatchObject({ SUCCESS: 30 });
    await h.control('POST', '/sandbox/refunds/delays', { SUCCESS: 300 });
    try {
      const { id } = await paidOrder();
      const no = (await refund({ transactionId: id, refund: 100 })).json()['out_refund_no'] as string;
      h.clock.advance(299_000);
      expect(await refundStatus(no)).toBe('PROCESSING');
      h.clock.advance(1_000);
      expect(await refundStatus(no)).toBe('SUCCESS');
      const bad = await h.control('POST', '/sandbox/refunds/delays', { SUCCESS: -1 });
      expect(bad).toMatchObject({ code: 'PARAM_ERROR' });
    } finally {
      await h.control('POST', '/sandbox/refunds/delays', { SUCCESS: 30 });
    }
  });
});
