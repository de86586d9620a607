import * as TE from 'fp-ts/TaskEither';
import { AUTH, createHarness, lastCall, type Harness } from './fake-api';

describe('merchant API: resolving the NeedsReview queue', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.app.close());

  it('a payment resolution passes the status, the note and the operator to the core', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments/1900000109/T20261127001/review/resolve',
      headers: AUTH,
      payload: { resolution: 'REVERSED', note: 'WeChat support ticket 123: refunded by the reverse' },
    });
    expect(res.statusCode).toBe(200);
    const [sub, no, input, context] = lastCall(h.api, 'resolvePaymentReview');
    expect([sub, no]).toEqual(['1900000109', 'T20261127001']);
    expect(input).toEqual({
      resolution: 'REVERSED',
      note: 'WeChat support ticket 123: refunded by the reverse',
    });
    expect(context).toMatchObject({ actor: 'api-token' });
  });

  it('a refund resolution outside the refund vocabulary, or without a note, is refused naming both fields', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/refunds/1900000109/R1/review/resolve',
      headers: AUTH,
      payload: { resolution: 'REVERSED' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = (res.json() as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['note', 'resolution']);
    expect(h.api.calls.some((c) => c.method === 'resolveRefundReview')).toBe(false);
  });

  it('resolving something that is not under review is a 422 with a stable code', async () => {
    h.api.refund = TE.left({
      _tag: 'DomainRejected',
      error: { _tag: 'IllegalTransition', command: 'ResolveReview', status: 'Succeeded' },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/refunds/1900000109/R1/review/resolve',
      headers: AUTH,
      payload: { resolution: 'CLOSED', note: 'closed at WeChat' },
    });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { code: string }).code).toBe('ILLEGAL_TRANSITION');
  });

  it('needs the bearer token', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments/1900000109/T1/review/resolve',
      payload: { resolution: 'FAILED', note: 'x' },
    });
    expect(res.statusCode).toBe(401);
  });
});
