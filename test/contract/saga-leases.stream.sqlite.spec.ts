import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../src/adapters/sqlite/event-store';
import { createStreamSagaLeases } from '../../src/adapters/shared/stream-saga-leases';
import type { EventStore } from '../../src/ports/event-store';
import { sagaLeasesContract } from './saga-leases.contract';

/** Each instance on a connection of its own to one log file, as separate processes would be. */
sagaLeasesContract('stream-based, on the SQLite event store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-leases-'));
  const opened: { store: EventStore; close: () => void }[] = [];
  return {
    instance: () => {
      const db = openSqliteDatabase(join(dir, 'events.db'));
      const store = createSqliteEventStore(db);
      opened.push({ store, close: () => db.close() });
      return createStreamSagaLeases(store);
    },
    teardown: async () => {
      for (const { store, close } of opened) {
        await store.close();
        close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
