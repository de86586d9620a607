import {
  authCode,
  payBody,
  queryTarget,
  SUB_MCHID,
  uniqueNo,
  type Harness,
  withSharedHarness,
} from './support/harness';

/** Reference §5.3: reverse only ≥ 15 s after creation and within 7 days; a paid order is refunded and REVOKED. */

let h: Harness;
withSharedHarness((started) => (h = started));

const pay = async (scenario: string, seconds = 0): Promise<{ outTradeNo: string; id: string }> => {
  const outTradeNo = uniqueNo('rv');
  const response = await h.client.send('POST', '/v3/global/micropay/transactions/pay', {
    body: payBody(h, { outTradeNo, authCode: authCode(scenario, seconds) }),
  });
  return { outTradeNo, id: response.json()['id'] as string };
};

const reverse = (path: string) =>
  h.client.send('POST', `/v3/global/micropay/transactions/${path}/reverse`, {
    body: JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: SUB_MCHID }),
  });

const state = async (outTradeNo: string): Promise<unknown> =>
  (await h.client.send('GET', queryTarget(h, outTradeNo))).json()['trade_state'];

describe('reverse', () => {
  it('is refused before 15 s and accepted at 15 s', async () => {
    const { outTradeNo } = await pay('03');
    h.clock.advance(14_999);
    const early = await reverse(`out-trade-no/${outTradeNo}`);
    expect(early.status).toBe(400);
    expect(early.json()['code']).toBe('INVALID_REQUEST');
    expect(await state(outTradeNo)).toBe('USERPAYING');
    h.clock.advance(1);
    expect((await reverse(`out-trade-no/${outTradeNo}`)).status).toBe(204);
    expect(await state(outTradeNo)).toBe('REVOKED');
  });

  it('is refused after 7 days', async () => {
    const { outTradeNo } = await pay('00');
    h.clock.advance(7 * 24 * 3600_000 + 1);
    const late = await reverse(`out-trade-no/${outTradeNo}`);
    expect(late.status).toBe(400);
    expect(await state(outTradeNo)).toBe('SUCCESS');
  });

  it('reversing a paid order refunds it on the ledger and ends REVOKED', async () => {
    const { outTradeNo, id } = await pay('00');
    h.clock.advance(20_000);
    expect((await reverse(`id/${id}`)).status).toBe(204);
    expect(await state(outTradeNo)).toBe('REVOKED');
    const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as {
      transactionId: string;
      kind: string;
      amount: number;
      cause?: string;
    }[];
    const mine = entries.filter((e) => e.transactionId === id);
    expect(mine.map((e) => [e.kind, e.amount, e.cause])).toEqual([
      ['PAYMENT', 1000, undefined],
      ['REFUND', 1000, 'REVERSAL'],
    ]);
  });

  it('is re-entrant: reversing a reversed order again answers 204 and moves no money', async () => {
    const { outTradeNo, id } = await pay('00');
    h.clock.advance(15_000);
    await reverse(`out-trade-no/${outTradeNo}`);
    expect((await reverse(`out-trade-no/${outTradeNo}`)).status).toBe(204);
    const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as { transactionId: string }[];
    expect(entries.filter((e) => e.transactionId === id)).toHaveLength(2);
  });

  it('a USERPAYING order is closed by reverse and never paid afterwards', async () => {
    const { outTradeNo, id } = await pay('01', 30);
    h.clock.advance(15_000);
    expect(await state(outTradeNo)).toBe('USERPAYING');
    expect((await reverse(`out-trade-no/${outTradeNo}`)).status).toBe(204);
    h.clock.advance(60_000);
    expect(await state(outTradeNo)).toBe('REVOKED');
    const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as { transactionId: string }[];
    expect(entries.filter((e) => e.transactionId === id)).toHaveLength(0);
  });

  it('an unknown order is 404', async () => {
    const response = await reverse('out-trade-no/never-created');
    expect(response.status).toBe(404);
    expect(response.json()['code']).toBe('ORDER_NOT_EXIST');
  });

  it('reversing a partly refunded order takes back only what was not refunded yet', async () => {
    const { outTradeNo, id } = await pay('00');
    await h.client.send('POST', '/v3/global/refunds', {
      body: JSON.stringify({
        sp_mchid: h.spMchid,
        sp_appid: h.spAppid,
        sub_mchid: SUB_MCHID,
        transaction_id: id,
        out_refund_no: uniqueNo('R'),
        amount: { refund: 300, total: 1000, currency: 'HKD' },
      }),
    });
    h.clock.advance(20_000);
    expect((await reverse(`out-trade-no/${outTradeNo}`)).status).toBe(204);
    const entries = (await h.control('GET', '/sandbox/ledger'))['entries'] as {
      transactionId: string;
      cause?: string;
      amount: number;
    }[];
    expect(
      entries.filter((e) => e.transactionId === id && e.cause === 'REVERSAL').map((e) => e.amount),
    ).toEqual([700]);
  });
});

describe('reverse faults (control API)', () => {
  afterEach(async () => {
    await h.control('POST', '/sandbox/faults/reverse', { errors: 0, hangs: 0 });
  });

  it('the next N reverse calls answer 500 with nothing done; the one after works', async () => {
    const { outTradeNo } = await pay('03');
    h.clock.advance(15_000);
    expect(await h.control('POST', '/sandbox/faults/reverse', { errors: 2 })).toEqual({
      errors: 2,
      hangs: 0,
    });
    for (const left of [1, 0]) {
      const failed = await reverse(`out-trade-no/${outTradeNo}`);
      expect(failed.status).toBe(500);
      expect(failed.json()['code']).toBe('SYSTEM_ERROR');
      expect(await state(outTradeNo)).toBe('USERPAYING');
      expect(await h.control('GET', '/sandbox/faults/reverse')).toEqual({ errors: left, hangs: 0 });
    }
    expect((await reverse(`out-trade-no/${outTradeNo}`)).status).toBe(204);
    expect(await state(outTradeNo)).toBe('REVOKED');
  });

  it('a hung reverse is carried out but never answered: the client’s timeout decides', async () => {
    const { outTradeNo } = await pay('03');
    h.clock.advance(15_000);
    await h.control('POST', '/sandbox/faults/reverse', { hangs: 1 });
    const hung = h.client.send(
      'POST',
      `/v3/global/micropay/transactions/out-trade-no/${outTradeNo}/reverse`,
      {
        body: JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: SUB_MCHID }),
        timeoutMs: 300,
      },
    );
    await expect(hung).rejects.toThrow('client timeout');
    expect(await state(outTradeNo)).toBe('REVOKED');
    expect(await h.control('GET', '/sandbox/faults/reverse')).toEqual({ errors: 0, hangs: 0 });
  });

  it('refuses a count that is not a whole number ≥ 0, and changes nothing', async () => {
    await h.control('POST', '/sandbox/faults/reverse', { errors: 1 });
    const refused = await h.control('POST', '/sandbox/faults/reverse', { errors: -1, hangs: 1.5 });
    expect(refused['code']).toBe('PARAM_ERROR');
    expect(await h.control('GET', '/sandbox/faults/reverse')).toEqual({ errors: 1, hangs: 0 });
  });
});
