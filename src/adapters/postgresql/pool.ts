import type * as Pg from 'pg';

/**
 * pg is an optional peer dependency: it is loaded when a PostgreSQL store is opened, not when the
 * service's modules are, so a service on SQLite or EventStoreDB runs without it installed.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadPg = (): typeof Pg => require('pg') as typeof Pg;

/**
 * A pool for the stores. node-postgres emits 'error' on the pool when an idle connection dies (a
 * server restart); unheard, that would end the process. The next query on the pool reconnects, and
 * a query that fails is reported by the store that made it, so the event needs no handling here.
 */
export const createPostgresPool = (connectionString: string, max = 10): Pg.Pool => {
  const pool = new (loadPg().Pool)({ connectionString, max });
  pool.on('error', () => undefined);
  return pool;
};
