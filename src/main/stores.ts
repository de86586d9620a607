import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EventStore, ReadModelStore, SagaLeases } from '../ports';
import { exclusiveSagaLeases } from '../adapters/memory/saga-leases';
import { createEventStoreDbEventStore } from '../adapters/eventstoredb';
import { createMemoryEventStore } from '../adapters/memory/event-store';
import { createMemoryReadModelStore } from '../adapters/memory/read-model-store';
import {
  createPostgresEventStore,
  createPostgresPool,
  createPostgresReadModelStore,
  createPostgresSagaLeases,
} from '../adapters/postgresql';
import { createStreamSagaLeases } from '../adapters/shared/stream-saga-leases';
import { openSqliteDatabase } from '../adapters/sqlite/database';
import { createSqliteEventStore } from '../adapters/sqlite/event-store';
import { createSqliteReadModelStore } from '../adapters/sqlite/read-model-store';
import type { EventStoreSetting } from './config';

export interface OpenStores {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  /** Who drives which sagas: every partition here (one process), or leases shared through the store. */
  readonly leases: SagaLeases;
  readonly close: () => Promise<void>;
}

/**
 * The event store named by WPG_EVENT_STORE, and the read models beside it, in a SQLite file of their
 * own (each projection's checkpoint commits with its documents there). The log's file fsyncs every
 * commit; the read models' file does not need to (see `SqliteOptions`): measured in the e2e bench,
 * nine fsyncs per payment for read models blocked the service's event loop far more than the log's one.
 */
const readModelsPath = (eventsPath: string): string =>
  join(dirname(eventsPath), `${basename(eventsPath).replace(/\.db$/, '')}.read-models.db`);

const withReadModels = (
  store: EventStore,
  leases: SagaLeases,
  path: string,
  closeStore: () => Promise<void>,
): OpenStores => {
  const db = openSqliteDatabase(path, { synchronous: 'NORMAL' });
  return {
    store,
    readModels: createSqliteReadModelStore(db),
    leases,
    close: async () => {
      await closeStore();
      if (db.open) db.close();
    },
  };
};

export const openStores = (setting: EventStoreSetting, dataDir: string): OpenStores => {
  switch (setting.kind) {
    case 'memory':
      return {
        store: createMemoryEventStore(),
        readModels: createMemoryReadModelStore(),
        leases: exclusiveSagaLeases(),
        close: async () => undefined,
      };
    case 'sqlite': {
      const db = openSqliteDatabase(setting.path);
      const store = createSqliteEventStore(db);
      // One process drives a SQLite log's sagas (the service holds its instance lock): all of them.
      return withReadModels(store, exclusiveSagaLeases(), readModelsPath(setting.path), async () => {
        await store.close();
        if (db.open) db.close();
      });
    }
    case 'esdb': {
      mkdirSync(dataDir, { recursive: true });
      const store = createEventStoreDbEventStore(setting.connectionString);
      // No tables: the lease table lives in a stream of the log itself.
      return withReadModels(store, createStreamSagaLeases(store), join(dataDir, 'read-models.db'), () =>
        store.close(),
      );
    }
    case 'postgresql': {
      // The read models share the log's database (and its pool): every instance reads the same ones.
      const pool = createPostgresPool(setting.connectionString);
      const store = createPostgresEventStore(pool);
      return {
        store,
        readModels: createPostgresReadModelStore(pool),
        leases: createPostgresSagaLeases(pool),
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }
  }
};
