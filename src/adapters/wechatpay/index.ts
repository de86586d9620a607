import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type { NotificationVerifier } from '../../ports/notification-verifier';
import type { WeChatPayGateway } from '../../ports/wechat-pay-gateway';
import { isValidApiV3Key } from './aead';
import { createCertificateStore } from './certificate-store';
import { resolveConfig, type WeChatPayClientConfig } from './config';
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

export { DEFAULT_BASE_URL, DEFAULT_TIMEOUTS_MS, WECHATPAY_HOSTS, type WeChatPayClientConfig } from './config';
export * from './statement-format';
export { NOTIFY_URL_RULE, notifyUrlProblem } from './notify-url';

export interface WeChatPayClient {
  readonly gateway: WeChatPayGateway;
  readonly verifier: NotificationVerifier;
  /** Closes the undici pool and stops the refresh schedule. */
  readonly close: () => Promise<void>;
}

export function createWeChatPayClient(
  config: WeChatPayClientConfig,
  deps: { readonly clock: Clock; readonly logger: Logger },
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
    minRefreshIntervalMs: resolved.minRefreshIntervalMs,
    classify,
    download: () =>
      transport.send(
        { method: 'GET', pathAndQuery: '/v3/global/certificates' },
        resolved.timeouts.platformCertificates,
      ),
  });
  const ctx: EndpointContext = {
    transport,
    verify: (headers, body) => verifySigned(headers, body, clock, store),
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
  const timer =
    resolved.refreshIntervalMs > 0
      ? setInterval(() => void store.refresh(), resolved.refreshIntervalMs).unref()
      : undefined;

  const gateway: WeChatPayGateway = {
    pay: pay(ctx),
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
  };

  return {
    gateway,
    verifier: createNotificationVerifier({ clock, logger, apiV3Key: config.apiV3Key, keys: store }),
    close: async () => {
      if (timer !== undefined) clearInterval(timer);
      await transport.close();
    },
  };
}
