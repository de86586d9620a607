import type * as TE from 'fp-ts/TaskEither';

/**
 * Where a public projection's checkpoint lives: the global position of the last event it has
 * handled, kept per projection name. The runner reads it on start, subscribes to the log after it,
 * and moves it with every committed batch.
 *
 * `Tx` is what the projection's handler receives to write its own read model:
 * - A transactional store (SQLite today, PostgreSQL later) runs the handler and the checkpoint
 *   write in ONE transaction of the platform's own database, and `Tx` is that transaction's
 *   handle. A crash leaves both or neither, so each event takes effect once.
 * - Any other store (in memory, or a database the handler does not write to) runs the handler,
 *   then stores the checkpoint: a crash in between redelivers the batch (at-least-once), so the
 *   handler must be idempotent. Its `Tx` is `undefined`.
 *
 * The move is a compare-and-set from `expected`: if the stored checkpoint is no longer what this
 * runner last read (a second runner of the same projection, or a rebuild), the commit is refused
 * and, in a transactional store, the handler's writes are rolled back with it.
 */
export interface CheckpointStore<Tx> {
  /** The last position committed by this projection, or undefined if it never committed. */
  readonly read: (projection: string) => TE.TaskEither<CheckpointError, number | undefined>;
  /**
   * Runs `work` and moves the checkpoint from `expected` to `position`. A `work` that throws (or
   * rejects) stores nothing and yields HandlerFailed with what it threw.
   */
  readonly commit: (
    projection: string,
    expected: number | undefined,
    position: number,
    work: (tx: Tx) => void | Promise<void>,
  ) => TE.TaskEither<CheckpointError, void>;
  /** Forgets the checkpoint; `clear` (the projection's own reset) runs in the same transaction where there is one. */
  readonly reset: (
    projection: string,
    clear: (tx: Tx) => void | Promise<void>,
  ) => TE.TaskEither<CheckpointError, void>;
}

/** The checkpoint could not be read or written; retrying may succeed. */
export interface CheckpointUnavailable {
  readonly _tag: 'CheckpointUnavailable';
  readonly message: string;
}

/** The stored checkpoint is not the one this runner expected: someone else moved it. */
export interface CheckpointMoved {
  readonly _tag: 'CheckpointMoved';
  readonly projection: string;
  readonly expected: number | undefined;
  readonly actual: number | undefined;
}

/** The projection's own code threw; nothing of this commit was kept. */
export interface HandlerFailed {
  readonly _tag: 'HandlerFailed';
  readonly error: unknown;
}

export type CheckpointError = CheckpointUnavailable | CheckpointMoved | HandlerFailed;
