import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore, ReadModelStore } from '../ports';
import { createEventStoreDbEventStore } from '../adapters/eventstoredb';
import { createMemoryEventStore } from '../adapters/memory/event-store';
import { createMemoryReadModelStore } from '../adapters/memory/read-model-store';
import { openSqliteDatabase } from '../adapters/sqlite/database';
import { createSqliteEventStore } from '../adapters/sqlite/event-store';
import { createSqliteReadModelStore } from '../adapters/sqlite/read-model-store';
import type { EventStoreSetting } from './config';

export interface OpenStores {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly close: () => Promise<void>;
}

/**
 * The event store named by WPG_EVENT_STORE, and the read models beside it: in the same SQLite file
 * when the log is there (so a projection's checkpoint commits with its documents), in a SQLite file in
 * the data directory when the log is in EventStoreDB, in memory when the log is.
 */
export const openStores = (setting: EventStoreSetting, dataDir: string): OpenStores => {
  switch (setting.kind) {
    case 'memory':
      return {
        store: createMemoryEventStore(),
        readModels: createMemoryReadModelStore(),
        close: async () => undefined,
      };
    case 'sqlite': {
      const db = openSqliteDatabase(setting.path);
      const store = createSqliteEventStore(db);
      return {
        store,
        readModels: createSqliteReadModelStore(db),
        close: async () => {
          await store.close();
          if (db.open) db.close();
        },
      };
    }
    case 'esdb': {
      mkdirSync(dataDir, { recursive: true });
      const db = openSqliteDatabase(join(dataDir, 'read-models.db'));
      const store = createEventStoreDbEventStore(setting.connectionString);
      return {
        store,
        readModels: createSqliteReadModelStore(db),
        close: async () => {
          await store.close();
          if (db.open) db.close();
        },
      };
    }
  }
};
