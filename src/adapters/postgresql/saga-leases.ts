import * as E from 'fp-ts/Either';
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { StoreUnavailable } from '../../ports/event-store';
import { SAGA_PARTITIONS, type SagaLeases } from '../../ports/saga-leases';
import { type LeaseTable, claimOnTable } from '../shared/lease-table';
import { LEASE_LOCK, ensureLeaseTables, errorMessage, inTransaction } from './schema';

/**
 * The lock, then the clock, then the table, in one round trip. The clock is read after the lock is
 * granted, so each claim's now is no earlier than that of the claim before it.
 */
const READ_TABLE = [
  `SELECT pg_advisory_xact_lock(${LEASE_LOCK})`,
  'SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now',
  'SELECT partition, owner, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at FROM wpg_saga_leases',
  'SELECT owner, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at FROM wpg_saga_instances',
].join('; ');

/** Writes back only the rows the claim changed: most claims renew a few leases and one presence. */
const writeChanges = async (client: PoolClient, before: LeaseTable, after: LeaseTable): Promise<void> => {
  const upserted = Object.entries(after.partitions).filter(([p, lease]) => {
    const was = before.partitions[Number(p)];
    return was === undefined || was.owner !== lease.owner || was.expiresAt !== lease.expiresAt;
  });
  const dropped = Object.keys(before.partitions).filter((p) => after.partitions[Number(p)] === undefined);
  const present = Object.entries(after.instances).filter(([o, at]) => before.instances[o] !== at);
  const gone = Object.keys(before.instances).filter((o) => after.instances[o] === undefined);
  if (upserted.length > 0)
    await client.query(
      'INSERT INTO wpg_saga_leases (partition, owner, expires_at) ' +
        'SELECT p, o, to_timestamp(e / 1000) FROM unnest($1::integer[], $2::text[], $3::float8[]) AS u(p, o, e) ' +
        'ON CONFLICT (partition) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at',
      [
        upserted.map(([p]) => Number(p)),
        upserted.map(([, l]) => l.owner),
        upserted.map(([, l]) => l.expiresAt),
      ],
    );
  if (dropped.length > 0)
    await client.query('DELETE FROM wpg_saga_leases WHERE partition = ANY($1::integer[])', [
      dropped.map(Number),
    ]);
  if (present.length > 0)
    await client.query(
      'INSERT INTO wpg_saga_instances (owner, expires_at) ' +
        'SELECT o, to_timestamp(e / 1000) FROM unnest($1::text[], $2::float8[]) AS u(o, e) ' +
        'ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at',
      [present.map(([o]) => o), present.map(([, at]) => at)],
    );
  if (gone.length > 0)
    await client.query('DELETE FROM wpg_saga_instances WHERE owner = ANY($1::text[])', [gone]);
};

/**
 * Saga leases in two tables of the log's database (ports/saga-leases.ts). Each claim is one
 * transaction under an advisory lock: it reads the whole table and the DATABASE's clock, applies the
 * shared rule, and writes back what changed. Every instance thus judges leases on one clock, whatever
 * its host's says. The grant's validity counts from the database's now, which comes after the
 * caller sent the claim: measured by the caller from before sending, it errs on the safe side.
 */
export const createPostgresSagaLeases = (pool: Pool, partitions = SAGA_PARTITIONS): SagaLeases => {
  const guarded =
    <A>(run: () => Promise<A>) =>
    async (): Promise<E.Either<StoreUnavailable, A>> => {
      try {
        await ensureLeaseTables(pool);
        return E.right(await run());
      } catch (error) {
        return E.left({ _tag: 'StoreUnavailable', message: errorMessage(error) });
      }
    };

  return {
    kind: 'shared',
    partitions,
    claim: (request) =>
      guarded(() =>
        inTransaction(pool, async (client) => {
          const results = (await client.query(READ_TABLE)) as unknown as QueryResult[];
          const now = Number(results[1]?.rows[0]?.now);
          const table: LeaseTable = {
            partitions: Object.fromEntries(
              (results[2]?.rows ?? []).map((r) => [
                Number(r.partition),
                { owner: String(r.owner), expiresAt: Number(r.expires_at) },
              ]),
            ),
            instances: Object.fromEntries(
              (results[3]?.rows ?? []).map((r) => [String(r.owner), Number(r.expires_at)]),
            ),
          };
          const claimed = claimOnTable(table, request, now);
          await writeChanges(client, table, claimed.table);
          return claimed.grant;
        }),
      ),
    release: (owner) =>
      guarded(() =>
        inTransaction(pool, async (client) => {
          await client.query(`SELECT pg_advisory_xact_lock(${LEASE_LOCK})`);
          await client.query(
            'WITH leases AS (DELETE FROM wpg_saga_leases WHERE owner = $1) ' +
              'DELETE FROM wpg_saga_instances WHERE owner = $1',
            [owner],
          );
        }),
      ),
  };
};
