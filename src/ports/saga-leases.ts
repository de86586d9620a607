import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { StoreUnavailable } from './event-store';

/**
 * Who drives which sagas when several instances share one log.
 *
 * Sagas are spread over a fixed number of partitions (a hash of the order's stream id: an order
 * and its refunds share one). An instance drives only the sagas of the partitions it leases, and a
 * lease lasts `ttlMs` unless the instance claims it again. An instance that dies stops renewing,
 * its leases expire, and the others take them over.
 *
 * Every adapter must honour this contract, checked by `test/contract/saga-leases.contract.ts`:
 * - A partition is held by at most one owner at any instant of the lease table's clock.
 * - `claim` keeps or takes the partitions of `wanted` in the order given (already held by the owner,
 *   never held, released, or expired), stopping when the owner holds `limit`; partitions it held and
 *   did not keep are released. It extends each one it holds for at least `validForMs` from BEFORE
 *   the call was sent: the owner may act on them that long, measured on its own monotonic clock.
 * - `claim` also marks the owner alive for `ttlMs`; `instances` counts the live owners, the caller
 *   included, so that each can aim for its fair share (ceil(partitions / instances)).
 * - `release` gives up every partition and the owner's presence at once (a graceful stop).
 *
 * Two kinds exist. An `exclusive` table belongs to a store only one process may drive (SQLite holds
 * an instance lock, memory lives in one process): every claim gets every partition, forever. A
 * `shared` table is the store's own (PostgreSQL rows under the database's clock, an EventStoreDB
 * stream written by compare-and-set).
 */
export interface SagaLeases {
  readonly kind: 'exclusive' | 'shared';
  /** How many partitions the sagas are spread over; fixed for the life of a log. */
  readonly partitions: number;
  readonly claim: (request: LeaseClaim) => TE.TaskEither<StoreUnavailable, LeaseGrant>;
  readonly release: (owner: string) => TE.TaskEither<StoreUnavailable, void>;
}

export interface LeaseClaim {
  /** The instance's id: unique per process run (a restarted process is a new owner). */
  readonly owner: string;
  readonly ttlMs: number;
  /** Partitions in order of preference: those held first, then candidates. */
  readonly wanted: readonly number[];
  /** The most partitions the owner should hold after the claim. */
  readonly limit: number;
}

export interface LeaseGrant {
  /** The partitions the owner holds now, ascending. */
  readonly held: readonly number[];
  /** How long, from before the call was sent, the owner may act on every one of them. */
  readonly validForMs: number;
  /** Live owners, the caller included. */
  readonly instances: number;
}

/**
 * The stream that holds the lease table in stores without tables (EventStoreDB): bookkeeping of the
 * running instances, not a business fact. Whatever reads the whole log skips it (its category, `wpg`,
 * is no domain's), and `wpg migrate-store` leaves it behind: the target's instances keep their own.
 */
export const SAGA_LEASES_STREAM = 'wpg-saga-leases';

/** The default partition count: enough to spread over a few dozen instances, few enough to scan. */
export const SAGA_PARTITIONS = 32;

/** FNV-1a of the order's stream id, modulo the partition count: stable across processes and versions. */
export const partitionOf = (orderStreamId: string, partitions: number): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderStreamId.length; i++) {
    hash ^= orderStreamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
};

/** The table of a store only one process drives: every partition, always. */
export const exclusiveSagaLeases = (partitions = SAGA_PARTITIONS): SagaLeases => {
  const all = Array.from({ length: partitions }, (_, i) => i);
  return {
    kind: 'exclusive',
    partitions,
    claim: () => async () => E.right({ held: all, validForMs: Number.POSITIVE_INFINITY, instances: 1 }),
    release: () => async () => E.right(undefined),
  };
};
