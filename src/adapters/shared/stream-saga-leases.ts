import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, ExpectedRevision, StoreUnavailable } from '../../ports/event-store';
import {
  SAGA_LEASES_STREAM,
  SAGA_PARTITIONS,
  type LeaseGrant,
  type SagaLeases,
} from '../../ports/saga-leases';
import { EMPTY_LEASE_TABLE, type LeaseTable, claimOnTable, releaseOnTable } from './lease-table';

export const SAGA_LEASES_CLAIMED = 'SagaLeasesClaimed';
const ACTOR = 'saga-leases';
/** Compare-and-set attempts before a claim gives up; the caller claims again on its next beat. */
const MAX_TRIES = 10;

const LeaseTableCodec = t.type({
  partitions: t.record(t.string, t.type({ owner: t.string, expiresAt: t.number })),
  instances: t.record(t.string, t.number),
});

export interface StreamSagaLeasesOptions {
  readonly partitions?: number;
  /** The table's clock: this host's wall clock by default. */
  readonly now?: () => number;
}

/**
 * Saga leases for a store without tables (EventStoreDB): the whole table is the data of the last
 * event of SAGA_LEASES_STREAM, and a claim rewrites it by compare-and-set on the stream's revision,
 * so two writers never both build on the same table. A conflict re-reads and tries again.
 *
 * Each write is an event kept forever, so a lease still valid for more than two thirds of its ttl
 * is kept as it is (`renewWithinMs`): an instance writes about once every ttl/3, not on every claim.
 *
 * Times are the writer's wall clock, and each instance judges the others' leases on its own: hosts'
 * clocks must agree within a margin well under the ttl (NTP does), or an instance whose clock runs
 * ahead may take a lease its owner still acts on. This is the known limit of a table kept in a
 * stream; PostgreSQL's table uses the database's one clock instead.
 */
export const createStreamSagaLeases = (
  store: EventStore,
  options: StreamSagaLeasesOptions = {},
): SagaLeases => {
  const now = options.now ?? Date.now;
  const unavailable = (message: string): StoreUnavailable => ({
    _tag: 'StoreUnavailable',
    message: `saga leases: ${message}`,
  });

  const read = async (): Promise<
    E.Either<StoreUnavailable, { table: LeaseTable; expected: ExpectedRevision }>
  > => {
    const last = await store.readStream(SAGA_LEASES_STREAM, { direction: 'backwards', maxCount: 1 })();
    if (E.isLeft(last))
      return last.left._tag === 'StreamNotFound'
        ? E.right({ table: EMPTY_LEASE_TABLE, expected: 'no-stream' })
        : E.left(last.left);
    const [event] = last.right;
    if (event === undefined) return E.right({ table: EMPTY_LEASE_TABLE, expected: 'no-stream' });
    // Only this adapter writes the stream: a table that does not decode is a fault to report, not to
    // paper over with an empty one (which would hand every lease out again).
    if (!LeaseTableCodec.is(event.data))
      return E.left(unavailable(`${SAGA_LEASES_STREAM}@${event.revision} is not a lease table`));
    return E.right({ table: event.data, expected: event.revision });
  };

  /** Reads, applies `step`, writes if it changed something; on a lost race, again from the read. */
  const update = async <A>(
    owner: string,
    step: (table: LeaseTable, at: number) => { table: LeaseTable; changed: boolean; result: A },
  ): Promise<E.Either<StoreUnavailable, A>> => {
    for (let attempt = 1; ; attempt += 1) {
      const current = await read();
      if (E.isLeft(current)) return current;
      const at = now();
      const next = step(current.right.table, at);
      if (!next.changed) return E.right(next.result);
      const metadata = {
        correlationId: owner,
        causationId: owner,
        recordedAt: new Date(at).toISOString(),
        actor: ACTOR,
        schemaVersion: 1,
      };
      const appended = await store.append(
        SAGA_LEASES_STREAM,
        [{ id: randomUUID(), type: SAGA_LEASES_CLAIMED, data: next.table, metadata }],
        current.right.expected,
      )();
      if (E.isRight(appended)) return E.right(next.result);
      if (appended.left._tag === 'StoreUnavailable') return E.left(appended.left);
      if (attempt >= MAX_TRIES)
        return E.left(unavailable(`${SAGA_LEASES_STREAM} kept moving under ${MAX_TRIES} attempts`));
      // A short random pause, so that instances that lost together do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  };

  // One claim at a time per instance: concurrent claims of one owner would only race each other.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <A>(work: () => Promise<A>): Promise<A> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    kind: 'shared',
    partitions: options.partitions ?? SAGA_PARTITIONS,
    claim: (request) => () =>
      serially(() =>
        update<LeaseGrant>(request.owner, (table, at) => {
          const claimed = claimOnTable(table, request, at, (request.ttlMs * 2) / 3);
          return { ...claimed, result: claimed.grant };
        }),
      ),
    release: (owner) => () =>
      serially(() =>
        update<void>(owner, (table) => {
          const released = releaseOnTable(table, owner);
          const changed =
            Object.keys(released.partitions).length !== Object.keys(table.partitions).length ||
            Object.keys(released.instances).length !== Object.keys(table.instances).length;
          return { table: released, changed, result: undefined };
        }),
      ),
  };
};
