import crypto from 'node:crypto';
import { createHttpServer } from '../../../../src/adapters/http/fastify';
import { AUTH, TOKEN, createFakeApi, createHarness, createMemoryLogger, type Harness } from './fake-api';

describe('merchant API: authentication, limits and errors', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness({ bodyLimitBytes: 2048 });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    return h.app.close();
  });

  const v1Routes: readonly [string, string][] = [
    ['POST', '/v1/payments'],
    ['GET', '/v1/payments/1900000109/T1'],
    ['POST', '/v1/payments/1900000109/T1/reverse'],
    ['POST', '/v1/payments/1900000109/T1/refunds'],
    ['GET', '/v1/payments/1900000109/T1/refunds'],
    ['GET', '/v1/refunds/1900000109/R1'],
    ['POST', '/v1/reconciliations/20261126'],
    ['GET', '/v1/reconciliations/20261126'],
    ['GET', '/v1/settlements?settle_state=UNSETTLE'],
    ['GET', '/v1/reviews'],
  ];

  it.each(v1Routes)('%s %s without a token is 401 problem+json and reaches nothing', async (method, url) => {
    const res = await h.app.inject({ method: method as 'GET', url });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(h.api.calls).toHaveLength(0);
  });

  it.each([
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 5)}`],
    ['another scheme', `Basic ${TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('%s is 401', async (_name, authorization) => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/reviews', headers: { authorization } });
    expect(res.statusCode).toBe(401);
    expect(h.api.calls).toHaveLength(0);
  });

  it('the token is compared with timingSafeEqual over equal-length digests', async () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    await h.app.inject({ method: 'GET', url: '/v1/reviews', headers: { authorization: 'Bearer short' } });
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
  });

  it('the right token is accepted, the scheme in any case', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/reviews',
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('a body over the limit is 413 problem+json', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: AUTH,
      payload: { description: 'x'.repeat(4096) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(h.api.calls).toHaveLength(0);
  });

  it('an unknown route is 404 problem+json', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/nothing-here', headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', type: 'urn:wpg:problem:route-not-found' });
  });

  it('a sane X-Request-Id is kept as the correlation id; anything else is replaced', async () => {
    const kept = await h.app.inject({
      method: 'GET',
      url: '/v1/reviews',
      headers: { ...AUTH, 'x-request-id': 'till-4:0001' },
    });
    expect(kept.headers['x-request-id']).toBe('till-4:0001');
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        message: 'http request',
        fields: expect.objectContaining({
          correlationId: 'till-4:0001',
          statusCode: 200,
          route: '/v1/reviews',
        }),
      }),
    );

    const replaced = await h.app.inject({
      method: 'GET',
      url: '/v1/reviews',
      headers: { ...AUTH, 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the token never appears in the logs', async () => {
    await h.app.inject({ method: 'GET', url: '/v1/reviews', headers: AUTH });
    await h.app.inject({ method: 'GET', url: '/v1/reviews', headers: { authorization: 'Bearer wrong' } });
    expect(JSON.stringify(h.logs)).not.toContain(TOKEN);
  });

  it('an empty API token is refused at construction', () => {
    expect(() =>
      createHttpServer({
        api: createFakeApi(),
        apiToken: '',
        logger: createMemoryLogger(),
        renderMetrics: async () => ({ contentType: 'text/plain', body: '' }),
      }),
    ).toThrow('must not be empty');
  });
});
