import * as E from 'fp-ts/Either';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import * as t from 'io-ts';
import { INSTANCE_ID_RULE, isInstanceId, notifyUrlProblem, NOTIFY_URL_RULE } from '../adapters/wechatpay';
import { AppIdCodec, Order, Refund, SpMchidCodec, type AppId, type SpMchid } from '../domain';
import { parseEventStoreSetting } from './event-store-setting';

/**
 * Configuration from the environment, or from an optional JSON file (`WPG_CONFIG_FILE`) holding the
 * same names; the environment wins. Every setting is decoded with io-ts and a bad start lists every
 * problem at once. Secrets (keys, token) are read from files or the environment and never printed.
 */

export type EventStoreSetting =
  | { kind: 'sqlite'; path: string }
  | { kind: 'esdb'; connectionString: string }
  | { kind: 'postgresql'; connectionString: string }
  | { kind: 'memory' };

export interface MerchantCredentials {
  readonly baseUrl: string;
  readonly spMchid: SpMchid;
  readonly spAppid: AppId;
  readonly merchantSerial: string;
  readonly merchantPrivateKeyPath: string;
  readonly apiV3KeyPath: string;
  readonly platformCertificatePath?: string;
  readonly platformPublicKey?: { readonly id: string; readonly path: string };
}

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly eventStore: EventStoreSetting;
  /** Undefined: generate one and keep it in the data directory. */
  readonly apiToken?: string;
  /** Where a configured token came from, so the banner can say so without printing it. */
  readonly apiTokenSource?:
    { readonly kind: 'env' } | { readonly kind: 'config-file'; readonly path: string };
  readonly sandbox: 'embedded' | 'off';
  /** Present when the sandbox is off. */
  readonly merchant?: MerchantCredentials;
  readonly notifyUrl?: string;
  readonly merchantCategoryCode: string;
  /** Platform certificate downloads: the floor between two, and the bound per 60 s. */
  readonly certificateTrust: {
    readonly minRefreshIntervalMs: number;
    readonly maxDownloadsPerMinute: number;
  };
  readonly payPolicy: Order.PayPolicy;
  readonly refundPolicy: Refund.RefundPolicy;
  /** Business time runs this many times faster (sandbox demos and tests only). */
  readonly timeScale: number;
  readonly logLevel: string;
  /**
   * This instance among those sharing the event log: the saga leases' owner, and named in every
   * request to WeChat (User-Agent). `WPG_INSTANCE_ID`, or `<hostname>-<pid>-<4 random hex>`.
   */
  readonly instanceId: string;
  /** How long a saga lease lasts unrenewed (instances sharing a log); default: the step budget plus 3 s. */
  readonly leaseTtlMs?: number;
}

export const SETTINGS = [
  'WPG_PORT',
  'WPG_HOST',
  'WPG_DATA_DIR',
  'WPG_EVENT_STORE',
  'WPG_API_TOKEN',
  'WPG_WECHATPAY_BASE_URL',
  'WPG_SP_MCHID',
  'WPG_SP_APPID',
  'WPG_MERCHANT_SERIAL',
  'WPG_MERCHANT_PRIVATE_KEY',
  'WPG_APIV3_KEY',
  'WPG_PLATFORM_CERTIFICATE',
  'WPG_PLATFORM_PUBLIC_KEY',
  'WPG_PLATFORM_PUBLIC_KEY_ID',
  'WPG_NOTIFY_URL',
  'WPG_SANDBOX',
  'WPG_MERCHANT_CATEGORY_CODE',
  'WPG_PAY_FIRST_POLL_MS',
  'WPG_PAY_POLL_INTERVAL_MS',
  'WPG_PAY_DEADLINE_MS',
  'WPG_TIME_SCALE',
  'WPG_LOG_LEVEL',
  'WPG_CERTIFICATE_MIN_REFRESH_MS',
  'WPG_CERTIFICATE_DOWNLOADS_PER_MINUTE',
  'WPG_INSTANCE_ID',
  'WPG_LEASE_TTL_MS',
] as const;
type Setting = (typeof SETTINGS)[number];
type Env = Readonly<Record<string, string | undefined>>;

const MERCHANT_SETTINGS: readonly Setting[] = [
  'WPG_SP_MCHID',
  'WPG_SP_APPID',
  'WPG_MERCHANT_SERIAL',
  'WPG_MERCHANT_PRIVATE_KEY',
  'WPG_APIV3_KEY',
];

const IntFromString = (min: number, max: number) =>
  new t.Type<number, string, unknown>(
    `integer ${min}..${max}`,
    (u): u is number => typeof u === 'number',
    (u, c) => {
      const n = typeof u === 'string' && /^-?[0-9]+$/.test(u.trim()) ? Number(u) : NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

const NumberFromString = (min: number, max: number) =>
  new t.Type<number, string, unknown>(
    `number ${min}..${max}`,
    (u): u is number => typeof u === 'number',
    (u, c) => {
      const n = typeof u === 'string' && u.trim() !== '' ? Number(u) : NaN;
      return Number.isFinite(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

const HttpUrl = t.refinement(t.string, (s) => /^https?:\/\/[^\s]+$/.test(s), 'http(s) URL');
/** The client's own rule for notify_url (refunds would be refused with any other). */
const NotifyUrl = t.refinement(t.string, (s) => notifyUrlProblem(s) === undefined, NOTIFY_URL_RULE);
const NonEmpty = t.refinement(t.string, (s) => s.trim().length > 0, 'non-empty string');
const Token = t.refinement(t.string, (s) => s.length >= 16, 'at least 16 characters');
const InstanceId = t.refinement(t.string, isInstanceId, INSTANCE_ID_RULE);

/**
 * The instance id when WPG_INSTANCE_ID is not set: host, process and a random part (two processes
 * with one pid, in two containers, still differ), kept to the instance-id characters and length.
 */
export const defaultInstanceId = (
  host: string = hostname(),
  pid: number = process.pid,
  random: string = randomBytes(2).toString('hex'),
): string => {
  const suffix = `-${pid}-${random}`;
  const name = host.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'wpg';
  return `${name.slice(0, 64 - suffix.length)}${suffix}`;
};

const readFileEnv = (path: string | undefined): Env => {
  if (path === undefined) return {};
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a JSON object`);
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k, v === undefined || v === null ? undefined : String(v)]),
  );
};

/** Decodes the configuration, collecting every problem; messages name settings, never secret values. */
export const loadConfig = (
  environment: Env,
  cwd: string = process.cwd(),
): E.Either<readonly string[], ServiceConfig> => {
  const problems: string[] = [];
  let fileEnv: Env = {};
  try {
    fileEnv = readFileEnv(environment['WPG_CONFIG_FILE']);
  } catch (e) {
    problems.push(`WPG_CONFIG_FILE: ${e instanceof Error ? e.message : String(e)}`);
  }
  const env: Env = { ...fileEnv, ...environment };
  const get = (name: Setting): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const decode = <A>(name: Setting, codec: t.Type<A, unknown, unknown>, fallback?: A): A | undefined => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const r = codec.decode(raw);
    if (E.isRight(r)) return r.right;
    const secret = /KEY|TOKEN/.test(name);
    problems.push(`${name}: expected ${codec.name}${secret ? '' : `, got ${JSON.stringify(raw)}`}`);
    return fallback;
  };
  const required = <A>(name: Setting, codec: t.Type<A, unknown, unknown>): A | undefined => {
    if (get(name) === undefined) {
      problems.push(`${name}: missing`);
      return undefined;
    }
    return decode(name, codec);
  };

  const port = decode('WPG_PORT', IntFromString(0, 65535), 8080) ?? 8080;
  const host = decode('WPG_HOST', NonEmpty, '127.0.0.1') ?? '127.0.0.1';
  const dataDir = resolve(cwd, get('WPG_DATA_DIR') ?? './data');
  const store = parseEventStoreSetting(get('WPG_EVENT_STORE'), dataDir);
  if (E.isLeft(store)) problems.push(store.left);
  const apiToken = decode('WPG_API_TOKEN', Token);
  const apiTokenSource =
    apiToken === undefined
      ? undefined
      : environment['WPG_API_TOKEN'] !== undefined && environment['WPG_API_TOKEN'] !== ''
        ? ({ kind: 'env' } as const)
        : ({ kind: 'config-file', path: resolve(cwd, environment['WPG_CONFIG_FILE'] ?? '') } as const);
  const hasMerchant = MERCHANT_SETTINGS.some((s) => get(s) !== undefined);
  const sandbox =
    decode('WPG_SANDBOX', t.keyof({ embedded: null, off: null }), hasMerchant ? 'off' : 'embedded') ??
    'embedded';
  if (sandbox === 'embedded' && hasMerchant) {
    problems.push(
      'WPG_SANDBOX: embedded, but merchant credentials are set; choose one (WPG_SANDBOX=off to use them)',
    );
  }

  let merchant: MerchantCredentials | undefined;
  if (sandbox === 'off') {
    const spMchid = required('WPG_SP_MCHID', SpMchidCodec);
    const spAppid = required('WPG_SP_APPID', AppIdCodec);
    const merchantSerial = required(
      'WPG_MERCHANT_SERIAL',
      t.refinement(t.string, (s) => /^[0-9A-Fa-f]{1,40}$/.test(s), 'certificate serial (hex)'),
    );
    const merchantPrivateKeyPath = required('WPG_MERCHANT_PRIVATE_KEY', NonEmpty);
    const apiV3KeyPath = required('WPG_APIV3_KEY', NonEmpty);
    const baseUrl = decode('WPG_WECHATPAY_BASE_URL', HttpUrl, 'https://apihk.mch.weixin.qq.com') ?? '';
    const platformCertificatePath = decode('WPG_PLATFORM_CERTIFICATE', NonEmpty);
    const publicKeyPath = decode('WPG_PLATFORM_PUBLIC_KEY', NonEmpty);
    const publicKeyId = decode(
      'WPG_PLATFORM_PUBLIC_KEY_ID',
      t.refinement(t.string, (s) => s.startsWith('PUB_KEY_ID_'), 'PUB_KEY_ID_…'),
    );
    if ((publicKeyPath === undefined) !== (publicKeyId === undefined)) {
      problems.push('WPG_PLATFORM_PUBLIC_KEY and WPG_PLATFORM_PUBLIC_KEY_ID: set both or neither');
    }
    if (spMchid && spAppid && merchantSerial && merchantPrivateKeyPath && apiV3KeyPath) {
      merchant = {
        baseUrl,
        spMchid,
        spAppid,
        merchantSerial,
        merchantPrivateKeyPath: resolve(cwd, merchantPrivateKeyPath),
        apiV3KeyPath: resolve(cwd, apiV3KeyPath),
        ...(platformCertificatePath
          ? { platformCertificatePath: resolve(cwd, platformCertificatePath) }
          : {}),
        ...(publicKeyPath && publicKeyId
          ? { platformPublicKey: { id: publicKeyId, path: resolve(cwd, publicKeyPath) } }
          : {}),
      };
    }
    if (get('WPG_NOTIFY_URL') === undefined)
      problems.push('WPG_NOTIFY_URL: missing (refund notifications need an HTTPS URL)');
  }
  const notifyUrl = decode('WPG_NOTIFY_URL', NotifyUrl);
  if (sandbox === 'embedded' && get('WPG_NOTIFY_URL') === undefined) {
    // The default is derived from WPG_HOST: check it with the same rule, and say what to set.
    const derived = embeddedNotifyUrl(host, port === 0 ? 8080 : port);
    const problem = notifyUrlProblem(derived);
    if (problem !== undefined) {
      problems.push(
        `WPG_NOTIFY_URL: not set, and the default derived from WPG_HOST (${derived}) would be refused ` +
          `for every refund: ${problem}. Set WPG_NOTIFY_URL to an address of this service that the ` +
          `sandbox can reach (for example http://127.0.0.1:${port === 0 ? 8080 : port}/notifications/wechatpay), ` +
          'or listen on WPG_HOST=127.0.0.1',
      );
    }
  }
  const merchantCategoryCode =
    decode(
      'WPG_MERCHANT_CATEGORY_CODE',
      t.refinement(t.string, (s) => /^[0-9]{4}$/.test(s), 'four-digit MCC'),
      '5812',
    ) ?? '5812';
  const payPolicy: Order.PayPolicy = {
    ...Order.defaultPayPolicy,
    firstPollAfterMs:
      decode('WPG_PAY_FIRST_POLL_MS', IntFromString(1, 45_000), Order.defaultPayPolicy.firstPollAfterMs) ?? 0,
    pollIntervalMs:
      decode('WPG_PAY_POLL_INTERVAL_MS', IntFromString(1, 45_000), Order.defaultPayPolicy.pollIntervalMs) ??
      0,
    deadlineMs:
      decode(
        'WPG_PAY_DEADLINE_MS',
        IntFromString(1, Order.MAX_DEADLINE_MS),
        Order.defaultPayPolicy.deadlineMs,
      ) ?? 0,
  };
  problems.push(...Order.payPolicyProblems(payPolicy).map((p) => `pay policy: ${p}`));
  const certificateTrust = {
    minRefreshIntervalMs: decode('WPG_CERTIFICATE_MIN_REFRESH_MS', IntFromString(0, 600_000), 5_000) ?? 0,
    maxDownloadsPerMinute: decode('WPG_CERTIFICATE_DOWNLOADS_PER_MINUTE', IntFromString(1, 60), 10) ?? 1,
  };
  const timeScale = decode('WPG_TIME_SCALE', NumberFromString(1, 10_000), 1) ?? 1;
  // Faster business time is for sandboxes only: embedded, or one running on this machine.
  const isLocal = /^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]+)?\/?$/.test(merchant?.baseUrl ?? '');
  if (timeScale !== 1 && sandbox === 'off' && !isLocal) {
    problems.push(
      'WPG_TIME_SCALE: only allowed with a sandbox (embedded, or WPG_WECHATPAY_BASE_URL on this machine)',
    );
  }
  const logLevel =
    decode(
      'WPG_LOG_LEVEL',
      t.keyof({ trace: null, debug: null, info: null, warn: null, error: null, silent: null }),
      'info',
    ) ?? 'info';
  const instanceId = decode('WPG_INSTANCE_ID', InstanceId) ?? defaultInstanceId();
  // Whether a step fits in it is checked against the client's timeouts when the service starts.
  const leaseTtlMs = decode('WPG_LEASE_TTL_MS', IntFromString(3_000, 600_000));

  if (problems.length > 0 || E.isLeft(store)) return E.left(problems);
  return E.right({
    port,
    host,
    dataDir,
    eventStore: store.right,
    ...(apiToken !== undefined ? { apiToken } : {}),
    ...(apiTokenSource !== undefined ? { apiTokenSource } : {}),
    sandbox,
    ...(merchant ? { merchant } : {}),
    ...(notifyUrl !== undefined ? { notifyUrl } : {}),
    merchantCategoryCode,
    certificateTrust,
    payPolicy,
    refundPolicy: Refund.defaultRefundPolicy,
    timeScale,
    logLevel,
    instanceId,
    ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}),
  });
};

/**
 * The embedded sandbox's notify_url when WPG_NOTIFY_URL is not set: this service's own webhook.
 * The sandbox runs in this process, so a service listening on every interface (0.0.0.0, ::) is
 * reached through loopback, which the notify_url rule accepts over plain http.
 */
export const embeddedNotifyUrl = (host: string, port: number): string => {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '[::1]' : host;
  const bracketed = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${port}/notifications/wechatpay`;
};

export const sandboxStateDir = (config: ServiceConfig): string => join(config.dataDir, 'sandbox');
