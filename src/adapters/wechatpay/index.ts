import * as E from 'fp-ts/Either';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type { NotificationVerifier } from '../../ports/notification-verifier';
import type { Timers } from '../../ports/timers';
import type { GatewayOutcome, WeChatPayGateway } from '../../ports/wechat-pay-gateway';
import { isValidApiV3Key } from './aead';
import { createCertificateStore, type CertificateTrustStats } from './certificate-store';
import { longestSagaCallMs, resolveConfig, type WeChatPayClientConfig } from './config';
import type { EndpointContext } from './endpoints/context';
import { closeOrder, pay, queryOrder, reverse } from './endpoints/orders';
import { queryAllRefunds, queryRefund, refund } from './endpoints/refunds';
import { querySettlements } from './endpoints/settlements';
import { downloadStatement } from './endpoints/statements';
import { createTransport } from './http-transport';
import { createNotificationVerifier } from './notifications';
import { keyFromCertificatePem, keyFromPublicKey } from './platform-keys';
import { defaultRetryDeps, retryOnUnknown } from './retry';
import { createRequestSigner, loadPrivateKey } from './signing';
import { verifySigned } from './verification';

export { DEFAULT_REFRESH_LIMITS, type CertificateTrustStats, type RefreshLimits } from './certificate-store';
export {
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUTS_MS,
  INSTANCE_ID_RULE,
  isInstanceId,
  WECHATPAY_HOSTS,
  type WeChatPayClientConfig,
} from './config';
export * from './statement-format';
export { NOTIFY_URL_RULE, notifyUrlProblem } from './notify-url';

export interface WeChatPayClient {
  readonly gateway: WeChatPayGateway;
  readonly verifier: NotificationVerifier;
  /**
   * Downloads the platform certificates (unless only a platform public key is configured) and
   * resolves once that first download ends, whatever its outcome: a failure is retried in the
   * background with back-off. Call it before taking payments; until trust is held, pay waits
   * `payTrustWaitMs` and is then refused without being sent.
   */
  readonly start: () => Promise<void>;
  /** Downloads made, trust held, and when each signing serial first verified (no key material). */
  readonly certificateStats: () => CertificateTrustStats;
  /**
   * The longest one saga call may take (real ms): a write's timeout, or a read's attempts with
   * their back-off. A saga step fits in it, plus a margin (CoreConfig.stepBudgetMs).
   */
  readonly longestSagaCallMs: number;
  /** Closes the undici pool and stops the refresh schedule. */
  readonly close: () => Promise<void>;
}

/** The client's dependencies; `timers` defaults to setTimeout scaled by the clock's `scale`. */
export interface WeChatPayClientDeps {
  readonly clock: Clock & { readonly scale?: number };
  readonly logger: Logger;
  readonly timers?: Timers;
}

/** Wake-ups in the clock's time, for a clock that may run `scale` times faster than real time. */
const defaultTimers = (clock: WeChatPayClientDeps['clock']): Timers => ({
  at: (dueAt, callback) => {
    const delay = Math.ceil(Math.max(0, dueAt - clock.now()) / (clock.scale ?? 1));
    const handle = setTimeout(callback, Math.min(delay, 2 ** 31 - 1));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
});

/** A pay that was never sent, because no answer to it could have been verified: definitely not paid. */
const payNotSent: GatewayOutcome<never> = {
  _tag: 'Rejected',
  httpStatus: 0,
  code: 'PLATFORM_TRUST_UNAVAILABLE',
  message: 'no platform certificate or public key is held yet; the pay was not sent',
};

export function createWeChatPayClient(
  config: WeChatPayClientConfig,
  deps: WeChatPayClientDeps,
): WeChatPayClient {
  const resolved = resolveConfig(config);
  if (!isValidApiV3Key(config.apiV3Key)) throw new Error('apiV3Key must be 32 printable ASCII characters');
  const { clock } = deps;
  const logger = deps.logger.child({ component: 'wechatpay' });
  const transport = createTransport({
    baseUrl: config.baseUrl,
    userAgent: resolved.userAgent,
    signer: createRequestSigner(
      config.spMchid,
      config.merchantSerial,
      loadPrivateKey(config.merchantPrivateKeyPem),
      resolved.signOn,
    ),
    clock,
    connections: resolved.connections,
    keepAliveTimeoutMs: resolved.keepAliveTimeoutMs,
    connectTimeoutMs: resolved.connectTimeoutMs,
  });
  const classify = { transientCodes: resolved.transientCodes, tradeStateMeansInProgress: false };
  const store = createCertificateStore({
    clock,
    timers: deps.timers ?? defaultTimers(clock),
    logger,
    apiV3Key: config.apiV3Key,
    pinned:
      config.pinnedPlatformCertificatePem === undefined
        ? []
        : [keyFromCertificatePem(config.pinnedPlatformCertificatePem)],
    publicKeys:
      config.platformPublicKey === undefined
        ? []
        : [keyFromPublicKey(config.platformPublicKey.id, config.platformPublicKey.pem)],
    limits: resolved.refreshLimits,
    classify,
    download: () =>
      transport.send(
        { method: 'GET', pathAndQuery: '/v3/global/certificates' },
        resolved.timeouts.platformCertificates,
      ),
  });
  const ctx: EndpointContext = {
    transport,
    verify: async (headers, body) => {
      const verified = await verifySigned(headers, body, clock, store);
      if (E.isRight(verified)) store.noteVerified(verified.right.serial);
      return verified;
    },
    clock,
    logger,
    spMchid: config.spMchid,
    spAppid: config.spAppid,
    timeouts: resolved.timeouts,
    readRetry: resolved.readRetry,
    retryDeps: defaultRetryDeps,
    transientCodes: resolved.transientCodes,
    statementMerchantIdParam: resolved.statementMerchantIdParam,
  };
  const sendPay = pay(ctx);
  const timer =
    resolved.refreshIntervalMs > 0
      ? setInterval(() => void store.refresh(), resolved.refreshIntervalMs).unref()
      : undefined;

  const gateway: WeChatPayGateway = {
    // No pay is sent whose answer could not be verified: it waits for trust, briefly, or is not sent.
    pay: (request) => async () =>
      (await store.whenTrusted(resolved.payTrustWaitMs)) ? sendPay(request)() : payNotSent,
    queryOrder: queryOrder(ctx),
    reverse: reverse(ctx),
    closeOrder: closeOrder(ctx),
    refund: refund(ctx),
    queryRefund: queryRefund(ctx),
    queryAllRefunds: queryAllRefunds(ctx),
    downloadStatement: downloadStatement(ctx),
    querySettlements: querySettlements(ctx),
    platformCertificates: () => async () => {
      const held = store.certificates();
      if (held.length > 0) return { _tag: 'Success', value: held };
      return retryOnUnknown(store.refresh, resolved.readRetry, defaultRetryDeps, () => undefined);
    },
    platformTrust: (waitMs) => () => store.whenTrusted(waitMs),
  };

  return {
    gateway,
    verifier: createNotificationVerifier({ clock, logger, apiV3Key: config.apiV3Key, keys: store }),
    start: store.start,
    certificateStats: store.stats,
    longestSagaCallMs: longestSagaCallMs(resolved),
    close: async () => {
      if (timer !== undefined) clearInterval(timer);
      store.close();
      await transport.close();
    },
  };
}
