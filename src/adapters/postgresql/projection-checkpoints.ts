import * as E from 'fp-ts/Either';
import type { Pool, PoolClient } from 'pg';
import type { CheckpointError, CheckpointStore } from '../../ports/checkpoint-store';
import { CHECKPOINT_LOCK_SPACE, ensureCheckpointTables, errorMessage, inTransaction } from './schema';

/** The transaction a projection's handler writes through: a client of the pool, inside BEGIN…COMMIT. */
export type PostgresTransaction = PoolClient;

/** Thrown inside the transaction to roll it back with the reason the caller gets. */
class Refused {
  constructor(readonly error: CheckpointError) {}
}

/**
 * Public projections' checkpoints in PostgreSQL, normally the platform's own database. The handler
 * runs in the checkpoint's transaction and receives its client: its writes (async ones too, unlike
 * SQLite) commit with the checkpoint or not at all, so each event takes effect exactly once across
 * crashes. The projection's advisory lock, held to the commit, makes the compare-and-set exact
 * against a second runner of the same projection, in any process.
 */
export const createPostgresCheckpointStore = (pool: Pool): CheckpointStore<PostgresTransaction> => {
  const positionOf = async (client: Pool | PoolClient, projection: string): Promise<number | undefined> => {
    const rows = await client.query<{ position: string }>(
      'SELECT position::text AS position FROM wpg_projection_checkpoints WHERE projection = $1',
      [projection],
    );
    const row = rows.rows[0];
    return row === undefined ? undefined : Number(row.position);
  };
  const lock = (client: PoolClient, projection: string) =>
    client.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2))', [
      CHECKPOINT_LOCK_SPACE,
      projection,
    ]);
  const run = async (work: () => Promise<void>): Promise<E.Either<CheckpointError, void>> => {
    try {
      await ensureCheckpointTables(pool);
      await work();
      return E.right(undefined);
    } catch (error) {
      if (error instanceof Refused) return E.left(error.error);
      return E.left({ _tag: 'CheckpointUnavailable', message: errorMessage(error) });
    }
  };
  const handled = async (work: () => void | Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      throw new Refused({ _tag: 'HandlerFailed', error });
    }
  };

  return {
    read: (projection) => async () => {
      try {
        await ensureCheckpointTables(pool);
        return E.right(await positionOf(pool, projection));
      } catch (error) {
        return E.left({ _tag: 'CheckpointUnavailable', message: errorMessage(error) });
      }
    },
    commit: (projection, expected, position, work) => () =>
      run(() =>
        inTransaction(pool, async (client) => {
          await lock(client, projection);
          const actual = await positionOf(client, projection);
          if (actual !== expected)
            throw new Refused({ _tag: 'CheckpointMoved', projection, expected, actual });
          await handled(() => work(client));
          await client.query(
            'INSERT INTO wpg_projection_checkpoints (projection, position) VALUES ($1, $2) ' +
              'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
            [projection, position],
          );
        }),
      ),
    reset: (projection, clear) => () =>
      run(() =>
        inTransaction(pool, async (client) => {
          await lock(client, projection);
          await handled(() => clear(client));
          await client.query('DELETE FROM wpg_projection_checkpoints WHERE projection = $1', [projection]);
        }),
      ),
  };
};
