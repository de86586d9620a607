export { createPostgresEventStore, type PostgresEventStoreOptions } from './event-store';
export { createPostgresReadModelStore } from './read-model-store';
export { createPostgresCheckpointStore, type PostgresTransaction } from './projection-checkpoints';
export { createPostgresPool } from './pool';
export { createPostgresSagaLeases } from './saga-leases';
