export { checkConnectionString, createEventStoreDbEventStore, type EventStoreDbOptions } from './event-store';
export { type ReconnectPolicy } from './subscription';
