import type { AppId, SpMchid } from '../../domain/shared/ids';
import { DEFAULT_REFRESH_LIMITS, type RefreshLimits } from './certificate-store';
import type { OperationTimeouts, StatementMerchantIdParam } from './endpoints/context';
import { DEFAULT_TRANSIENT_CODES } from './outcome';
import { DEFAULT_READ_RETRY, type RetryPolicy } from './retry';
import type { SignOn } from './signing';

/** Configuration of the client; every optional field has the default documented beside it. */

/** The Global access points (reference §1); the sandbox's own URL is equally accepted. */
export const WECHATPAY_HOSTS = {
  hongKong: 'https://apihk.mch.weixin.qq.com',
  americas: 'https://apius.mch.weixin.qq.com',
  europe: 'https://apieu.mch.weixin.qq.com',
} as const;

export interface WeChatPayClientConfig {
  /** Default `https://apihk.mch.weixin.qq.com`; apius, apieu or a local sandbox are equally fine. */
  readonly baseUrl: string;
  readonly spMchid: SpMchid;
  readonly spAppid: AppId;
  /** The institution API certificate's serial: `serial_no` in every Authorization header. */
  readonly merchantSerial: string;
  /** PKCS#8 (`BEGIN PRIVATE KEY`); PKCS#1 (`BEGIN RSA PRIVATE KEY`) is accepted. */
  readonly merchantPrivateKeyPem: string;
  /** 32 ASCII bytes. */
  readonly apiV3Key: string;
  /** A platform certificate trusted from the start; downloads must then be signed by a trusted key. */
  readonly pinnedPlatformCertificatePem?: string;
  /** Platform public-key mode: responses whose `Wechatpay-Serial` is `id` (`PUB_KEY_ID_…`) verify with `pem`. */
  readonly platformPublicKey?: { readonly id: string; readonly pem: string };
  /**
   * Per-operation timeouts in ms, merged over `DEFAULT_TIMEOUTS_MS`: the wait for the answer's
   * headers, then the longest silence while its body arrives (a large statement may take longer in all).
   */
  readonly timeoutsMs?: Partial<OperationTimeouts>;
  /** Scheduled certificate refresh; default 6 h, must be under 12 h (§4). 0 turns the schedule off. */
  readonly certificateRefreshIntervalMs?: number;
  /**
   * Least time from a successful certificate download to the next one; default 5 s. An answer signed
   * by an unknown serial inside that floor waits for it to pass, then verifies against a fresh list.
   */
  readonly minCertificateRefreshIntervalMs?: number;
  /** At most this many certificate downloads start in any 60 s window, whatever asks; default 10. */
  readonly maxCertificateDownloadsPerMinute?: number;
  /** Back-off after a failed download: first delay, doubling per failure up to the cap; default 1 s, 60 s. */
  readonly certificateRetry?: { readonly baseMs?: number; readonly maxMs?: number };
  /** How long a pay waits for platform trust before it is refused unsent; default 3 s. */
  readonly payTrustWaitMs?: number;
  /** Retries of idempotent reads on Unknown; default 3 attempts, 200 ms base, 2 s cap, full jitter. */
  readonly readRetry?: Partial<RetryPolicy>;
  /**
   * Default `wechatpay-global-core/<version> (Node.js <version>)`, or with `instanceId`
   * `wechatpay-global-core/<version> (Node.js <version>; instance <id>)`. A `userAgent` given here
   * replaces the default; with `instanceId` too, ` (instance <id>)` is appended to it.
   */
  readonly userAgent?: string;
  /**
   * Which of several instances sharing one event log sends the request: 1–64 characters of
   * `[A-Za-z0-9._-]`, carried in the User-Agent (`instance <id>`) so the other side can tell them apart.
   */
  readonly instanceId?: string;
  /** Statement merchant-id parameter (UNCONFIRMED §12.8): `mchid` (default) or `sp_mchid`. */
  readonly statementMerchantIdParam?: StatementMerchantIdParam;
  /** Error codes that leave the outcome Unknown whatever the status; default `DEFAULT_TRANSIENT_CODES`. */
  readonly transientErrorCodes?: readonly string[];
  /** Connections the pooled agent may open to the host; default 16. */
  readonly connections?: number;
  /** Idle keep-alive time of pooled connections; default 30 s. */
  readonly keepAliveTimeoutMs?: number;
  /** TCP + TLS connection set-up; default 5 s. A timeout here is Unknown(Timeout) like any other. */
  readonly connectTimeoutMs?: number;
  /**
   * Where requests are signed (signing.ts): `thread-pool` (default) keeps the event loop free for a
   * busy server, `event-loop` spends the least CPU per call.
   */
  readonly signOn?: SignOn;
}

export const DEFAULT_BASE_URL = WECHATPAY_HOSTS.hongKong;

export const DEFAULT_TIMEOUTS_MS: OperationTimeouts = {
  pay: 10_000,
  queryOrder: 5_000,
  reverse: 10_000,
  closeOrder: 10_000,
  refund: 10_000,
  queryRefund: 5_000,
  queryAllRefunds: 5_000,
  downloadStatement: 60_000,
  querySettlements: 10_000,
  platformCertificates: 10_000,
};

const HOUR_MS = 3_600_000;
export const DEFAULT_CERTIFICATE_REFRESH_MS = 6 * HOUR_MS;
export const MAX_CERTIFICATE_REFRESH_MS = 12 * HOUR_MS;

export interface ResolvedConfig {
  readonly timeouts: OperationTimeouts;
  readonly refreshIntervalMs: number;
  readonly refreshLimits: RefreshLimits;
  readonly payTrustWaitMs: number;
  readonly readRetry: RetryPolicy;
  readonly userAgent: string;
  readonly statementMerchantIdParam: StatementMerchantIdParam;
  readonly transientCodes: ReadonlySet<string>;
  readonly connections: number;
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly signOn: SignOn;
}

/** The package version the User-Agent names; a unit test keeps it equal to package.json's. */
export const CLIENT_VERSION = '0.1.0';

/** What an instance id may be: short, and safe inside a header, a log line or a file name. */
export const INSTANCE_ID_RULE = '1-64 characters of A-Z, a-z, 0-9, ".", "_" and "-"';
export const isInstanceId = (value: string): boolean => /^[A-Za-z0-9._-]{1,64}$/.test(value);

/** The User-Agent every request carries: product, version, runtime and, when given, the instance. */
export const userAgentOf = (
  config: Pick<WeChatPayClientConfig, 'userAgent' | 'instanceId'>,
  nodeVersion: string = process.version,
): string => {
  const instance = config.instanceId;
  if (instance !== undefined && !isInstanceId(instance))
    throw new Error(`instanceId must be ${INSTANCE_ID_RULE}`);
  if (config.userAgent !== undefined)
    return instance === undefined ? config.userAgent : `${config.userAgent} (instance ${instance})`;
  const runtime = `Node.js ${nodeVersion}${instance === undefined ? '' : `; instance ${instance}`}`;
  return `wechatpay-global-core/${CLIENT_VERSION} (${runtime})`;
};

const nonNegative = (value: number, name: string): number => {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};

const refreshLimitsOf = (config: WeChatPayClientConfig): RefreshLimits => {
  const floor = nonNegative(
    config.minCertificateRefreshIntervalMs ?? DEFAULT_REFRESH_LIMITS.minRefreshIntervalMs,
    'minCertificateRefreshIntervalMs',
  );
  const perMinute = config.maxCertificateDownloadsPerMinute ?? DEFAULT_REFRESH_LIMITS.maxDownloadsPerMinute;
  if (!Number.isInteger(perMinute) || perMinute < 1)
    throw new Error('maxCertificateDownloadsPerMinute must be an integer ≥ 1');
  const retryBaseMs = nonNegative(
    config.certificateRetry?.baseMs ?? DEFAULT_REFRESH_LIMITS.retryBaseMs,
    'certificateRetry.baseMs',
  );
  const retryMaxMs = nonNegative(
    config.certificateRetry?.maxMs ?? DEFAULT_REFRESH_LIMITS.retryMaxMs,
    'certificateRetry.maxMs',
  );
  return {
    minRefreshIntervalMs: floor,
    maxDownloadsPerMinute: perMinute,
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, retryMaxMs),
    // A miss waits a few seconds at most (a short floor, an early retry), never for the bound.
    maxMissWaitMs: DEFAULT_REFRESH_LIMITS.maxMissWaitMs,
  };
};

/** A bad configuration is a deployment bug: it throws at start-up, naming the field, never the value. */
export const resolveConfig = (config: WeChatPayClientConfig): ResolvedConfig => {
  const refreshIntervalMs = config.certificateRefreshIntervalMs ?? DEFAULT_CERTIFICATE_REFRESH_MS;
  if (refreshIntervalMs < 0 || refreshIntervalMs >= MAX_CERTIFICATE_REFRESH_MS)
    throw new Error('certificateRefreshIntervalMs must be under 12 hours (reference §4)');
  const url = new URL(config.baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('baseUrl must be http(s)');
  const readRetry = { ...DEFAULT_READ_RETRY, ...config.readRetry };
  if (!Number.isInteger(readRetry.attempts) || readRetry.attempts < 1)
    throw new Error('readRetry.attempts must be ≥ 1');
  return {
    timeouts: { ...DEFAULT_TIMEOUTS_MS, ...config.timeoutsMs },
    refreshIntervalMs,
    refreshLimits: refreshLimitsOf(config),
    payTrustWaitMs: nonNegative(config.payTrustWaitMs ?? 3_000, 'payTrustWaitMs'),
    readRetry,
    userAgent: userAgentOf(config),
    statementMerchantIdParam: config.statementMerchantIdParam ?? 'mchid',
    transientCodes: new Set(config.transientErrorCodes ?? DEFAULT_TRANSIENT_CODES),
    connections: config.connections ?? 16,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs ?? 30_000,
    connectTimeoutMs: config.connectTimeoutMs ?? 5_000,
    signOn: config.signOn ?? 'thread-pool',
  };
};

/** Writes are sent once (their timeout); reads are retried on Unknown (each attempt, and the back-off between). */
export const longestSagaCallMs = (config: Pick<ResolvedConfig, 'timeouts' | 'readRetry'>): number => {
  const { timeouts: t, readRetry: r } = config;
  const backoff = Array.from({ length: r.attempts - 1 }, (_, n) =>
    Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** n),
  ).reduce((a, b) => a + b, 0);
  const read = (timeoutMs: number): number => r.attempts * timeoutMs + backoff;
  return Math.max(t.pay, t.reverse, t.refund, read(t.queryOrder), read(t.queryRefund));
};
