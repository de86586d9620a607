import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreateKeys, writeCredentialsFile, type SandboxCredentials } from './credentials/credentials';
import { listedPlatforms } from './http/api-routes';
import { createCallLog, type CallFilter, type SandboxCall } from './http/calls';
import {
  createRateLimiter,
  DEFAULT_RATE_LIMITS,
  NO_FAULTS,
  seededRandom,
  type NetworkFaults,
  type RateLimits,
} from './http/limits';
import { createSandboxServer } from './http/server';
import type { EngineContext, RuleSettings } from './model/context';
import { activeSetFrom, advanceAll } from './model/progress';
import { refundNotificationResource } from './model/views';
import { createDispatcher } from './notify/dispatcher';
import { createRotation, type Announce } from './rotation';
import { memoryStore, sqliteStore } from './state/kv';
import { records as recordsOver } from './state/records';
import { createSandboxTime } from './time';

/**
 * A faithful, stateful local simulator of apihk.mch.weixin.qq.com (reference §13). It implements
 * the server side of the protocol on node:crypto alone, never with the client's code, so a mistake
 * shared by both sides cannot hide. Usage, scenarios and the control API: docs/sandbox.md.
 */

export type { SandboxCredentials } from './credentials/credentials';
export {
  CALL_LOG_CAPACITY,
  type CallFault,
  type CallFilter,
  type Operation as SandboxOperation,
  type SandboxCall,
} from './http/calls';
export { platformKeyPath } from './credentials/credentials';

export interface SandboxOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Credentials, sandbox.json, and the SQLite file when persistence is 'sqlite'. */
  stateDir: string;
  /** Default 'memory'. */
  persistence?: 'memory' | 'sqlite';
  /** 1 = real time; 100 = a 45 s flow in 0.45 s. Applies to business time only (see time.ts). */
  timeScale?: number;
  /** Injectable clock in ms; timeScale applies on top when both are given. */
  clock?: { now(): number };
  /** How USERPAYING is represented (§5.1); default 'http202'. */
  userPayingAs?: 'http202' | 'errorCode' | 'tradeState';
  /** Above this amount (minor units) a "success" auth code asks for a password first; default 100000. */
  passwordFreeLimit?: number;
  /** Business seconds the customer takes to type the password; default 10. */
  passwordEntrySeconds?: number;
  /** Business seconds from PROCESSING to each refund outcome; defaults 5 / 5 / 5. */
  refundDelaySeconds?: Partial<RuleSettings['refundDelaySeconds']>;
  /** Outcome of refunds without a reason marker; default SUCCESS. */
  defaultRefundOutcome?: RuleSettings['defaultRefundOutcome'];
  /** Fee on payments, basis points; default 60 (0.60 %). */
  feeBasisPoints?: number;
  /** Requests per second per endpoint class (§10); defaults to the documented limits. */
  rateLimits?: Partial<RateLimits>;
  /** Seed of the generator behind fault rates; default 1. */
  seed?: number;
  /** Real milliseconds between background ticks (auto-revoke, refund settlement, notifications); default 10. */
  tickMs?: number;
  /** Real milliseconds a notify_url may take to answer; default 5000 (reply within 5 s, §7.3). */
  notificationTimeoutMs?: number;
  /** Deliver notifications to this origin, keeping the notify_url's path (see docs/sandbox.md). */
  notificationOrigin?: string;
  /** AEAD associated data of refund notifications; default '' as in WeChat's example (§7.4). */
  notificationAssociatedData?: string;
  /** Statement header language: 'en' (default) or 'zh', as WeChat's two pages print it. */
  statementHeader?: 'en' | 'zh';
  /** Hours after the GMT+8 midnight closing a day before its statement exists; default 10. */
  statementReadyAfterHours?: number;
  /** Faults in force from the start (the control API changes them later). */
  faults?: Partial<NetworkFaults>;
  /**
   * Rotates the platform certificate once, `afterMs` business ms after start: the new certificate
   * signs from then on, listed in the download from start ('now') or only from then ('when-signing').
   */
  rotateCertificate?: { afterMs: number; announce?: Announce };
}

export interface RunningSandbox {
  baseUrl: string;
  credentials: SandboxCredentials;
  credentialsFile: string;
  /** Business time (scaled, advanced), in ms: what create_time, success_time and statements use. */
  readonly now: () => number;
  /** Resolves once due transitions are applied and queued notifications have been sent. */
  readonly settle: () => Promise<void>;
  /**
   * The merchant API calls received, in seq order, with the instance that sent each (its
   * User-Agent's `instance <id>`): the newest `CALL_LOG_CAPACITY` (200,000), as `GET /sandbox/calls`.
   */
  readonly calls: (filter?: CallFilter) => readonly SandboxCall[];
  close(): Promise<void>;
}

export const startSandbox = async (options: SandboxOptions): Promise<RunningSandbox> => {
  const time = createSandboxTime(options.clock, options.timeScale ?? 1);
  const keys = loadOrCreateKeys(options.stateDir, time.now());
  const records = recordsOver(
    options.persistence === 'sqlite' ? sqliteStore(join(options.stateDir, 'sandbox.sqlite')) : memoryStore(),
  );
  const settings: RuleSettings = {
    spMchid: keys.spMchid,
    spAppid: keys.spAppid,
    userPayingAs: options.userPayingAs ?? 'http202',
    passwordFreeLimit: options.passwordFreeLimit ?? 100_000,
    passwordEntrySeconds: options.passwordEntrySeconds ?? 10,
    feeBasisPoints: options.feeBasisPoints ?? 60,
    refundDelaySeconds: { SUCCESS: 5, REFUNDCLOSE: 5, ABNORMAL: 5, ...options.refundDelaySeconds },
    defaultRefundOutcome: options.defaultRefundOutcome ?? 'SUCCESS',
    statementHeader: options.statementHeader ?? 'en',
    statementReadyAfterHours: options.statementReadyAfterHours ?? 10,
  };
  const rotation = createRotation(keys, time, options.stateDir);
  const signer = rotation.signer;
  const dispatcher = createDispatcher({
    time,
    apiV3Key: () => keys.apiV3Key,
    signer,
    requestTimeoutMs: options.notificationTimeoutMs ?? 5000,
    ...(options.notificationOrigin === undefined ? {} : { origin: options.notificationOrigin }),
    ...(options.notificationAssociatedData === undefined
      ? {}
      : { associatedData: options.notificationAssociatedData }),
  });
  const engine: EngineContext = {
    records,
    time,
    settings,
    controls: {},
    active: activeSetFrom(records),
    onRefundFinal: (refund, order, at) => {
      if (refund.notifyUrl === undefined) return;
      const eventType =
        refund.status === 'SUCCESS'
          ? 'REFUND.SUCCESS'
          : refund.status === 'ABNORMAL'
            ? 'REFUND.ABNORMAL'
            : 'REFUND.CLOSED';
      dispatcher.enqueue({
        url: refund.notifyUrl,
        eventType,
        summary:
          eventType === 'REFUND.SUCCESS'
            ? 'refund succeeded'
            : eventType === 'REFUND.CLOSED'
              ? 'refund closed'
              : 'refund abnormal',
        originalType: 'refund',
        resource: refundNotificationResource(refund, order),
        subject: { refundId: refund.id, outRefundNo: refund.outRefundNo, subMchid: refund.subMchid },
        at,
      });
    },
  };
  const limiter = createRateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits });
  const faults: NetworkFaults = { ...NO_FAULTS, ...options.faults };
  /** API requests answered, per endpoint class: certificate downloads among them. */
  const requestCounts: Record<string, number> = {};
  /** Network and signature faults injected so far, by kind: a soak reports what it survived. */
  const faultsInjected: Record<string, number> = {};
  const calls = createCallLog();
  let baseUrl = '';
  let credentials: SandboxCredentials | undefined;
  const certificateSerials = () => ({
    serials: listedPlatforms(keys, time.now()).map((p) => p.serial),
    signingSerial: signer().serial,
    downloads: requestCounts['certificates'] ?? 0,
    rotations: rotation.history(),
  });
  // The institution's key never changes while the sandbox runs (rotation replaces platform keys only).
  const merchant = { mchid: keys.spMchid, serial: keys.merchantSerial, publicKey: keys.merchantPublicKey };
  const sandboxServer = createSandboxServer({
    api: { engine, keys },
    control: {
      engine,
      dispatcher: dispatcher,
      faults,
      limits: limiter.limits,
      certificateSerials,
      requestCounts,
      faultsInjected,
      calls: calls.list,
      callsDiscarded: calls.discarded,
      signWith: (serial) => (rotation.signWith(serial) ? certificateSerials() : undefined),
      rotate: (request) => {
        rotation.rotate(request);
        credentials = writeCredentialsFile(options.stateDir, baseUrl, keys);
        return certificateSerials();
      },
    },
    time,
    merchant: () => merchant,
    signer,
    limiter,
    faults,
    requestCounts,
    faultsInjected,
    random: seededRandom(options.seed ?? 1),
    catchUp: () => advanceAll(engine),
    calls,
  });
  const tick = (): void => {
    advanceAll(engine);
    dispatcher.tick();
  };
  const timer = setInterval(tick, options.tickMs ?? 10);
  timer.unref();
  await new Promise<void>((resolve, reject) => {
    sandboxServer.server.once('error', reject);
    sandboxServer.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = sandboxServer.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  credentials = writeCredentialsFile(options.stateDir, baseUrl, keys);
  const scheduled = options.rotateCertificate;
  if (scheduled !== undefined) {
    rotation.rotate({
      signWith: 'new',
      signsAt: time.now() + scheduled.afterMs,
      announce: scheduled.announce ?? 'now',
    });
    credentials = writeCredentialsFile(options.stateDir, baseUrl, keys);
  }
  const running: RunningSandbox = {
    baseUrl,
    get credentials(): SandboxCredentials {
      if (credentials === undefined) throw new Error('sandbox credentials are not written yet');
      return credentials;
    },
    credentialsFile: join(options.stateDir, 'sandbox.json'),
    now: time.now,
    calls: (filter) => calls.list(filter),
    settle: async () => {
      tick();
      await dispatcher.idle();
    },
    close: async () => {
      clearInterval(timer);
      dispatcher.close();
      await sandboxServer.close();
      await dispatcher.idle();
      records.close();
    },
  };
  return running;
};
