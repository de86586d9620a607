import {
  authCode,
  payBody,
  queryTarget,
  SUB_MCHID,
  uniqueNo,
  type Harness,
  withSharedHarness,
} from './support/harness';

/** Reference §5.1, §5.2, §7.1: one auth code per out_trade_no; an out_trade_no is never reused with other parameters. */

let h: Harness;
withSharedHarness((started) => (h = started));

const PAY = '/v3/global/micropay/transactions/pay';

describe('order rules', () => {
  it('a resubmission with identical parameters answers the same order without charging twice', async () => {
    const body = payBody(h, { outTradeNo: uniqueNo('or'), authCode: authCode('00') });
    const first = await h.client.send('POST', PAY, { body });
    const second = await h.client.send('POST', PAY, { body });
    expect(second.status).toBe(200);
    expect(second.json()['id']).toBe(first.json()['id']);
    const ledger = (await h.control('GET', '/sandbox/ledger'))['entries'] as { transactionId: string }[];
    expect(ledger.filter((e) => e.transactionId === first.json()['id'])).toHaveLength(1);
  });

  it('reusing an out_trade_no with different parameters is rejected', async () => {
    const outTradeNo = uniqueNo('or');
    await h.client.send('POST', PAY, { body: payBody(h, { outTradeNo, authCode: authCode('00') }) });
    const otherAmount = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo, authCode: authCode('00'), total: 2000 }),
    });
    expect(otherAmount.status).toBe(403);
    expect(otherAmount.json()['code']).toBe('OUT_TRADE_NO_USED');
  });

  it('an out_trade_no with a new auth code is rejected: a new code needs a new number', async () => {
    const outTradeNo = uniqueNo('or');
    await h.client.send('POST', PAY, { body: payBody(h, { outTradeNo, authCode: authCode('03') }) });
    const retry = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo, authCode: authCode('00') }),
    });
    expect(retry.json()['code']).toBe('OUT_TRADE_NO_USED');
  });

  it('one auth code serves one out_trade_no only', async () => {
    const code = authCode('00');
    const first = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo: uniqueNo('or'), authCode: code }),
    });
    expect(first.status).toBe(200);
    const second = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo: uniqueNo('or'), authCode: code }),
    });
    expect(second.status).toBe(400);
    expect(second.json()['code']).toBe('INVALID_REQUEST');
  });

  it('the same out_trade_no under another sub-merchant is another order', async () => {
    const outTradeNo = uniqueNo('or');
    const a = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo, authCode: authCode('00') }),
    });
    const b = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo, authCode: authCode('00'), subMchid: '1900000110' }),
    });
    expect(b.status).toBe(200);
    expect(b.json()['id']).not.toBe(a.json()['id']);
  });

  it('queries by out_trade_no and by WeChat id give the same order; another sub_mchid is refused', async () => {
    const outTradeNo = uniqueNo('or');
    const paid = await h.client.send('POST', PAY, {
      body: payBody(h, { outTradeNo, authCode: authCode('00') }),
    });
    const id = paid.json()['id'] as string;
    const byNo = await h.client.send('GET', queryTarget(h, outTradeNo));
    const byId = await h.client.send(
      'GET',
      `/v3/global/transactions/id/${id}?sp_mchid=${h.spMchid}&sub_mchid=${SUB_MCHID}`,
    );
    expect(byId.json()).toEqual(byNo.json());
    expect(byNo.json()).toMatchObject({
      id,
      sp_mchid: h.spMchid,
      sub_mchid: SUB_MCHID,
      sp_appid: h.spAppid,
      out_trade_no: outTradeNo,
      amount: { total: 1000, currency: 'HKD', payer_currency: 'CNY' },
    });
    const other = await h.client.send(
      'GET',
      `/v3/global/transactions/id/${id}?sp_mchid=${h.spMchid}&sub_mchid=1900000110`,
    );
    expect(other.status).toBe(400);
    expect((await h.client.send('GET', queryTarget(h, outTradeNo, '1900000110'))).status).toBe(404);
  });

  it('a query without sub_mchid is PARAM_ERROR naming it', async () => {
    const response = await h.client.send(
      'GET',
      `/v3/global/transactions/out-trade-no/x?sp_mchid=${h.spMchid}`,
    );
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: 'sub_mchid', location: 'query' },
    });
  });

  it('a body naming another institution is refused', async () => {
    const body = JSON.parse(payBody(h, { outTradeNo: uniqueNo('or'), authCode: authCode('00') })) as Record<
      string,
      unknown
    >;
    const response = await h.client.send('POST', PAY, {
      body: JSON.stringify({ ...body, sp_mchid: '1230000001' }),
    });
    expect(response.status).toBe(403);
    expect(response.json()['code']).toBe('NO_AUTH');
  });

  it('close: an unpaid order closes, a paid one answers ORDER_PAID', async () => {
    const unpaid = uniqueNo('or');
    await h.client.send('POST', PAY, { body: payBody(h, { outTradeNo: unpaid, authCode: authCode('03') }) });
    const mchids = JSON.stringify({ sp_mchid: h.spMchid, sub_mchid: SUB_MCHID });
    const closed = await h.client.send('POST', `/v3/global/transactions/out-trade-no/${unpaid}/close`, {
      body: mchids,
    });
    expect(closed.status).toBe(204);
    expect((await h.client.send('GET', queryTarget(h, unpaid))).json()['trade_state']).toBe('CLOSED');
    const paid = uniqueNo('or');
    await h.client.send('POST', PAY, { body: payBody(h, { outTradeNo: paid, authCode: authCode('00') }) });
    const refused = await h.client.send('POST', `/v3/global/transactions/out-trade-no/${paid}/close`, {
      body: mchids,
    });
    expect(refused.json()['code']).toBe('ORDER_PAID');
  });

  it('an unknown API path is 404', async () => {
    const response = await h.client.send('GET', '/v3/pay/transactions/id/1');
    expect(response.status).toBe(404);
  });
});
