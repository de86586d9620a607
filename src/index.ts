/**
 * wechatpay-global-core as a library: the domain (deciders, events, codecs), the ports, and the
 * core factory for embedding, with the in-memory store for tests, and the framework-free WeChat Pay
 * webhook (a handler and an express-style middleware). Nothing here loads a heavy
 * dependency; each adapter has its own entry point, so a platform loads only what it uses:
 * `/wechatpay` (the client), `/sqlite`, `/eventstoredb`, `/service` (HTTP server, logs, metrics),
 * `/sandbox` (the local simulator) and `/testing` (clocks, timers, decider specifications).
 */
export * from './domain';
export type * from './ports';
export { noMetrics } from './ports';
export type { PaymentCore, CoreConfig } from './application';
export { createPaymentCore, type EmbedOptions } from './main/embed';
export { createMemoryEventStore } from './adapters/memory/event-store';
export { createMemoryReadModelStore } from './adapters/memory/read-model-store';
export { createStderrLogger } from './adapters/pino/stderr-logger';
export { createSystemTimers, systemClock, type ScaledClock } from './adapters/system';
export * from './application/projections/public';
export { createMemoryCheckpointStore } from './adapters/memory/checkpoint-store';
export {
  createWebhookHandler,
  DEFAULT_NOTIFICATION_DEADLINE_MS,
  DEFAULT_WEBHOOK_BODY_LIMIT_BYTES,
  WEBHOOK_PATH,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookHeaders,
  type WebhookRequest,
  type WebhookResponse,
} from './adapters/http/webhook-handler';
export {
  createWebhookMiddleware,
  type WebhookMiddleware,
  type WebhookMiddlewareRequest,
} from './adapters/http/webhook-middleware';
