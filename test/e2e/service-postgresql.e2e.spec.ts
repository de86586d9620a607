import { runWpg } from '../support/processes';
import { usePostgres } from '../support/postgres';
import { SUB, useServiceE2e } from '../support/service-e2e';

/**
 * The real service process on WPG_EVENT_STORE=postgresql://… (log and read models in one real
 * PostgreSQL database), a separate sandbox process, business time at 25×: payments of several
 * scenarios, a refund, kill -9 mid-saga and a restart, then `wpg replay --verify` on that database.
 */
jest.setTimeout(180_000);

const server = usePostgres();

describe('the service on PostgreSQL, over HTTP', () => {
  let database = '';
  const { dataDir, service, startService, api, pay, eventually, code, outTradeNo } = useServiceE2e(
    'pg',
    async () => {
      database = await server().createDatabase();
      return { WPG_EVENT_STORE: database };
    },
  );

  const paid: string[] = [];

  it.each([
    ['00', 0, 'SUCCEEDED'],
    ['01', 6, 'SUCCEEDED'],
    ['02', 4, 'FAILED'],
    ['03', 0, 'REVERSED'],
  ])('scenario %s (%i s) with ?wait answers %s', async (scenario, seconds, expected) => {
    const no = outTradeNo(scenario);
    const r = await pay(no, code(scenario, seconds));
    expect(r.status).toBe(200);
    expect(r.body['status']).toBe(expected);
    if (expected === 'SUCCEEDED') paid.push(no);
  });

  it('refunds, and the payment’s read model follows', async () => {
    const no = paid[0] ?? '';
    const created = await api('POST', `/v1/payments/${SUB}/${no}/refunds`, {
      out_refund_no: `${no}-r1`,
      amount: { refund: 300, currency: 'HKD' },
    });
    expect([200, 202]).toContain(created.status);
    await eventually(async () => {
      const r = await api('GET', `/v1/refunds/${SUB}/${no}-r1`);
      return r.body['status'] === 'SUCCEEDED' ? true : undefined;
    });
    const payment = await eventually(async () => {
      const r = await api('GET', `/v1/payments/${SUB}/${no}`);
      return r.body['refunded_total'] === 300 ? r.body : undefined;
    });
    expect(payment['status']).toBe('SUCCEEDED');
  });

  it('survives kill -9 mid-saga: the restarted service completes the payment from the database', async () => {
    const no = outTradeNo('kill');
    const started = await pay(no, code('01', 20), 1234, 0);
    expect(started.body['status']).not.toBe('SUCCEEDED');
    await eventually(async () =>
      (await api('GET', `/v1/payments/${SUB}/${no}`)).body['status'] === 'PAYING' ? true : undefined,
    );
    service().child.kill('SIGKILL');
    await service().exited;
    await startService();
    const r = await api('GET', `/v1/payments/${SUB}/${no}?wait=30`);
    expect(r.body['status']).toBe('SUCCEEDED');
  });

  it('replay --verify passes on the PostgreSQL log', async () => {
    service().child.kill('SIGTERM');
    await service().exited;
    const r = await runWpg(['replay', '--verify'], { WPG_DATA_DIR: dataDir, WPG_EVENT_STORE: database });
    expect(r.code).toBe(0);
    // The payments above are in the database replayed, not in an empty SQLite file of the data dir.
    const [, streams = '0'] =
      /replay: (\d+) stream\(s\), \d+ event\(s\), 0 problem\(s\)/.exec(r.output) ?? [];
    expect(Number(streams)).toBeGreaterThanOrEqual(6);
    await startService();
  });
});
