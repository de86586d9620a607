import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../../../src/adapters/sandbox';
import { readSandboxJson, wireClient, platformCertificates, type WireClient } from './wire';

/** A manual clock: tests move time themselves and wait on conditions, never on sleeps. */
export interface ManualClock {
  readonly now: () => number;
  readonly advance: (ms: number) => void;
}

export const manualClock = (start = Date.UTC(2026, 10, 27, 2, 0, 0)): ManualClock => {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
};

export interface Harness {
  readonly sandbox: RunningSandbox;
  readonly client: WireClient;
  readonly clock: ManualClock;
  readonly certificates: Map<string, string>;
  readonly spMchid: string;
  readonly spAppid: string;
  readonly control: (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ) => Promise<Record<string, unknown>>;
  readonly close: () => Promise<void>;
}

export const tempStateDir = (): string => mkdtempSync(join(tmpdir(), 'wpg-sandbox-'));

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/**
 * One harness for a whole spec file, in a fresh state directory: started before its tests, closed
 * and its directory removed after. `use` receives it once it is up.
 */
export const withSharedHarness = (use: (harness: Harness) => void): void => {
  let dir: string | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    dir = tempStateDir();
    harness = await startHarness(dir);
    use(harness);
  });
  afterAll(async () => {
    await harness?.close();
    if (dir !== undefined) removeDir(dir);
  });
};

export const startHarness = async (
  stateDir: string,
  options: Partial<SandboxOptions> = {},
  clock: ManualClock = manualClock(),
): Promise<Harness> => {
  const sandbox = await startSandbox({ stateDir, clock, tickMs: 5, ...options });
  const json = readSandboxJson(sandbox.credentialsFile);
  const client = wireClient(json, clock.now);
  const control = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> => {
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  return {
    sandbox,
    client,
    clock,
    certificates: platformCertificates(json),
    spMchid: json.spMchid,
    spAppid: json.spAppid,
    control,
    close: () => sandbox.close(),
  };
};

/** Polls a condition until it holds; fails with `what` after `timeoutMs` of real time. */
export const waitFor = async <A>(
  what: string,
  probe: () => Promise<A | undefined> | A | undefined,
  timeoutMs = 10_000,
): Promise<A> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let sequence = 0;
/** A fresh 18-digit auth code for scenario `ss` with `seconds` (reference §7.1 format, docs/sandbox.md). */
export const authCode = (ss: string, seconds = 0, wallet = '13'): string => {
  sequence += 1;
  const free = `${process.pid % 1000}${Date.now() % 1_000_000}${sequence}`.padStart(11, '0').slice(-11);
  return `${wallet}${ss}${String(seconds).padStart(3, '0')}${free}`;
};

export const uniqueNo = (prefix: string): string => {
  sequence += 1;
  return `${prefix}${Date.now() % 1_000_000_000}${sequence}`;
};

export const SUB_MCHID = '1900000109';

export const payBody = (
  h: Pick<Harness, 'spMchid' | 'spAppid'>,
  fields: { outTradeNo: string; authCode: string; total?: number; currency?: string; subMchid?: string },
): string =>
  JSON.stringify({
    sp_mchid: h.spMchid,
    sp_appid: h.spAppid,
    sub_mchid: fields.subMchid ?? SUB_MCHID,
    description: 'Sandbox shop - coffee',
    out_trade_no: fields.outTradeNo,
    trade_type: 'MICROPAY',
    merchant_category_code: '5812',
    payer: { auth_code: fields.authCode },
    amount: { total: fields.total ?? 1000, currency: fields.currency ?? 'HKD' },
  });

export const queryTarget = (h: Pick<Harness, 'spMchid'>, outTradeNo: string, subMchid = SUB_MCHID): string =>
  `/v3/global/transactions/out-trade-no/${outTradeNo}?sp_mchid=${h.spMchid}&sub_mchid=${subMchid}`;
