/**
 * `wechatpay-global-core/eventstoredb`: the event store on EventStoreDB / KurrentDB, for several nodes.
 * Needs the optional peer dependency @eventstore/db-client.
 */
export {
  checkConnectionString,
  createEventStoreDbEventStore,
  type EventStoreDbOptions,
  type ReconnectPolicy,
} from './adapters/eventstoredb';
export { createStreamSagaLeases } from './adapters/shared/stream-saga-leases';
