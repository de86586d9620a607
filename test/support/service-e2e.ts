import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Proc,
  type SandboxCredentialsFile,
  freePort,
  readCredentials,
  serviceEnv,
  waitForOutput,
  wpg,
} from './processes';

/**
 * The real service process and a separate sandbox process, business time at 25× in both, for a
 * describe block: started before its tests, stopped after. `extraEnv` adds settings (another store)
 * and is called once the sandbox is up.
 */
export const SCALE = 25;
export const SUB = '1900000109';
export const TOKEN = 'e2e-token-0123456789abcdef';

export interface ServiceE2e {
  readonly dir: string;
  readonly dataDir: string;
  readonly credentials: () => SandboxCredentialsFile;
  /** The service process running now (restarted by `startService`). */
  readonly service: () => Proc;
  readonly startService: () => Promise<Proc>;
  readonly api: (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ) => Promise<{ status: number; type: string; body: Record<string, unknown> }>;
  readonly pay: (
    no: string,
    authCode: string,
    total?: number,
    wait?: number,
  ) => ReturnType<ServiceE2e['api']>;
  /** Polls the service's API (an outside process) until the condition holds. */
  readonly eventually: <T>(probe: () => Promise<T | undefined>, timeoutMs?: number) => Promise<T>;
  /** A fresh sandbox auth code: wallet 13, scenario SS, seconds NNN, free digits. */
  readonly code: (scenario: string, seconds?: number) => string;
  readonly outTradeNo: (tag: string) => string;
}

export const useServiceE2e = (
  tag: string,
  extraEnv: () => Promise<Readonly<Record<string, string>>> = async () => ({}),
): ServiceE2e => {
  const dir = mkdtempSync(join(tmpdir(), `wpg-${tag}-`));
  const dataDir = join(dir, 'service');
  let sandbox: Proc | undefined;
  let service: Proc | undefined;
  let credentials: SandboxCredentialsFile | undefined;
  let env: Record<string, string> = {};
  let url = '';
  let seq = 0;

  const startService = async (): Promise<Proc> => {
    const p = wpg(['start'], env);
    await waitForOutput(p, /is running/);
    service = p;
    return p;
  };

  beforeAll(async () => {
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
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = { ...serviceEnv(credentials, port, dataDir, TOKEN, SCALE), ...(await extraEnv()) };
    await startService();
  });

  afterAll(async () => {
    service?.child.kill('SIGTERM');
    sandbox?.child.kill('SIGTERM');
    await Promise.all([service?.exited, sandbox?.exited]);
    rmSync(dir, { recursive: true, force: true });
  });

  const api: ServiceE2e['api'] = async (method, path, body, token = TOKEN) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const defined = <A>(value: A | undefined, what: string): A => {
    if (value === undefined) throw new Error(`test bug: ${what} is not started`);
    return value;
  };

  return {
    dir,
    dataDir,
    credentials: () => defined(credentials, 'the sandbox'),
    service: () => defined(service, 'the service'),
    startService,
    api,
    pay: (no, authCode, total = 1234, wait = 30) =>
      api('POST', `/v1/payments?wait=${wait}`, {
        sub_mchid: SUB,
        out_trade_no: no,
        auth_code: authCode,
        amount: { total, currency: 'HKD' },
        description: 'E2E - coffee',
      }),
    eventually: async (probe, timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    code: (scenario, seconds = 0) =>
      `13${scenario}${String(seconds).padStart(3, '0')}${String(Date.now() % 1e7).padStart(7, '0')}${String(++seq).padStart(4, '0')}`,
    outTradeNo: (prefix) => `${tag}-${prefix}-${Date.now()}-${++seq}`,
  };
};
