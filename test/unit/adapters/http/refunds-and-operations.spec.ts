import * as TE from 'fp-ts/TaskEither';
import { AUTH, createHarness, lastCall, refundView, type Harness } from './fake-api';
import { reviewJson } from '../../../../src/adapters/http/fastify/views';

describe('merchant API: refunds, reconciliation, settlements, reviews', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.app.close());

  const refundUrl = '/v1/payments/1900000109/T20261127001/refunds';

  it('a refund is created with the path and body, and answers 202 while WeChat processes it', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: AUTH,
      payload: {
        out_refund_no: 'R20261127001',
        amount: { refund: 300, currency: 'HKD' },
        reason: 'broken cup',
      },
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe('/v1/refunds/1900000109/R20261127001');
    const [input, context] = lastCall(h.api, 'createRefund');
    expect(input).toEqual({
      subMchid: '1900000109',
      outTradeNo: 'T20261127001',
      outRefundNo: 'R20261127001',
      amount: { amount: 300, currency: 'HKD' },
      reason: 'broken cup',
    });
    expect(context).toMatchObject({ actor: 'api-token' });
    expect(res.json()).toMatchObject({ out_refund_no: 'R20261127001', status: 'PROCESSING' });
  });

  it('a settled refund answers 200', async () => {
    h.api.refund = TE.right(refundView({ status: 'SUCCEEDED', refundId: '50300000001' }));
    const res = await h.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: AUTH,
      payload: { out_refund_no: 'R1', amount: { refund: 300, currency: 'HKD' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().refund_id).toBe('50300000001');
  });

  it('refund validation names every bad field, path and body alike', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments/x/T1/refunds',
      headers: AUTH,
      payload: { out_refund_no: 'R 1', amount: { refund: 1.5, currency: 'HKD' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual([
      'sub_mchid',
      'out_refund_no',
      'amount.refund',
    ]);
  });

  it.each([
    [{ _tag: 'RefundExceedsPaidTotal', refundable: 700, requested: 900 }, 422, 'REFUND_EXCEEDS_PAID_TOTAL'],
    [{ _tag: 'TooManyRefunds', limit: 50 }, 422, 'TOO_MANY_REFUNDS'],
    [{ _tag: 'RefundWindowExpired', paidAt: '2025-01-01T00:00:00Z' }, 422, 'REFUND_WINDOW_EXPIRED'],
    [{ _tag: 'CurrencyMismatch', left: 'HKD', right: 'USD' }, 422, 'CURRENCY_MISMATCH'],
    [{ _tag: 'RefundNumberConflict', outRefundNo: 'R1' }, 409, 'OUT_REFUND_NO_USED'],
    [{ _tag: 'RefundAlreadyExists', outRefundNo: 'R1' }, 409, 'OUT_REFUND_NO_USED'],
  ] as const)('domain refusal %j is %i %s', async (error, status, code) => {
    h.api.refund = TE.left({ _tag: 'DomainRejected', error });
    const res = await h.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: AUTH,
      payload: { out_refund_no: 'R1', amount: { refund: 900, currency: 'HKD' } },
    });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, code });
  });

  it("a payment's refunds are listed", async () => {
    const res = await h.app.inject({ method: 'GET', url: refundUrl, headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'listRefunds')).toEqual(['1900000109', 'T20261127001']);
    expect(res.json().data).toHaveLength(1);
  });

  it('one refund is read by out_refund_no', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/refunds/1900000109/R20261127001',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'getRefund')).toEqual(['1900000109', 'R20261127001']);
  });

  it('a refund created with ?wait passes the wait on, and answers by the status it settled in', async () => {
    h.api.refund = TE.right(refundView({ status: 'SUCCEEDED' }));
    const res = await h.app.inject({
      method: 'POST',
      url: `${refundUrl}?wait=10`,
      headers: AUTH,
      payload: { out_refund_no: 'R1', amount: { refund: 300, currency: 'HKD' } },
    });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'createRefund')[2]).toBe(10_000);
  });

  it('a refund created without ?wait does not wait', async () => {
    await h.app.inject({
      method: 'POST',
      url: refundUrl,
      headers: AUTH,
      payload: { out_refund_no: 'R1', amount: { refund: 300, currency: 'HKD' } },
    });
    expect(lastCall(h.api, 'createRefund')[2]).toBeUndefined();
  });

  it('a refund read with ?wait waits for it to settle', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/refunds/1900000109/R20261127001?wait=5',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'waitForRefund')).toEqual(['1900000109', 'R20261127001', 5000]);
    expect(h.api.calls.map((c) => c.method)).not.toContain('getRefund');
  });

  it.each(['61', '-1', 'soon', '1.5'])('?wait=%s is refused on refund create and read', async (wait) => {
    const created = await h.app.inject({
      method: 'POST',
      url: `${refundUrl}?wait=${wait}`,
      headers: AUTH,
      payload: { out_refund_no: 'R1', amount: { refund: 300, currency: 'HKD' } },
    });
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/refunds/1900000109/R1?wait=${wait}`,
      headers: AUTH,
    });
    for (const res of [created, read]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['wait']);
    }
    expect(h.api.calls).toHaveLength(0);
  });

  it('an unknown refund is 404 REFUND_NOT_FOUND', async () => {
    h.api.refund = TE.left({ _tag: 'NotFound', resource: 'refund' });
    const res = await h.app.inject({ method: 'GET', url: '/v1/refunds/1900000109/R404', headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('REFUND_NOT_FOUND');
  });

  it('a reconciliation is run for a date and rendered in snake_case', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/reconciliations/20261126', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'reconcile')[0]).toBe('20261126');
    expect(res.json()).toMatchObject({
      date: '20261126',
      statement_sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      counts: { matched: 1, missing_here: 1 },
      lines: [{ classification: 'missing_here', sub_mchid: '1900000109', out_trade_no: 'T1' }],
    });
  });

  it('a reconciliation date must be yyyyMMdd', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/reconciliations/2026-11-26', headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'date', message: 'must be a date as yyyyMMdd' }]);
  });

  it('a missing reconciliation is 404', async () => {
    h.api.reconciliation = TE.left({ _tag: 'NotFound', resource: 'reconciliation' });
    const res = await h.app.inject({ method: 'GET', url: '/v1/reconciliations/20261126', headers: AUTH });
    expect(res.json()).toMatchObject({ status: 404, code: 'RECONCILIATION_NOT_FOUND' });
  });

  it('a day whose statement is not ready is 409 with when it will be, and an old day 422', async () => {
    h.api.reconciliation = TE.left({
      _tag: 'StatementNotReady',
      message: '20261206 has not closed yet in GMT+8; its statement is available from 2026-12-07 10:00 GMT+8',
      availableFrom: '2026-12-07T02:00:00.000Z',
    });
    const early = await h.app.inject({ method: 'POST', url: '/v1/reconciliations/20261206', headers: AUTH });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({
      code: 'STATEMENT_NOT_READY',
      detail: expect.stringContaining('has not closed yet in GMT+8'),
      available_from: '2026-12-07T02:00:00.000Z',
    });
    h.api.reconciliation = TE.left({ _tag: 'StatementOutOfRange', message: 'older than 180 days' });
    const old = await h.app.inject({ method: 'POST', url: '/v1/reconciliations/20250101', headers: AUTH });
    expect(old.statusCode).toBe(422);
    expect(old.json()).toMatchObject({ code: 'STATEMENT_DATE_OUT_OF_RANGE' });
  });

  it('settlements are queried with the settled range', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/settlements?settle_state=SETTLED&start_date=20261101&end_date=20261126&sub_mchid=1900000109',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(200);
    expect(lastCall(h.api, 'settlements')[0]).toEqual({
      settleState: 'SETTLED',
      startDate: '20261101',
      endDate: '20261126',
      subMchid: '1900000109',
    });
    expect(res.json().data).toEqual([
      { batch_id: 'B1', settlement_date: '20261126', amount: { currency: 'HKD', settled: 1000, fee: 6 } },
    ]);
  });

  it('SETTLED without dates is refused; UNSETTLE needs none', async () => {
    const bad = await h.app.inject({
      method: 'GET',
      url: '/v1/settlements?settle_state=SETTLED',
      headers: AUTH,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['start_date', 'end_date']);

    const reversed = await h.app.inject({
      method: 'GET',
      url: '/v1/settlements?settle_state=SETTLED&start_date=20261126&end_date=20261101',
      headers: AUTH,
    });
    expect(reversed.json().errors).toEqual([{ field: 'end_date', message: 'must not be before start_date' }]);

    const ok = await h.app.inject({
      method: 'GET',
      url: '/v1/settlements?settle_state=UNSETTLE',
      headers: AUTH,
    });
    expect(ok.statusCode).toBe(200);
    expect(lastCall(h.api, 'settlements')[0]).toEqual({ settleState: 'UNSETTLE' });
  });

  it('a WeChat refusal of the settlement query is 502 with WeChat code', async () => {
    h.api.settlementRows = TE.left({
      _tag: 'GatewayFailed',
      outcome: 'Rejected',
      code: 'PARAM_ERROR',
      message: 'sub_mchid is required',
    });
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/settlements?settle_state=UNSETTLE',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'GATEWAY_FAILED', wechat_code: 'PARAM_ERROR' });
  });

  it('the NeedsReview queue is listed', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/reviews', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([
      {
        kind: 'payment',
        stream_id: 'order-1900000109:T1',
        sub_mchid: '1900000109',
        out_trade_no: 'T1',
        reason: 'PaidAfterReversal',
        detail: 'query said SUCCESS after REVOKED',
        flagged_at: '2026-11-27T10:00:00.000Z',
        awaits: 'operator',
      },
    ]);
  });

  it('a review item the janitor works on shows its attempts, last outcome and next attempt', () => {
    expect(
      reviewJson({
        kind: 'refund',
        streamId: 'refund-1900000109:R1',
        subMchid: '1900000109',
        outTradeNo: 'T1',
        outRefundNo: 'R1',
        reason: 'Abnormal',
        detail: 'WeChat reports the refund ABNORMAL',
        flaggedAt: '2026-11-27T10:00:00.000Z',
        awaits: 'janitor',
        janitor: {
          attempts: 2,
          lastAttemptAt: '2026-11-27T10:06:00.000Z',
          lastOutcome: 'Abnormal',
          nextAttemptAt: '2026-11-27T10:36:00.000Z',
        },
      }),
    ).toMatchObject({
      awaits: 'janitor',
      janitor: {
        attempts: 2,
        last_attempt_at: '2026-11-27T10:06:00.000Z',
        last_outcome: 'Abnormal',
        next_attempt_at: '2026-11-27T10:36:00.000Z',
      },
    });
  });
});
