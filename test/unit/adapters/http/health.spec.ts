import { createHarness, type Harness } from './fake-api';

describe('operational probes', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.app.close());

  it('/healthz answers while the process is alive, without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the store and certificates are ready', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { store: true, certificates: true } });
  });

  it.each([
    [{ store: false, certificates: true }, 'store'],
    [{ store: true, certificates: false }, 'certificates'],
    [{ store: false, certificates: false }, 'store, certificates'],
  ])('/readyz is 503 naming what failed (%j)', async (ready, failing) => {
    h.api.ready = ready;
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'NOT_READY', detail: `not ready: ${failing}`, checks: ready });
  });

  it('probes are logged at debug, so scrapes do not drown the requests that matter', async () => {
    await h.app.inject({ method: 'GET', url: '/healthz' });
    await h.app.inject({ method: 'GET', url: '/metrics' });
    const lines = h.logs.filter((l) => l.message === 'http request');
    expect(lines.map((l) => [l.level, l.fields.route])).toEqual([
      ['debug', '/healthz'],
      ['debug', '/metrics'],
    ]);
  });

  it('/metrics renders what the metrics adapter gives, with its content type', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4');
    expect(res.body).toBe('wpg_up 1\n');
  });
});
