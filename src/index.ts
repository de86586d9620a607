/**
 * wechatpay-global-core as a library: the domain (deciders, events, codecs), the ports, and the
 * core factory for embedding, with the in-memory store for tests. Nothing here loads a heavy
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
