import { Pool } from 'pg';
import { createPostgresReadModelStore } from '../../src/adapters/postgresql';
import { usePostgres } from '../support/postgres';
import { readModelStoreContract } from './read-model-store.contract';

const server = usePostgres();

readModelStoreContract('postgresql', async () => {
  const url = await server().createDatabase();
  const pool = new Pool({ connectionString: url, max: 4 });
  return {
    store: createPostgresReadModelStore(pool),
    teardown: async () => {
      await pool.end();
      await server().dropDatabase(url);
    },
  };
});
