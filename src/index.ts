/**
 * wechatpay-global-core as a library: the domain (deciders, events, codecs), the ports, the core
 * factory for embedding, and the adapters a platform may want to reuse.
 */
export * from './domain';
export type * from './ports';
export { noMetrics } from './ports';
export type { PaymentCore, CoreConfig } from './application';
export { createPaymentCore, type EmbedOptions } from './main/embed';
export * from './application/projections/public';
export { createMemoryCheckpointStore } from './adapters/memory/checkpoint-store';
export { startService, type RunningService } from './main/service';
export { loadConfig, type ServiceConfig } from './main/config';
export {
  createWeChatPayClient,
  type WeChatPayClient,
  type WeChatPayClientConfig,
} from './adapters/wechatpay';
export { startSandbox, type RunningSandbox, type SandboxOptions } from './adapters/sandbox';
export { createMemoryEventStore } from './adapters/memory/event-store';
export { createMemoryReadModelStore } from './adapters/memory/read-model-store';
export { openSqliteDatabase } from './adapters/sqlite/database';
export { createSqliteEventStore } from './adapters/sqlite/event-store';
export { createSqliteReadModelStore } from './adapters/sqlite/read-model-store';
export { createSqliteCheckpointStore } from './adapters/sqlite/projection-checkpoints';
export { createEventStoreDbEventStore } from './adapters/eventstoredb';
