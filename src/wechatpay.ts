/**
 * `wechatpay-global-core/wechatpay`: the WeChat Pay Global client (signed requests, verified
 * answers and notifications, platform certificates). Its own entry point because its HTTP pool
 * (undici) costs more to load than the whole domain.
 */
export {
  createWeChatPayClient,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUTS_MS,
  WECHATPAY_HOSTS,
  type WeChatPayClient,
  type WeChatPayClientConfig,
} from './adapters/wechatpay';
