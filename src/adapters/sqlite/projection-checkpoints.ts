import * as E from 'fp-ts/Either';
import type { CheckpointError, CheckpointStore } from '../../ports/checkpoint-store';
import type { SqliteDatabase } from './database';

/**
 * Public projections' checkpoints in a SQLite database, normally the platform's own (the file of
 * its read model), one row per projection.
 *
 * By default the handler shares the checkpoint's transaction: it receives the database and must
 * write synchronously through it, and its rows commit with the checkpoint or not at all, so each
 * event takes effect exactly once even across crashes. With `{ inTransaction: false }` the handler
 * may be async and write anywhere; the checkpoint is stored after it (at-least-once).
 */
export function createSqliteCheckpointStore(db: SqliteDatabase): CheckpointStore<SqliteDatabase>;
export function createSqliteCheckpointStore(
  db: SqliteDatabase,
  options: { readonly inTransaction: false },
): CheckpointStore<undefined>;
export function createSqliteCheckpointStore(
  db: SqliteDatabase,
  options: { readonly inTransaction?: boolean } = {},
): CheckpointStore<SqliteDatabase> | CheckpointStore<undefined> {
  db.exec(`
    CREATE TABLE IF NOT EXISTS projection_checkpoints (
      projection TEXT    PRIMARY KEY,
      position   INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
  const select = db.prepare<[string], { position: number }>(
    'SELECT position FROM projection_checkpoints WHERE projection = ?',
  );
  const upsert = db.prepare(
    'INSERT INTO projection_checkpoints (projection, position) VALUES (?, ?) ' +
      'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
  );
  const remove = db.prepare('DELETE FROM projection_checkpoints WHERE projection = ?');

  /** Thrown inside a transaction to roll it back with the reason the caller gets. */
  class Refused {
    constructor(readonly error: CheckpointError) {}
  }
  const unavailable = (error: unknown): CheckpointError => ({
    _tag: 'CheckpointUnavailable',
    message: `sqlite: ${error instanceof Error ? error.message : String(error)}`,
  });
  const compareAndSet = (projection: string, expected: number | undefined, position: number): void => {
    const actual = select.get(projection)?.position;
    if (actual !== expected) throw new Refused({ _tag: 'CheckpointMoved', projection, expected, actual });
    upsert.run(projection, position);
  };
  const runSync = (work: (tx: SqliteDatabase) => void | Promise<void>): void => {
    let result: void | Promise<void>;
    try {
      result = work(db);
    } catch (error) {
      throw new Refused({ _tag: 'HandlerFailed', error });
    }
    if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
      // Its writes after the first await would land outside the transaction: refuse it loudly.
      (result as Promise<void>).then(undefined, () => undefined);
      throw new Refused({
        _tag: 'HandlerFailed',
        error: new Error(
          'a projection sharing the SQLite transaction must handle events synchronously ' +
            '(use createSqliteCheckpointStore(db, { inTransaction: false }) for an async handler)',
        ),
      });
    }
  };
  const outcome = (run: () => void): E.Either<CheckpointError, void> => {
    try {
      run();
      return E.right(undefined);
    } catch (error) {
      return E.left(error instanceof Refused ? error.error : unavailable(error));
    }
  };
  const read: CheckpointStore<unknown>['read'] = (projection) => async () => {
    try {
      return E.right(select.get(projection)?.position);
    } catch (error) {
      return E.left(unavailable(error));
    }
  };

  if (options.inTransaction === false) {
    const moveCheckpoint = db.transaction(compareAndSet);
    const separate: CheckpointStore<undefined> = {
      read,
      commit: (projection, expected, position, work) => async () => {
        const before = outcome(() => {
          const actual = select.get(projection)?.position;
          if (actual !== expected)
            throw new Refused({ _tag: 'CheckpointMoved', projection, expected, actual });
        });
        if (E.isLeft(before)) return before;
        try {
          await work(undefined);
        } catch (error) {
          return E.left({ _tag: 'HandlerFailed', error });
        }
        return outcome(() => moveCheckpoint.immediate(projection, expected, position));
      },
      reset: (projection, clear) => async () => {
        try {
          await clear(undefined);
        } catch (error) {
          return E.left({ _tag: 'HandlerFailed', error });
        }
        return outcome(() => remove.run(projection));
      },
    };
    return separate;
  }

  // IMMEDIATE takes the write lock up front: a second process writing the same file waits
  // (busy timeout) instead of failing when the read turns into a write.
  const commitTogether = db.transaction(
    (
      projection: string,
      expected: number | undefined,
      position: number,
      work: (tx: SqliteDatabase) => void | Promise<void>,
    ) => {
      const actual = select.get(projection)?.position;
      if (actual !== expected) throw new Refused({ _tag: 'CheckpointMoved', projection, expected, actual });
      runSync(work);
      upsert.run(projection, position);
    },
  );
  const resetTogether = db.transaction(
    (projection: string, clear: (tx: SqliteDatabase) => void | Promise<void>) => {
      runSync(clear);
      remove.run(projection);
    },
  );
  const together: CheckpointStore<SqliteDatabase> = {
    read,
    commit: (projection, expected, position, work) => async () =>
      outcome(() => commitTogether.immediate(projection, expected, position, work)),
    reset: (projection, clear) => async () => outcome(() => resetTogether.immediate(projection, clear)),
  };
  return together;
}
