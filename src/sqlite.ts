/**
 * `wechatpay-global-core/sqlite`: the embedded event store and read-model store on SQLite.
 * Needs the optional peer dependency better-sqlite3 (and @types/better-sqlite3 for TypeScript).
 */
export { openSqliteDatabase, type SqliteDatabase, type SqliteOptions } from './adapters/sqlite/database';
export { createSqliteEventStore, type SqliteEventStoreOptions } from './adapters/sqlite/event-store';
export { createSqliteReadModelStore } from './adapters/sqlite/read-model-store';
export { createSqliteCheckpointStore } from './adapters/sqlite/projection-checkpoints';
