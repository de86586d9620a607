import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteCheckpointStore } from '../../src/adapters/sqlite/projection-checkpoints';
import { checkpointStoreContract } from './checkpoint-store.contract';

const opened = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wpg-checkpoints-'));
  const db = openSqliteDatabase(join(dir, 'platform.db'));
  return {
    db,
    teardown: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

checkpointStoreContract('sqlite, in the handler’s transaction', async () => {
  const { db, teardown } = opened();
  return { store: createSqliteCheckpointStore(db), teardown };
});

checkpointStoreContract('sqlite, after the handler', async () => {
  const { db, teardown } = opened();
  return { store: createSqliteCheckpointStore(db, { inTransaction: false }), teardown };
});
