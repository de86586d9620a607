import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import type { EventStore, Logger } from '../ports';
import { type CoreConfig, type PaymentCore, minLeaseTtlMs } from '../application';
import { createHttpServer } from '../adapters/http/fastify';
import { createPinoLogger } from '../adapters/pino';
import { createPrometheusMetrics } from '../adapters/prometheus';
import { startSandbox, type RunningSandbox } from '../adapters/sandbox';
import { createScaledClock, createSystemTimers, systemClock, type ScaledClock } from '../adapters/system';
import { acquireSqliteInstanceLock, type InstanceLocked } from '../adapters/sqlite/instance-lock';
import { createWeChatPayClient, type WeChatPayClientConfig } from '../adapters/wechatpay';
import { type ServiceConfig, embeddedNotifyUrl, sandboxStateDir } from './config';
import { TYPES, buildContainer } from './container';
import { openStores } from './stores';

export interface RunningService {
  readonly url: string;
  readonly apiToken: string;
  /** Where the token is kept (for the banner, which never prints the token). */
  readonly apiTokenSource: ApiTokenSource;
  readonly sandbox?: RunningSandbox;
  readonly core: PaymentCore;
  /** The event store, for tools that read the log (audit) while the service runs. */
  readonly store: EventStore;
  /** Stops taking requests, lets appends in flight finish, stops timers; the store keeps everything. */
  readonly stop: () => Promise<void>;
}

/** Where the API token is kept: the banner names this, never the token. */
export type ApiTokenSource =
  | { readonly kind: 'env' }
  | { readonly kind: 'config-file'; readonly path: string }
  | { readonly kind: 'data-dir'; readonly path: string; readonly generated: boolean };

/** The API token: configured, or generated once and kept in the data directory (mode 600). */
const apiTokenFor = (config: ServiceConfig): { token: string; source: ApiTokenSource } => {
  if (config.apiToken !== undefined)
    return { token: config.apiToken, source: config.apiTokenSource ?? { kind: 'env' } };
  const path = join(config.dataDir, 'api-token');
  if (existsSync(path))
    return { token: readFileSync(path, 'utf8').trim(), source: { kind: 'data-dir', path, generated: false } };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { token, source: { kind: 'data-dir', path, generated: true } };
};

/**
 * A scaled clock anchored at the data directory's first start, so business time keeps running
 * forward across restarts (due times recorded before a restart stay meaningful after it).
 */
const scaledClockFor = (config: ServiceConfig) => {
  const path = join(config.dataDir, 'time-anchor');
  const now = Date.now();
  const anchor = existsSync(path) ? Number(readFileSync(path, 'utf8')) : now;
  if (!existsSync(path)) writeFileSync(path, `${anchor}\n`);
  return createScaledClock(config.timeScale, anchor + (now - anchor) * config.timeScale);
};

const freePort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

const clientConfigFromSandbox = (sandbox: RunningSandbox): WeChatPayClientConfig => {
  const c = sandbox.credentials;
  return {
    baseUrl: sandbox.baseUrl,
    spMchid: c.spMchid as WeChatPayClientConfig['spMchid'],
    spAppid: c.spAppid as WeChatPayClientConfig['spAppid'],
    merchantSerial: c.merchantSerial,
    merchantPrivateKeyPem: readFileSync(c.merchantPrivateKeyPath, 'utf8'),
    apiV3Key: readFileSync(c.apiV3KeyPath, 'utf8').trim(),
  };
};

const clientConfigFromMerchant = (m: NonNullable<ServiceConfig['merchant']>): WeChatPayClientConfig => ({
  baseUrl: m.baseUrl,
  spMchid: m.spMchid,
  spAppid: m.spAppid,
  merchantSerial: m.merchantSerial,
  merchantPrivateKeyPem: readFileSync(m.merchantPrivateKeyPath, 'utf8'),
  apiV3Key: readFileSync(m.apiV3KeyPath, 'utf8').trim(),
  ...(m.platformCertificatePath
    ? { pinnedPlatformCertificatePem: readFileSync(m.platformCertificatePath, 'utf8') }
    : {}),
  ...(m.platformPublicKey
    ? {
        platformPublicKey: {
          id: m.platformPublicKey.id,
          pem: readFileSync(m.platformPublicKey.path, 'utf8'),
        },
      }
    : {}),
});

export interface StartServiceOptions {
  readonly logger?: Logger;
  /**
   * Business clock of the core (sagas, event times, which statement days have closed); default
   * real time, or scaled by WPG_TIME_SCALE. The demo passes one it can move forward.
   */
  readonly clock?: ScaledClock;
  /** Clock of the embedded sandbox; default the business clock. */
  readonly sandboxClock?: ScaledClock;
}

/** Thrown by `startService` for a configuration it cannot run with; `wpg start` exits 2 with the message. */
export class StartRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartRefusedError';
  }
}

/** Thrown by `startService` when another service process already drives this SQLite log. */
export class InstanceLockedError extends StartRefusedError {
  constructor(readonly locked: InstanceLocked) {
    super(locked.message);
    this.name = 'InstanceLockedError';
  }
}

/**
 * The service drives sagas, and a SQLite log's sagas belong to one process: it holds the log's
 * instance lock for as long as it runs, taken before anything else starts. Commands and embedded
 * readers of the log do not take it. PostgreSQL and EventStoreDB share sagas through leases instead.
 */
export const startService = async (
  config: ServiceConfig,
  options: StartServiceOptions = {},
): Promise<RunningService> => {
  mkdirSync(config.dataDir, { recursive: true });
  const lock =
    config.eventStore.kind === 'sqlite'
      ? acquireSqliteInstanceLock(config.eventStore.path)
      : E.right({ release: () => undefined });
  if (E.isLeft(lock)) throw new InstanceLockedError(lock.left);
  try {
    return await startHoldingLock(config, options, lock.right.release);
  } catch (error) {
    lock.right.release();
    throw error;
  }
};

const startHoldingLock = async (
  config: ServiceConfig,
  options: StartServiceOptions,
  releaseLock: () => void,
): Promise<RunningService> => {
  const logger = options.logger ?? createPinoLogger({ level: config.logLevel });
  // Business time (saga timers, event times) may run faster against a sandbox; protocol time
  // (request signatures, the ±300 s response check) is always the real clock, as WeChat's is.
  const clock = options.clock ?? (config.timeScale === 1 ? systemClock : scaledClockFor(config));
  const timers = createSystemTimers(clock);
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const url = `http://${config.host}:${port}`;

  const sandbox =
    config.sandbox === 'embedded'
      ? await startSandbox({ stateDir: sandboxStateDir(config), clock: options.sandboxClock ?? clock })
      : undefined;
  const clientConfig = sandbox
    ? clientConfigFromSandbox(sandbox)
    : clientConfigFromMerchant(config.merchant!);
  const client = createWeChatPayClient(
    {
      ...clientConfig,
      instanceId: config.instanceId,
      minCertificateRefreshIntervalMs: config.certificateTrust.minRefreshIntervalMs,
      maxCertificateDownloadsPerMinute: config.certificateTrust.maxDownloadsPerMinute,
    },
    { clock: systemClock, logger },
  );
  // A step may take the client's longest call; a lease it cannot fit in is a setting to fix.
  const stepBudgetMs = client.longestSagaCallMs + 1_000;
  if (config.leaseTtlMs !== undefined && config.leaseTtlMs < minLeaseTtlMs(stepBudgetMs)) {
    await client.close();
    await sandbox?.close();
    throw new StartRefusedError(
      `WPG_LEASE_TTL_MS: ${config.leaseTtlMs} ms is too short: with this client's timeouts a saga step may ` +
        `take ${stepBudgetMs} ms, so a lease must last at least ${minLeaseTtlMs(stepBudgetMs)} ms`,
    );
  }
  const stores = openStores(config.eventStore, config.dataDir);
  const prometheus = createPrometheusMetrics();

  const coreConfig: CoreConfig = {
    spMchid: clientConfig.spMchid,
    payPolicy: config.payPolicy,
    refundPolicy: config.refundPolicy,
    merchantCategoryCode: config.merchantCategoryCode,
    // With the embedded sandbox, refund notifications come straight back to this service.
    refundNotifyUrl: config.notifyUrl ?? embeddedNotifyUrl(config.host, port),
    instanceId: config.instanceId,
    stepBudgetMs,
    ...(config.leaseTtlMs !== undefined ? { leaseTtlMs: config.leaseTtlMs } : {}),
  };
  const container = buildContainer(coreConfig, {
    store: stores.store,
    readModels: stores.readModels,
    gateway: client.gateway,
    verifier: client.verifier,
    clock,
    timers,
    logger,
    metrics: prometheus.metrics,
    leases: stores.leases,
  });
  const core = container.get<PaymentCore>(TYPES.PaymentCore);
  const { token: apiToken, source: apiTokenSource } = apiTokenFor(config);
  const http = createHttpServer({ api: core.api, apiToken, logger, renderMetrics: prometheus.render });

  // Trust first: the platform certificates are downloaded before any saga resumes or pay arrives.
  await client.start();
  await core.start();
  await http.listen({ port, host: config.host });
  logger.info('service started', {
    url,
    instance: config.instanceId,
    store: config.eventStore.kind,
    sandbox: sandbox?.baseUrl ?? 'off',
  });

  let isStopping = false;
  return {
    url,
    apiToken,
    apiTokenSource,
    core,
    store: stores.store,
    ...(sandbox ? { sandbox } : {}),
    stop: async () => {
      if (isStopping) return;
      isStopping = true;
      await http.close();
      await core.stop();
      await client.close();
      await stores.close();
      releaseLock();
      await sandbox?.close();
    },
  };
};
