import { Pool } from 'pg';

/**
 * A pool for the stores. node-postgres emits 'error' on the pool when an idle connection dies (a
 * server restart); unheard, that would end the process. The next query on the pool reconnects, and
 * a query that fails is reported by the store that made it, so the event needs no handling here.
 */
export const createPostgresPool = (connectionString: string, max = 10): Pool => {
  const pool = new Pool({ connectionString, max });
  pool.on('error', () => undefined);
  return pool;
};
