import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Proc,
  type SandboxCredentialsFile,
  freePort,
  readCredentials,
  runWpg,
  serviceEnv,
  waitForOutput,
  wpg,
} from '../support/processes';
import { usePostgres } from '../support/postgres';

/**
 * The real service process on WPG_EVENT_STORE=postgresql://… (log and read models in one real
 * PostgreSQL database), a separate sandbox process, business time at 25×: payments of several
 * scenarios, a refund, kill -9 mid-saga and a restart, then `wpg replay --verify` on that database.
 */
jest.setTimeout(180_000);

const server = usePostgres();
const SCALE = 25;
const SUB = '1900000109';
const TOKEN = 'e2e-token-0123456789abcdef';
let seq = 0;
const code = (scenario: string, seconds = 0): string =>
  `13${scenario}${String(seconds).padStart(3, '0')}${String(Date.now() % 1e7).padStart(7, '0')}${String(++seq).padStart(4, '0')}`;
const outTradeNo = (tag: string): string => `pg-${tag}-${Date.now()}-${++seq}`;

describe('the service on PostgreSQL, over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-e2e-pg-'));
  const dataDir = join(dir, 'service');
  let sandbox: Proc;
  let service: Proc;
  let credentials: SandboxCredentialsFile;
  let port: number;
  let url: string;
  let database: string;

  const env = () => ({ ...serviceEnv(credentials, port, dataDir, TOKEN, SCALE), WPG_EVENT_STORE: database });
  const startService = async (): Promise<Proc> => {
    const p = wpg(['start'], env());
    await waitForOutput(p, /is running/);
    return p;
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const pay = (no: string, authCode: string, wait = 30) =>
    api('POST', `/v1/payments?wait=${wait}`, {
      sub_mchid: SUB,
      out_trade_no: no,
      auth_code: authCode,
      amount: { total: 1234, currency: 'HKD' },
      description: 'E2E - coffee',
    });
  /** Polls the service's API (an outside process) until the condition holds. */
  const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    database = await server().createDatabase();
    const sandboxPort = await freePort();
    sandbox = wpg([
      'sandbox',
      '--port',
      String(sandboxPort),
      '--state-dir',
      join(dir, 'sandbox'),
      '--time-scale',
      String(SCALE),
    ]);
    const [, file = ''] = await waitForOutput(sandbox, /credentials: (\S+)/);
    credentials = readCredentials(file);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = await startService();
  });
  afterAll(async () => {
    service?.child.kill('SIGTERM');
    sandbox?.child.kill('SIGTERM');
    await Promise.all([service?.exited, sandbox?.exited]);
    rmSync(dir, { recursive: true, force: true });
  });

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
    const started = await pay(no, code('01', 20), 0);
    expect(started.body['status']).not.toBe('SUCCEEDED');
    await eventually(async () =>
      (await api('GET', `/v1/payments/${SUB}/${no}`)).body['status'] === 'PAYING' ? true : undefined,
    );
    service.child.kill('SIGKILL');
    await service.exited;
    service = await startService();
    const r = await api('GET', `/v1/payments/${SUB}/${no}?wait=30`);
    expect(r.body['status']).toBe('SUCCEEDED');
  });

  it('replay --verify passes on the PostgreSQL log', async () => {
    service.child.kill('SIGTERM');
    await service.exited;
    const r = await runWpg(['replay', '--verify'], { WPG_DATA_DIR: dataDir, WPG_EVENT_STORE: database });
    expect(r.code).toBe(0);
    // The payments above are in the database replayed, not in an empty SQLite file of the data dir.
    const [, streams = '0'] =
      /replay: (\d+) stream\(s\), \d+ event\(s\), 0 problem\(s\)/.exec(r.output) ?? [];
    expect(Number(streams)).toBeGreaterThanOrEqual(6);
    service = await startService();
  });
});
