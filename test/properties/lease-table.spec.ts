import fc from 'fast-check';
import {
  EMPTY_LEASE_TABLE,
  type LeaseTable,
  claimOnTable,
  releaseOnTable,
} from '../../src/adapters/shared/lease-table';

/**
 * The one rule every shared lease table applies (adapters/shared/lease-table.ts), under random
 * claims and releases by several owners at random times on the table's clock: no partition ever has
 * two owners whose grants are both still valid, and no owner holds more than its limit or anything it
 * did not want. A grant promises its partitions to its owner for `validForMs`, until the owner itself
 * gives them up (a claim that does not keep them, or a release); the table must back every promise.
 */
const PARTITIONS = 8;
const OWNERS = ['a', 'b', 'c', 'd'] as const;

type Op =
  | {
      readonly kind: 'claim';
      readonly owner: string;
      readonly wanted: readonly number[];
      readonly limit: number;
      readonly ttlMs: number;
      readonly renewWithinMs: number | undefined;
      readonly dt: number;
    }
  | { readonly kind: 'release'; readonly owner: string; readonly dt: number };

const ownerArb = fc.constantFrom(...OWNERS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      owner: ownerArb,
      // Repeats and partitions held by others included: the rule must cope with any wish list.
      wanted: fc.array(fc.nat(PARTITIONS - 1), { maxLength: PARTITIONS + 2 }),
      limit: fc.nat(PARTITIONS),
      ttlMs: fc.integer({ min: 1, max: 100 }),
      // A stream-kept table skips renewals of leases still valid for longer than this.
      renewWithinMs: fc.option(fc.nat(100), { nil: undefined }),
      dt: fc.nat(60),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('release' as const), owner: ownerArb, dt: fc.nat(60) }),
  },
);

const checkSequence = (ops: readonly Op[]): void => {
  let table: LeaseTable = EMPTY_LEASE_TABLE;
  let now = 1_000;
  const promised = new Map<number, { owner: string; until: number }>();
  const giveUp = (owner: string, keep: ReadonlySet<number>): void => {
    for (const [p, promise] of promised) if (promise.owner === owner && !keep.has(p)) promised.delete(p);
  };
  for (const op of ops) {
    now += op.dt;
    if (op.kind === 'release') {
      table = releaseOnTable(table, op.owner);
      giveUp(op.owner, new Set());
    } else {
      const result = claimOnTable(table, op, now, op.renewWithinMs);
      const { held, validForMs, instances } = result.grant;
      expect(held.length).toBeLessThanOrEqual(op.limit);
      expect(held.every((p) => op.wanted.includes(p))).toBe(true);
      expect(held).toEqual([...new Set(held)].sort((x, y) => x - y));
      expect(validForMs).toBeGreaterThan(0);
      expect(validForMs).toBeLessThanOrEqual(op.ttlMs);
      const live = Object.entries(result.table.instances).filter(([, at]) => at > now);
      expect(instances).toBe(live.length);
      expect(live.map(([o]) => o)).toContain(op.owner);
      if (!result.changed) expect(result.table).toEqual(table);
      table = result.table;
      giveUp(op.owner, new Set(held));
      for (const p of held) {
        const other = promised.get(p);
        if (other !== undefined && other.owner !== op.owner && other.until > now)
          throw new Error(
            `partition ${p} granted to ${op.owner} at ${now}, promised to ${other.owner} until ${other.until}`,
          );
        promised.set(p, { owner: op.owner, until: now + validForMs });
      }
    }
    for (const [p, { owner, until }] of promised) {
      if (until <= now) continue;
      const lease = table.partitions[p];
      expect(lease?.owner).toBe(owner);
      expect(lease?.expiresAt).toBeGreaterThanOrEqual(until);
    }
  }
};

describe('claimOnTable under random claims and releases', () => {
  it('never has two valid owners of a partition, nor an owner over its limit', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 80 }), checkSequence), { numRuns: 2_000 });
  });
});
