/**
 * `wechatpay-global-core/service`: the whole service as `wpg start` runs it (merchant API, webhook,
 * probes, metrics), and its parts for a platform that assembles its own: the fastify server, the
 * pino logger and the Prometheus metrics. Needs the optional peer dependencies fastify, pino,
 * prom-client, inversify and reflect-metadata (and better-sqlite3, @eventstore/db-client or pg for
 * the store it is configured with).
 */
export {
  startService,
  InstanceLockedError,
  StartRefusedError,
  type RunningService,
  type StartServiceOptions,
} from './main/service';
export { loadConfig, type ServiceConfig } from './main/config';
export {
  createHttpServer,
  listenHttpServer,
  WEBHOOK_PATH,
  webhookPlugin,
  type WebhookPluginOptions,
  type HttpServerDeps,
  type ListeningServer,
} from './adapters/http/fastify';
export { createPinoLogger, type PinoLoggerOptions } from './adapters/pino';
export {
  createPrometheusMetrics,
  type PrometheusMetrics,
  type PrometheusOptions,
} from './adapters/prometheus';
