import type { Pool } from 'pg';
import { createPostgresPool, createPostgresSagaLeases } from '../../src/adapters/postgresql';
import { usePostgres } from '../support/postgres';
import { sagaLeasesContract } from './saga-leases.contract';

/** Against a real PostgreSQL server, one fresh database per test; each instance with a pool of its own. */
const server = usePostgres();

sagaLeasesContract('postgresql, under the database’s clock', async () => {
  const url = await server().createDatabase();
  const pools: Pool[] = [];
  return {
    instance: () => {
      const pool = createPostgresPool(url, 4);
      pools.push(pool);
      return createPostgresSagaLeases(pool);
    },
    teardown: async () => {
      await Promise.all(pools.map((p) => p.end()));
      await server().dropDatabase(url);
    },
  };
});
