import type { Pool, PoolClient } from 'pg';

/**
 * Table names carry a `wpg_` prefix because the log usually shares a database with the platform's
 * own tables.
 *
 * The log: `position` is a bigserial, assigned when a row is inserted, not when it commits. Two
 * concurrent transactions could commit out of sequence order, and a reader between the two commits
 * would see position n+1 without n, move its checkpoint past n, and never deliver n. So every
 * append transaction first takes the transaction-level advisory lock APPEND_LOCK and holds it until
 * its commit: writers (of every process) take positions and commit one at a time, and a reader that
 * sees a position has already seen every smaller one that will ever exist. Gaps remain where a
 * transaction rolled back; the port allows sparse positions. Group commit (event-store.ts) makes the
 * lock cost one transaction per group, not per append. `UNIQUE (stream_id, revision)` is the guard
 * of last resort should a writer ever bypass the lock.
 */
export const APPEND_LOCK = 7_827_044_001; // one bigint key; the two-int key space below is separate
/** Two-int advisory keys (namespace, hashtext(name)): one lock per projection. */
export const CHECKPOINT_LOCK_SPACE = 0x77706701;
export const READ_MODEL_LOCK_SPACE = 0x77706702;
const SCHEMA_LOCK = 7_827_044_000;
/** Serialises saga lease claims (saga-leases.ts): each reads the whole table and writes it back. */
export const LEASE_LOCK = 7_827_044_002;
/** The channel of LISTEN/NOTIFY: every append transaction that wrote notifies it on commit. */
export const EVENTS_CHANNEL = 'wpg_events';

const EVENT_TABLES = `
  CREATE TABLE IF NOT EXISTS wpg_events (
    position    bigserial   PRIMARY KEY,
    stream_id   text        NOT NULL,
    revision    integer     NOT NULL,
    event_id    text        NOT NULL,
    type        text        NOT NULL,
    data        json        NOT NULL,
    metadata    json        NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (stream_id, revision)
  );
`;

const READ_MODEL_TABLES = `
  CREATE TABLE IF NOT EXISTS wpg_read_model_documents (
    collection text  NOT NULL,
    key        text  NOT NULL,
    doc        jsonb NOT NULL,
    PRIMARY KEY (collection, key)
  );
  CREATE TABLE IF NOT EXISTS wpg_read_model_checkpoints (
    projection text   PRIMARY KEY,
    position   bigint NOT NULL
  );
`;

const CHECKPOINT_TABLES = `
  CREATE TABLE IF NOT EXISTS wpg_projection_checkpoints (
    projection text   PRIMARY KEY,
    position   bigint NOT NULL
  );
`;

/** Saga leases (saga-leases.ts): one row per held partition, one per live instance. */
const LEASE_TABLES = `
  CREATE TABLE IF NOT EXISTS wpg_saga_leases (
    partition  integer     PRIMARY KEY,
    owner      text        NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE IF NOT EXISTS wpg_saga_instances (
    owner      text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
  );
`;

/** Runs `work` in one transaction on a pooled client; rolls back if it throws. */
export const inTransaction = async <A>(pool: Pool, work: (client: PoolClient) => Promise<A>): Promise<A> => {
  const client = await pool.connect();
  let broken: unknown;
  // A connection that dies between two statements is reported as an 'error' event, not by a query;
  // unheard, it would end the process. The next statement fails, and the client is discarded.
  const onError = (error: Error): void => void (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError; // The connection is gone: the pool must not hand it out again.
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
};

/**
 * CREATE TABLE IF NOT EXISTS is not safe against itself in two sessions at once (both may try to
 * create the table's type), so creation is serialised by an advisory lock: several instances may
 * start together.
 */
const ensure = (pool: Pool, ddl: string): Promise<void> =>
  inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
    await client.query(ddl);
  });

/** Memoised per pool and kind: the first use of a store creates its tables, later ones wait for it. */
const once = new WeakMap<Pool, Map<string, Promise<void>>>();
const ensureOnce = (pool: Pool, kind: string, ddl: string): Promise<void> => {
  const byKind = once.get(pool) ?? new Map<string, Promise<void>>();
  once.set(pool, byKind);
  let ready = byKind.get(kind);
  if (ready === undefined) {
    ready = ensure(pool, ddl);
    // A failed attempt (server down) is retried by the next use instead of failing forever.
    ready.catch(() => byKind.delete(kind));
    byKind.set(kind, ready);
  }
  return ready;
};

export const ensureEventTables = (pool: Pool): Promise<void> => ensureOnce(pool, 'events', EVENT_TABLES);
export const ensureReadModelTables = (pool: Pool): Promise<void> =>
  ensureOnce(pool, 'read-models', READ_MODEL_TABLES);
export const ensureCheckpointTables = (pool: Pool): Promise<void> =>
  ensureOnce(pool, 'checkpoints', CHECKPOINT_TABLES);

export const ensureLeaseTables = (pool: Pool): Promise<void> => ensureOnce(pool, 'leases', LEASE_TABLES);

export const errorMessage = (error: unknown): string =>
  `postgresql: ${error instanceof Error ? error.message : String(error)}`;

export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
