import * as E from 'fp-ts/Either';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createPaymentCore, type PaymentCore } from '../../src/application';
import {
  Order,
  OutTradeNoCodec,
  Refund,
  unsafeMoney,
  type AppId,
  type AuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SpMchid,
  type SubMchid,
} from '../../src/domain';
import {
  noMetrics,
  type EventStore,
  type PaymentApi,
  type ReadModelStore,
  type SagaLeases,
  type WeChatPayGateway,
} from '../../src/ports';
import { createHttpServer } from '../../src/adapters/http/fastify';
import { createPinoLogger } from '../../src/adapters/pino';
import { startSandbox, type RunningSandbox } from '../../src/adapters/sandbox';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../src/adapters/sqlite/event-store';
import { createSqliteReadModelStore } from '../../src/adapters/sqlite/read-model-store';
import { createScaledClock, createSystemTimers, type ScaledClock } from '../../src/adapters/system';
import {
  createWeChatPayClient,
  type WeChatPayClient,
  type WeChatPayClientConfig,
} from '../../src/adapters/wechatpay';

/**
 * The whole system in one process over real HTTP: the sandbox (real signatures, its own state),
 * and a runtime (WeChat Pay client, core, SQLite store, webhook server) that can be stopped and
 * started again on the same files, as a restarted process would be. Time runs `scale`× faster for
 * both, through one shared clock, so WeChat's 30–45 s rules take a fraction of a second.
 */
export const SUB_MCHID = '1900000109';
/**
 * 25×: a 30 s deadline takes 1.2 s. Faster scales make business time so coarse that ordinary
 * event-loop delays on a loaded two-core machine move decisions (every 10 ms is 1 s of WeChat time).
 */
export const SCALE = 25;

export interface World {
  readonly dir: string;
  readonly clock: ScaledClock;
  readonly sandbox: RunningSandbox;
  readonly close: () => Promise<void>;
}

export const startWorld = async (scale = SCALE): Promise<World> => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-it-'));
  const clock = createScaledClock(scale);
  const sandbox = await startSandbox({ stateDir: join(dir, 'sandbox'), clock, tickMs: 5 });
  return {
    dir,
    clock,
    sandbox,
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export interface Runtime {
  readonly api: PaymentApi;
  readonly core: PaymentCore;
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly gateway: WeChatPayGateway;
  readonly webhookUrl: string;
  /** The WeChat Pay client under the gateway (certificate statistics). */
  readonly client: WeChatPayClient;
  /** Graceful stop (timers, server, connections, database). */
  readonly stop: () => Promise<void>;
  /**
   * As close to kill -9 as one process allows: the server drops every connection, timers stop, and
   * nothing is flushed or awaited. Pair it with a frozen store so in-flight work cannot land.
   */
  readonly kill: () => Promise<void>;
}

export interface RuntimeOptions {
  /** Wraps the store, e.g. to freeze it at a chosen append (a crash). */
  readonly wrapStore?: (store: EventStore) => EventStore;
  /** Wraps the gateway, e.g. to count pay calls across restarts. */
  readonly wrapGateway?: (gateway: WeChatPayGateway) => WeChatPayGateway;
  readonly payPolicy?: Partial<Order.PayPolicy>;
  /** Client settings over the harness's own (e.g. certificate refresh limits). */
  readonly client?: Partial<WeChatPayClientConfig>;
  /** How long a pay waits for platform trust (business ms). */
  readonly payTrustWaitMs?: number;
  /** Skip the client's start-up download, as a platform that never calls `start()` would. */
  readonly skipClientStart?: boolean;
  readonly refundPolicy?: Partial<Refund.RefundPolicy>;
  /**
   * One of several instances on a log shared in this process: the stores are given (and not
   * closed on stop), and the saga leases are shared.
   */
  readonly instance?: {
    readonly id: string;
    readonly store: EventStore;
    readonly readModels: ReadModelStore;
    readonly leases: SagaLeases;
    readonly leaseTtlMs: number;
  };
}

const silent = createPinoLogger({ level: (process.env['WPG_TEST_LOG'] as 'silent' | undefined) ?? 'silent' });

/**
 * One world and one runtime for a whole describe block: started before its tests, stopped after.
 * `use` receives both once they are up.
 */
export const withWorldAndRuntime = (use: (world: World, runtime: Runtime) => void, scale = SCALE): void => {
  let world: World | undefined;
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    world = await startWorld(scale);
    runtime = await startRuntime(world);
    use(world, runtime);
  });
  afterAll(async () => {
    await runtime?.stop();
    await world?.close();
  });
};

export const startRuntime = async (world: World, options: RuntimeOptions = {}): Promise<Runtime> => {
  const c = world.sandbox.credentials;
  const client: WeChatPayClient = createWeChatPayClient(
    {
      baseUrl: world.sandbox.baseUrl,
      spMchid: c.spMchid as SpMchid,
      spAppid: c.spAppid as AppId,
      merchantSerial: c.merchantSerial,
      merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
      apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8').trim(),
      // Real-time limits: a hanging pay answer becomes Unknown quickly in tests.
      timeoutsMs: { pay: 1_500, queryOrder: 1_500, reverse: 1_500, refund: 1_500, queryRefund: 1_500 },
      ...options.client,
    },
    { clock: world.clock, logger: silent, timers: createSystemTimers(world.clock) },
  );
  const instance = options.instance;
  const db: SqliteDatabase | undefined = instance
    ? undefined
    : openSqliteDatabase(join(world.dir, 'events.db'));
  const rawStore = instance?.store ?? createSqliteEventStore(db!);
  const store = options.wrapStore ? options.wrapStore(rawStore) : rawStore;
  const readModels = instance?.readModels ?? createSqliteReadModelStore(db!);
  const gateway = options.wrapGateway ? options.wrapGateway(client.gateway) : client.gateway;

  let core: PaymentCore | undefined = undefined as PaymentCore | undefined;
  // The webhook must know the core, and the core its own notify URL: the server listens first.
  const api: PaymentApi = new Proxy({} as PaymentApi, {
    get: (_t, name: keyof PaymentApi) => (core ? core.api[name] : undefined),
  });
  const http: FastifyInstance = createHttpServer({
    api,
    apiToken: 'integration-test-token-0123456789',
    logger: silent,
    renderMetrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  const address = await http.listen({ port: 0, host: '127.0.0.1' });
  const webhookUrl = `${address}/notifications/wechatpay`;
  core = createPaymentCore({
    store,
    gateway,
    verifier: client.verifier,
    readModels,
    clock: world.clock,
    timers: createSystemTimers(world.clock),
    logger: silent,
    metrics: noMetrics,
    ...(instance ? { leases: instance.leases } : {}),
    config: {
      ...(instance
        ? {
            instanceId: instance.id,
            leaseTtlMs: instance.leaseTtlMs,
            stepBudgetMs: client.longestSagaCallMs + 500,
          }
        : {}),
      spMchid: c.spMchid as SpMchid,
      payPolicy: { ...Order.defaultPayPolicy, ...options.payPolicy },
      refundPolicy: { ...Refund.defaultRefundPolicy, ...options.refundPolicy },
      merchantCategoryCode: '5812',
      refundNotifyUrl: webhookUrl,
      ...(options.payTrustWaitMs === undefined ? {} : { payTrustWaitMs: options.payTrustWaitMs }),
    },
  });
  if (options.skipClientStart !== true) await client.start();
  await core.start();
  const started = core;
  return {
    api: started.api,
    core: started,
    store,
    readModels,
    gateway,
    webhookUrl,
    client,
    stop: async () => {
      await http.close();
      await started.stop();
      await client.close();
      if (instance) return;
      await rawStore.close();
      if (db?.open) db.close();
    },
    kill: async () => {
      http.server.closeAllConnections();
      void http.close();
      void started.stop();
      await client.close();
    },
  };
};

/** Sandbox auth codes choose the scenario (docs/sandbox.md): wallet 13, scenario SS, seconds NNN, free digits. */
let counter = 0;
export const authCode = (scenario: string, seconds = 0): string => {
  counter += 1;
  return `13${scenario}${String(seconds).padStart(3, '0')}${String(Date.now() % 1e7).padStart(7, '0')}${String(counter % 1e4).padStart(4, '0')}`;
};

export const ctx = { actor: 'test', correlationId: 'it' };

/** Resolves with the value once `probe` returns one, or fails after `timeoutMs` (real time). */
export const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

export const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

/** Calls the sandbox's control API (docs/sandbox.md). */
export const control = async (
  world: World,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> => {
  const response = await fetch(`${world.sandbox.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

export const newOutTradeNo = (tag: string): string => {
  const no = `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  if (!OutTradeNoCodec.is(no))
    throw new Error(`test bug: ${no} is not a valid out_trade_no (≤ 32 characters)`);
  return no;
};

/** A paid order: an immediate-success scenario, waited for. */
export const paidOrder = async (runtime: Runtime, total: number, tag = 'paid') => {
  const outTradeNo = newOutTradeNo(tag) as OutTradeNo;
  const view = right(
    await runtime.api.createPayment(
      {
        subMchid: SUB_MCHID as SubMchid,
        outTradeNo,
        authCode: authCode('00') as AuthCode,
        amount: unsafeMoney(total, 'HKD'),
        description: 'Integration - order',
      },
      ctx,
      20_000,
    )(),
  );
  if (view.status !== 'SUCCEEDED') throw new Error(`expected a paid order, got ${view.status}`);
  return outTradeNo;
};

export const refund = (
  runtime: Runtime,
  outTradeNo: OutTradeNo,
  outRefundNo: string,
  amount: number,
  reason?: string,
) =>
  runtime.api.createRefund(
    {
      subMchid: SUB_MCHID as SubMchid,
      outTradeNo,
      outRefundNo: outRefundNo as OutRefundNo,
      amount: unsafeMoney(amount, 'HKD'),
      ...(reason !== undefined ? { reason } : {}),
    },
    ctx,
  )();

export const refundStatus = async (runtime: Runtime, outRefundNo: string): Promise<string> => {
  const r = await runtime.api.getRefund(SUB_MCHID as SubMchid, outRefundNo as OutRefundNo)();
  return E.isRight(r) ? r.right.status : 'MISSING';
};
