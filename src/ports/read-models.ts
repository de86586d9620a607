import type * as TE from 'fp-ts/TaskEither';

/**
 * Read models: JSON documents in named collections, written only by projections.
 *
 * A projection's batch of document changes and its checkpoint are committed together,
 * atomically, so a crash never leaves a read model ahead of or behind its checkpoint. A batch
 * whose position is at or below the stored checkpoint is skipped: redelivery changes nothing.
 * Checked by `test/contract/read-model-store.contract.ts` against every adapter.
 */

export type Document = Readonly<Record<string, unknown>>;

export interface DocumentChange {
  readonly collection: string;
  readonly key: string;
  /** Given the current document (or undefined), the new one; undefined deletes it. */
  readonly update: (current: Document | undefined) => Document | undefined;
}

/** One projection's share of a batch: its changes, in order, and the checkpoint they bring it to. */
export interface ProjectionBatch {
  readonly projection: string;
  readonly position: number;
  readonly changes: readonly DocumentChange[];
}

export interface ReadModelUnavailable {
  readonly _tag: 'ReadModelUnavailable';
  readonly message: string;
}

export interface ListQuery {
  /** Only documents whose `field` equals `value` (top-level fields). */
  readonly where?: Readonly<Record<string, string | number | boolean>>;
  readonly limit?: number;
}

export interface ReadModelStore {
  /** The last position applied by this projection, or undefined if it never ran. */
  readonly checkpoint: (projection: string) => TE.TaskEither<ReadModelUnavailable, number | undefined>;
  /**
   * Applies the changes and moves the checkpoint to `position`, in one transaction. Returns false
   * (and changes nothing) when `position` is not beyond the stored checkpoint.
   */
  readonly apply: (
    projection: string,
    position: number,
    changes: readonly DocumentChange[],
  ) => TE.TaskEither<ReadModelUnavailable, boolean>;
  /**
   * `apply` for several projections in one transaction: all of them are committed, or none is.
   * Each is skipped (false, in the same order) when its position is not beyond its own checkpoint;
   * a projection appears at most once. One transaction per page of events instead of one per event
   * and projection is what keeps the read side from costing more than the write side.
   */
  readonly applyAll: (
    batches: readonly ProjectionBatch[],
  ) => TE.TaskEither<ReadModelUnavailable, readonly boolean[]>;
  readonly get: (
    collection: string,
    key: string,
  ) => TE.TaskEither<ReadModelUnavailable, Document | undefined>;
  /** Documents ordered by key. */
  readonly list: (
    collection: string,
    query?: ListQuery,
  ) => TE.TaskEither<ReadModelUnavailable, readonly Document[]>;
  /** Drops a projection's collections and checkpoint, for a rebuild from the log. */
  readonly reset: (
    projection: string,
    collections: readonly string[],
  ) => TE.TaskEither<ReadModelUnavailable, void>;
}
