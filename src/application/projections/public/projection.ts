import type { PublicEventOf, PublicEventType } from './events';

/**
 * A platform's projection: plain functions over decoded public events.
 *
 * `Tx` is what the checkpoint store hands the handler (see CheckpointStore): the transaction's
 * database handle when the read model shares the checkpoint's transaction (SQLite: the platform's
 * better-sqlite3 database, and `handle` must then be synchronous), `undefined` otherwise.
 */
export interface Projection<Tx, T extends PublicEventType = PublicEventType> {
  /** The checkpoint's key: keep it stable, change it to start a new read model from zero. */
  readonly name: string;
  /**
   * Only these event types reach `handle` (and are decoded); the checkpoint still moves past the
   * others. Omitted: every public event.
   */
  readonly handles?: readonly T[];
  /**
   * Applies one event. Delivery is at-least-once unless the checkpoint shares the handler's
   * transaction, so make it idempotent (docs/projections.md). A throw stops this projection only.
   */
  readonly handle: (event: PublicEventOf<T>, tx: Tx) => void | Promise<void>;
  /** Clears what `handle` built, for a rebuild from zero; runs with the checkpoint's reset. */
  readonly reset?: (tx: Tx) => void | Promise<void>;
}

/** Only an aid to inference: `handles` narrows the events `handle` receives. */
export const defineProjection = <Tx, T extends PublicEventType = PublicEventType>(
  projection: Projection<Tx, T>,
): Projection<Tx, T> => projection;
