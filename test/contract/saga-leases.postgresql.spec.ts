import * as E from 'fp-ts/Either';
import type { Pool } from 'pg';
import { createPostgresPool, createPostgresSagaLeases } from '../../src/adapters/postgresql';
import { freePort } from '../support/processes';
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

describe('PostgreSQL saga leases, server unreachable', () => {
  it('answers StoreUnavailable instead of throwing', async () => {
    const pool = createPostgresPool(`postgresql://postgres@127.0.0.1:${await freePort()}/none`, 1);
    try {
      const leases = createPostgresSagaLeases(pool);
      const claimed = await leases.claim({ owner: 'a', ttlMs: 1_000, wanted: [0], limit: 1 })();
      expect(E.isLeft(claimed) && claimed.left._tag).toBe('StoreUnavailable');
      const released = await leases.release('a')();
      expect(E.isLeft(released) && released.left._tag).toBe('StoreUnavailable');
    } finally {
      await pool.end();
    }
  });
});
