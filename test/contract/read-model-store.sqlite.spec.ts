import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteReadModelStore } from '../../src/adapters/sqlite/read-model-store';
import { readModelStoreContract } from './read-model-store.contract';

readModelStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-read-models-'));
  const db = openSqliteDatabase(join(dir, 'events.db'));
  return {
    store: createSqliteReadModelStore(db),
    teardown: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
