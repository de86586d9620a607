import * as TE from 'fp-ts/TaskEither';
import { AUTH, createHarness, lastCall, paymentView, type Harness } from './fake-api';

const validBody = {
  sub_mchid: '1900000109',
  out_trade_no: 'T20261127001',
  auth_code: '134567890123451234',
  amount: { total: 1000, currency: 'HKD' },
  description: 'Shop - coffee',
};

describe('merchant API: payments', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.app.close());

  const create = (body: unknown, query = '') =>
    h.app.inject({ method: 'POST', url: `/v1/payments${query}`, headers: AUTH, payload: body as object });

  it('a payment is created from the snake_case body and rendered in snake_case', async () => {
    const res = await create({
      ...validBody,
      attach: 'till 4',
      goods_tag: 'WXG',
      merchant_category_code: '5812',
      sub_appid: 'wx123',
      scene_info: { device_id: 'POS-1', store_info: { name: 'Central', address: '1 Queen St' } },
      an_extra_field: 'tolerated',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBe('/v1/payments/1900000109/T20261127001');
    const [input, context, waitMs] = lastCall(h.api, 'createPayment');
    expect(input).toEqual({
      subMchid: '1900000109',
      outTradeNo: 'T20261127001',
      authCode: '134567890123451234',
      amount: { amount: 1000, currency: 'HKD' },
      description: 'Shop - coffee',
      attach: 'till 4',
      goodsTag: 'WXG',
      merchantCategoryCode: '5812',
      subAppid: 'wx123',
      sceneInfo: { deviceId: 'POS-1', storeInfo: { name: 'Central', address: '1 Queen St' } },
    });
    expect(context).toEqual({ actor: 'api-token', correlationId: res.headers['x-request-id'] });
    expect(waitMs).toBeUndefined();
    expect(res.json()).toEqual({
      sp_mchid: '1900000100',
      sub_mchid: '1900000109',
      out_trade_no: 'T20261127001',
      status: 'SUCCEEDED',
      amount: { total: 1000, currency: 'HKD' },
      description: 'Shop - coffee',
      auth_code_masked: '134567********1234',
      transaction_id: '4200000000202611270000000001',
      success_time: '2026-11-27T18:00:03+08:00',
      refunded_total: 0,
      pending_refund_total: 300,
      submitted_at: '2026-11-27T10:00:00.000Z',
      refunds: [
        {
          sub_mchid: '1900000109',
          out_trade_no: 'T20261127001',
          out_refund_no: 'R20261127001',
          status: 'PROCESSING',
          amount: { refund: 300, currency: 'HKD' },
          requested_at: '2026-11-27T10:00:00.000Z',
        },
      ],
    });
  });

  it('optional fields that were not sent stay absent from the input', async () => {
    await create(validBody);
    const [input] = lastCall(h.api, 'createPayment');
    expect(Object.keys(input as object).sort()).toEqual(
      ['amount', 'authCode', 'description', 'outTradeNo', 'subMchid'].sort(),
    );
  });

  it('a payment still in flight answers 202 Accepted', async () => {
    h.api.payment = TE.right(paymentView({ status: 'PAYING' }));
    const res = await create(validBody);
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('PAYING');
  });

  it('?wait=N holds the answer for N seconds at most', async () => {
    await create(validBody, '?wait=30');
    expect(lastCall(h.api, 'createPayment')[2]).toBe(30_000);
  });

  it('a wait beyond the bound is refused, naming the field', async () => {
    const res = await create(validBody, '?wait=61');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'wait', message: expect.stringContaining('0 to 60') }]);
    expect(h.api.calls).toHaveLength(0);
  });

  it('every invalid field is listed in one 400, and the auth code is never echoed', async () => {
    const res = await create({
      sub_mchid: '19000x',
      out_trade_no: 'has space',
      auth_code: '12345',
      amount: { total: 10.5, currency: 'XYZ' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.status).toBe(400);
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['amount.currency', 'amount.total', 'auth_code', 'description', 'out_trade_no', 'sub_mchid'].sort(),
    );
    expect(body.errors).toContainEqual({ field: 'description', message: 'is required' });
    expect(res.body).not.toContain('12345');
    expect(h.api.calls).toHaveLength(0);
  });

  it.each([
    ['a float amount', { total: 10.5, currency: 'HKD' }, 'amount.total'],
    ['a zero amount', { total: 0, currency: 'HKD' }, 'amount.total'],
    ['an amount as a string', { total: '1000', currency: 'HKD' }, 'amount.total'],
    ['an unknown currency', { total: 1000, currency: 'ABC' }, 'amount.currency'],
  ])('%s is refused', async (_name, amount, field) => {
    const res = await create({ ...validBody, amount });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message: expect.any(String) }]);
  });

  it.each([
    ['an array body', [validBody], 'body'],
    ['a scalar amount', { ...validBody, amount: 1000 }, 'amount'],
  ])('%s is refused as not an object', async (_name, payload, field) => {
    const res = await create(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message: 'must be an object' }]);
  });

  it('an auth code that is not 18 digits is refused', async () => {
    const res = await create({ ...validBody, auth_code: '13456789012345123X' });
    expect(res.json().errors).toEqual([{ field: 'auth_code', message: 'must be the 18-digit payment code' }]);
  });

  it('a reused out_trade_no with a different body is 409 OUT_TRADE_NO_USED', async () => {
    h.api.payment = TE.left({
      _tag: 'DomainRejected',
      error: { _tag: 'OrderAlreadyExists', outTradeNo: 'T20261127001' },
    });
    const res = await create(validBody);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, code: 'OUT_TRADE_NO_USED' });
  });

  it('a malformed JSON body is a 400 problem', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"sub_mchid":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('MALFORMED_REQUEST');
  });

  it('a non-JSON body is 415', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a payment is read by sub_mchid and out_trade_no', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/payments/1900000109/T20261127001',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'getPayment')).toEqual(['1900000109', 'T20261127001']);
    expect(res.json().out_trade_no).toBe('T20261127001');
  });

  it('a read with ?wait waits for a final state', async () => {
    await h.app.inject({ method: 'GET', url: '/v1/payments/1900000109/T20261127001?wait=5', headers: AUTH });
    expect(lastCall(h.api, 'waitForPayment')).toEqual(['1900000109', 'T20261127001', 5000]);
  });

  it('an unknown payment is 404 PAYMENT_NOT_FOUND', async () => {
    h.api.payment = TE.left({ _tag: 'NotFound', resource: 'payment' });
    const res = await h.app.inject({ method: 'GET', url: '/v1/payments/1900000109/NOPE', headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('PAYMENT_NOT_FOUND');
  });

  it('bad path parameters are listed', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/payments/abc/x%20y', headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['sub_mchid', 'out_trade_no']);
  });

  it('reverse passes the request context and maps an illegal transition to 422', async () => {
    h.api.payment = TE.right(paymentView({ status: 'REVERSING' }));
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/payments/1900000109/T20261127001/reverse',
      headers: { ...AUTH, 'x-request-id': 'req-42' },
    });
    expect(ok.statusCode).toBe(202);
    expect(lastCall(h.api, 'reversePayment')).toEqual([
      '1900000109',
      'T20261127001',
      { actor: 'api-token', correlationId: 'req-42' },
    ]);

    h.api.payment = TE.left({
      _tag: 'DomainRejected',
      error: { _tag: 'IllegalTransition', command: 'RequestReversal', status: 'Reversed' },
    });
    const refused = await h.app.inject({
      method: 'POST',
      url: '/v1/payments/1900000109/T20261127001/reverse',
      headers: AUTH,
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('ILLEGAL_TRANSITION');
  });

  it('WeChat being unreachable is 503, and the internal message stays in the log', async () => {
    h.api.payment = TE.left({ _tag: 'Unavailable', message: 'SQLITE_BUSY at /srv/data/events.db' });
    const res = await create(validBody);
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain('SQLITE');
    expect(h.logs.some((l) => l.message === 'request failed')).toBe(true);
  });

  it('a pay before platform trust is held is 503 PLATFORM_TRUST_PENDING with Retry-After', async () => {
    h.api.payment = TE.left({ _tag: 'PlatformTrustPending', retryAfterSeconds: 2 });
    const res = await create(validBody);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'PLATFORM_TRUST_PENDING', status: 503, retry_after: 2 });
  });
});
