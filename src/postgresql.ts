/**
 * `wechatpay-global-core/postgresql`: the event store, read-model store and projection checkpoint
 * store on PostgreSQL, for several service instances on one log. Needs the optional peer dependency
 * pg (and @types/pg for TypeScript). Each store takes a `pg.Pool` the caller owns.
 */
export {
  createPostgresEventStore,
  createPostgresReadModelStore,
  createPostgresCheckpointStore,
  createPostgresPool,
  type PostgresEventStoreOptions,
  type PostgresTransaction,
} from './adapters/postgresql';
