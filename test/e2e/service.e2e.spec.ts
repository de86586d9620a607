import { runWpg } from '../support/processes';
import { SUB, TOKEN, useServiceE2e } from '../support/service-e2e';

/**
 * End to end: the real service process and a separate sandbox process, driven over HTTP, with
 * business time at 25× in both. Includes kill -9 of the service mid-saga and `wpg replay --verify`.
 */
jest.setTimeout(180_000);

const gmt8Date = (ms: number): string =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

describe('the service and a separate sandbox, over HTTP', () => {
  const { dataDir, credentials, service, startService, api, pay, eventually, code, outTradeNo } =
    useServiceE2e('e2e');

  const paid: string[] = [];

  it.each([
    ['00', 0, 'SUCCEEDED'],
    ['01', 10, 'SUCCEEDED'],
    ['02', 8, 'FAILED'],
    ['03', 0, 'REVERSED'],
    ['12', 0, 'FAILED'],
    ['20', 3, 'SUCCEEDED'],
  ])('scenario %s (%i s) with ?wait answers %s', async (scenario, seconds, expected) => {
    const no = outTradeNo(scenario);
    const r = await pay(no, code(scenario, seconds));
    expect(r.status).toBe(200);
    expect(r.body['status']).toBe(expected);
    if (expected === 'SUCCEEDED') paid.push(no);
  });

  it('refunds, and takes WeChat’s notification', async () => {
    const no = paid[0] ?? '';
    const created = await api('POST', `/v1/payments/${SUB}/${no}/refunds`, {
      out_refund_no: `${no}-r1`,
      amount: { refund: 300, currency: 'HKD' },
    });
    expect([200, 202]).toContain(created.status);
    const refund = await eventually(async () => {
      const r = await api('GET', `/v1/refunds/${SUB}/${no}-r1`);
      return r.body['status'] === 'SUCCEEDED' ? r.body : undefined;
    });
    expect(refund['refund_id']).toBeDefined();
    const payment = await eventually(async () => {
      const r = await api('GET', `/v1/payments/${SUB}/${no}`);
      return r.body['refunded_total'] === 300 ? r.body : undefined;
    });
    expect(payment['status']).toBe('SUCCEEDED');
    const audit = await runWpg(['audit', SUB, no], { WPG_DATA_DIR: dataDir });
    expect(audit.code).toBe(0);
    expect(audit.output).toMatch(/RefundSucceeded.*notification/);
  });

  it('refuses to reconcile today, which has not closed in GMT+8, with 409 STATEMENT_NOT_READY', async () => {
    const sandboxTime = (await (await fetch(`${credentials().baseUrl}/sandbox/time`)).json()) as {
      now: number;
    };
    const r = await api('POST', `/v1/reconciliations/${gmt8Date(sandboxTime.now)}`);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      code: 'STATEMENT_NOT_READY',
      detail: expect.stringContaining('has not closed yet in GMT+8') as string,
      available_from: expect.any(String) as string,
    });
  });

  it('never prints the API token in its start banner, and says where it comes from', () => {
    expect(service().output()).toContain('API token      from WPG_API_TOKEN (not shown)');
    expect(service().output()).not.toContain(TOKEN);
  });

  it('prints an audit timeline of a payment', async () => {
    const r = await runWpg(['audit', SUB, paid[1] ?? ''], { WPG_DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/OrderSubmitted/);
    expect(r.output).toMatch(/OrderSucceeded/);
  });

  it('refuses a bad token, a bad body, and a reused number with a different body', async () => {
    const unauthorised = await api(
      'GET',
      `/v1/payments/${SUB}/${paid[0] ?? ''}`,
      undefined,
      'wrong-token-wrong-token',
    );
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.type).toMatch(/application\/problem\+json/);

    const bad = await api('POST', '/v1/payments', {
      sub_mchid: SUB,
      out_trade_no: 'x',
      auth_code: '12',
      amount: { total: 1.5, currency: 'XXX' },
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toMatch(/auth_code/);
    expect(JSON.stringify(bad.body)).not.toMatch(/"12"/);

    const no = outTradeNo('reuse');
    expect((await pay(no, code('00'))).status).toBe(200);
    const conflict = await pay(no, code('00'), 999);
    expect(conflict.status).toBe(409);
    expect(conflict.type).toMatch(/application\/problem\+json/);
  });

  it('survives kill -9 mid-saga: the restarted service completes the payment', async () => {
    const no = outTradeNo('kill');
    const started = await pay(no, code('01', 20), 1234, 0);
    expect(started.body['status']).not.toBe('SUCCEEDED');
    // Kill once WeChat has the order and the customer is paying (before that, an honest restart can
    // only fail it: the auth code is never stored, so an unsent request cannot be sent later).
    await eventually(async () =>
      (await api('GET', `/v1/payments/${SUB}/${no}`)).body['status'] === 'PAYING' ? true : undefined,
    );
    service().child.kill('SIGKILL');
    await service().exited;
    await startService();
    const r = await api('GET', `/v1/payments/${SUB}/${no}?wait=30`);
    expect(r.body['status']).toBe('SUCCEEDED');
  });

  it('replay --verify passes on the resulting store', async () => {
    service().child.kill('SIGTERM');
    await service().exited;
    const r = await runWpg(['replay', '--verify'], { WPG_DATA_DIR: dataDir });
    expect(r.output).toMatch(/problem|clean|ok|verified/i);
    expect(r.code).toBe(0);
    await startService();
  });
});
