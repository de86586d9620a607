import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../src/adapters/sqlite/event-store';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-events-'));
  const db = openSqliteDatabase(join(dir, 'nested', 'events.db'));
  const store = createSqliteEventStore(db);
  let injected = 0;
  return {
    store,
    teardown: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    // Straight into the table, as another writer (or a migration) could, past the adapter's own append.
    injectSystemEvent: async () => {
      const insert = db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const metadata = JSON.stringify({
        correlationId: 'c',
        causationId: 'c',
        recordedAt: 'now',
        actor: 'system',
        schemaVersion: 1,
      });
      insert.run('$stats-sqlite', injected, randomUUID(), 'StatsCollected', '{}', metadata, 'now');
      insert.run(`system-${injected}`, 0, randomUUID(), '$metadata', '{}', metadata, 'now');
      injected += 1;
    },
  };
});
