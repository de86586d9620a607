/**
 * `wechatpay-global-core/postgresql`: the event store, read-model store and projection checkpoint
 * store on PostgreSQL, for a log several processes share. Needs the optional peer dependency
 * pg (and @types/pg for TypeScript). Each store takes a `pg.Pool` the caller owns.
 */
export {
  createPostgresEventStore,
  createPostgresReadModelStore,
  createPostgresCheckpointStore,
  createPostgresPool,
  createPostgresSagaLeases,
  type PostgresEventStoreOptions,
  type PostgresTransaction,
} from './adapters/postgresql';
