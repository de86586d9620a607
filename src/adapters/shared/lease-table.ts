import type { LeaseClaim, LeaseGrant } from '../../ports/saga-leases';

/**
 * The lease table as plain data, and the one rule every shared adapter applies to it (ports/saga-leases.ts).
 * Times are milliseconds on the table's own clock: the database's for PostgreSQL, the writer's wall
 * clock for a table kept in a stream.
 */
export interface LeaseTable {
  readonly partitions: Readonly<Record<number, { readonly owner: string; readonly expiresAt: number }>>;
  readonly instances: Readonly<Record<string, number>>;
}

export const EMPTY_LEASE_TABLE: LeaseTable = { partitions: {}, instances: {} };

/**
 * Keeps or takes the wanted partitions in order up to the limit, releases the owner's others, and
 * marks the owner alive. `renewWithinMs` lets a table that is costly to write (a stream) skip the
 * write: a lease still valid for longer than that is kept as it is. The grant's validity is the
 * shortest remaining lease, from `now`.
 */
export const claimOnTable = (
  table: LeaseTable,
  request: LeaseClaim,
  now: number,
  renewWithinMs = Number.POSITIVE_INFINITY,
): { readonly table: LeaseTable; readonly grant: LeaseGrant; readonly changed: boolean } => {
  const { owner, ttlMs, limit } = request;
  const expiresAt = now + ttlMs;
  const partitions: Record<number, { owner: string; expiresAt: number }> = { ...table.partitions };
  const held: number[] = [];
  let changed = false;
  const needsRenewal = (at: number): boolean => at - now <= renewWithinMs;
  for (const p of new Set(request.wanted)) {
    if (held.length >= limit) break;
    const lease = partitions[p];
    const isMine = lease !== undefined && lease.owner === owner && lease.expiresAt > now;
    const isFree = lease === undefined || lease.expiresAt <= now;
    if (!isMine && !isFree) continue;
    held.push(p);
    if (isMine && !needsRenewal(lease.expiresAt)) continue;
    partitions[p] = { owner, expiresAt };
    changed = true;
  }
  for (const [key, lease] of Object.entries(partitions)) {
    const p = Number(key);
    if (lease.owner === owner && !held.includes(p)) {
      delete partitions[p];
      changed = true;
    }
  }
  const instances: Record<string, number> = {};
  for (const [other, at] of Object.entries(table.instances)) if (at > now) instances[other] = at;
  const presence = table.instances[owner];
  if (presence === undefined || presence <= now || needsRenewal(presence)) {
    instances[owner] = expiresAt;
    changed = true;
  } else instances[owner] = presence;
  if (Object.keys(instances).length !== Object.keys(table.instances).length) changed = true;
  held.sort((a, b) => a - b);
  const validForMs = held.reduce(
    (least, p) => Math.min(least, (partitions[p]?.expiresAt ?? now) - now),
    ttlMs,
  );
  return {
    table: { partitions, instances },
    grant: {
      held,
      validForMs: held.length === 0 ? ttlMs : validForMs,
      instances: Object.keys(instances).length,
    },
    changed,
  };
};

/** Drops the owner's partitions and presence. */
export const releaseOnTable = (table: LeaseTable, owner: string): LeaseTable => ({
  partitions: Object.fromEntries(Object.entries(table.partitions).filter(([, l]) => l.owner !== owner)),
  instances: Object.fromEntries(Object.entries(table.instances).filter(([o]) => o !== owner)),
});
