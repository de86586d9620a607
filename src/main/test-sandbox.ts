import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppId, SpMchid } from '../domain';
import type { Logger, Timers } from '../ports';
import type { CallFilter, RunningSandbox, SandboxCall, SandboxOptions } from '../adapters/sandbox';
import { createNotificationBuilder, type NotificationBuilder } from '../adapters/sandbox/notify/builder';
import { createScaledClock, createSystemTimers, type ScaledClock } from '../adapters/system';
import type { WeChatPayClientConfig } from '../adapters/wechatpay';

/**
 * The in-process sandbox as a platform's tests want it: business time running `scale` times faster
 * through one clock shared by the sandbox, the core and the client, so WeChat's 30–45 s rules
 * (reference §7.1) take a fraction of a second; and the client configuration and notification
 * signer that go with its keys.
 */

export interface TestSandboxOptions extends Omit<SandboxOptions, 'stateDir' | 'clock' | 'timeScale'> {
  /**
   * Business time runs this many times faster for the sandbox and for `clock`; default 50 (a 30 s
   * deadline in 0.6 s). Above about 100, ordinary event-loop delays move decisions: each 10 ms
   * of delay is a second of WeChat's time.
   */
  readonly scale?: number;
  /** Keys, sandbox.json and state; default a fresh temporary directory, removed on close. */
  readonly stateDir?: string;
}

export interface TestSandbox {
  readonly sandbox: RunningSandbox;
  /** Give it to the core (`ports.clock`) and to the client (`deps.clock`): one time for all. */
  readonly clock: ScaledClock;
  /** Timers on `clock`: `ports.timers` and the client's `deps.timers`. */
  readonly timers: Timers;
  readonly spMchid: SpMchid;
  /** Ready for `createWeChatPayClient(wechatPay, { clock, timers, logger })` (from /wechatpay). */
  readonly wechatPay: WeChatPayClientConfig;
  /** Notifications signed with the sandbox's current platform key and encrypted with its APIv3 key. */
  readonly notifications: NotificationBuilder;
  /**
   * WeChat's record of the merchant API calls it received, with the instance that sent each
   * (`instanceId` in the client configuration): `sandbox.calls`, as `GET /sandbox/calls` answers.
   */
  readonly calls: (filter?: CallFilter) => readonly SandboxCall[];
  readonly close: () => Promise<void>;
}

export const startTestSandbox = async (options: TestSandboxOptions = {}): Promise<TestSandbox> => {
  const { scale = 50, stateDir: given, ...sandboxOptions } = options;
  // Loaded on first use: the sandbox needs better-sqlite3, the rest of /testing nothing.
  const { startSandbox, platformKeyPath } = await import('../adapters/sandbox');
  const stateDir = given ?? mkdtempSync(join(tmpdir(), 'wpg-test-sandbox-'));
  const clock = createScaledClock(scale);
  const sandbox = await startSandbox({ tickMs: 5, ...sandboxOptions, stateDir, clock });
  const c = sandbox.credentials;
  const spMchid = c.spMchid as SpMchid;
  const apiV3Key = readFileSync(c.apiV3KeyPath, 'utf8').trim();
  return {
    sandbox,
    clock,
    timers: createSystemTimers(clock),
    spMchid,
    wechatPay: {
      baseUrl: sandbox.baseUrl,
      spMchid,
      spAppid: c.spAppid as AppId,
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key,
    },
    notifications: createNotificationBuilder(
      {
        apiV3Key,
        platformSerial: c.platformSerial,
        platformPrivateKeyPem: readFileSync(platformKeyPath(stateDir, c.platformSerial), 'utf8'),
      },
      clock,
    ),
    calls: (filter) => sandbox.calls(filter),
    close: async () => {
      await sandbox.close();
      if (given === undefined) rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

/** A logger that drops everything: tests that check outcomes, not log lines. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
