import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { LeaseGrant, SagaLeases } from '../../src/ports/saga-leases';

/**
 * The SagaLeases contract (the doc comment of `src/ports/saga-leases.ts`) for shared tables, written
 * once and run against every adapter. Expiry is real: a short ttl and real waits, on the table's own
 * clock (a database's, for PostgreSQL), never a fake one.
 */
export interface SagaLeasesFixture {
  /** The table as one more instance opens it: its own adapter (and connection) where the kind allows. */
  readonly instance: () => SagaLeases;
  readonly teardown: () => Promise<void>;
}

/** Long enough that nothing expires within a test that does not wait for it. */
const LONG = 30_000;
/** Short enough to wait for; long enough for a claim on a slow store to come back well within it. */
const SHORT = 500;
/** Past a SHORT lease's end, whatever the claim's own latency. */
const PAST_SHORT = SHORT + 250;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

/** A fixed shuffle per seed, so that a failure replays. */
const shuffled = (items: readonly number[], seed: number): number[] => {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
};

export const sagaLeasesContract = (name: string, open: () => Promise<SagaLeasesFixture>): void => {
  describe(`SagaLeases contract: ${name}`, () => {
    let fixture: SagaLeasesFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(() => fixture.teardown());

    /** One more instance: its id, and claims on its own handle of the table. */
    const instance = (tag: string) => {
      const leases = fixture.instance();
      const owner = `${tag}-${randomUUID().slice(0, 8)}`;
      return {
        owner,
        leases,
        claim: async (wanted: readonly number[], limit: number, ttlMs = LONG): Promise<LeaseGrant> =>
          right(await leases.claim({ owner, ttlMs, wanted, limit })()),
        release: async (): Promise<void> => right(await leases.release(owner)()),
      };
    };

    it('is shared, and keeps or takes the wanted partitions in the order given, up to the limit', async () => {
      const a = instance('a');
      const b = instance('b');
      expect(a.leases.kind).toBe('shared');
      expect(a.leases.partitions).toBeGreaterThanOrEqual(8);
      expect(await a.claim([5, 3, 6, 1], 2)).toMatchObject({ held: [3, 5], instances: 1 });
      // 5 and 3 are a's: b takes the next ones of its order, up to its limit.
      expect((await b.claim([5, 3, 6, 1, 7], 2)).held).toEqual([1, 6]);
      // a keeps its own, skips b's, and takes the free 7 in the order given.
      expect((await a.claim([1, 6, 3, 5, 7, 0], 3)).held).toEqual([3, 5, 7]);
      // The order wins over what is held: a free 2 comes first, and 5 and 7 no longer fit.
      expect((await a.claim([2, 3, 5, 7], 2)).held).toEqual([2, 3]);
      expect((await a.claim([2, 3], 0)).held).toEqual([]);
    });

    it('never lets two owners hold the same partition', async () => {
      const a = instance('a');
      const b = instance('b');
      const all = range(a.leases.partitions);
      expect((await a.claim(all, all.length)).held).toEqual(all);
      expect(await b.claim(all, all.length)).toMatchObject({ held: [], instances: 2 });
      expect(await a.claim(all, all.length)).toMatchObject({ held: all, instances: 2 });
    });

    it('never lets two owners hold the same partition under concurrent claims from several owners', async () => {
      const owners = [instance('a'), instance('b'), instance('c')];
      const n = owners[0]!.leases.partitions;
      const limit = Math.ceil(n / owners.length) + 2; // together they want more than there is
      const grants = await Promise.all(
        owners.map(async (o, i) => {
          const order = shuffled(range(n), i + 1);
          return Promise.all(range(20).map(() => o.claim(order, limit)));
        }),
      );
      // With a fixed order and limit an owner never gives a partition up (it only takes free ones),
      // so everything each was ever granted is still its own: the owners' sets must be disjoint.
      const everHeld = grants.map((gs) => new Set(gs.flatMap((g) => g.held)));
      for (const gs of grants) for (const g of gs) expect(g.held.length).toBeLessThanOrEqual(limit);
      for (const [i, mine] of everHeld.entries())
        for (const theirs of everHeld.slice(i + 1))
          expect([...mine].filter((p) => theirs.has(p))).toEqual([]);
      expect(everHeld.flatMap((s) => [...s]).sort((x, y) => x - y)).toEqual(range(n));
    });

    it('releases a partition not kept: another owner takes it at once', async () => {
      const a = instance('a');
      const b = instance('b');
      expect((await a.claim([1, 2, 3], 3)).held).toEqual([1, 2, 3]);
      expect((await b.claim([1, 2, 3], 3)).held).toEqual([]);
      expect((await a.claim([1, 2], 3)).held).toEqual([1, 2]);
      expect((await b.claim([1, 2, 3], 3)).held).toEqual([3]);
    });

    it('lets another owner take the partitions of one that stopped claiming, once its ttl is over', async () => {
      const a = instance('a');
      const b = instance('b');
      expect((await a.claim([0, 1, 2, 3], 4, SHORT)).held).toEqual([0, 1, 2, 3]);
      expect((await b.claim([0, 1, 2, 3], 4, SHORT)).held).toEqual([]);
      await sleep(PAST_SHORT);
      expect(await b.claim([0, 1, 2, 3], 4, SHORT)).toMatchObject({ held: [0, 1, 2, 3], instances: 1 });
    });

    it('counts the live owners, the caller included, and forgets dead ones after their ttl', async () => {
      const [a, b, c] = [instance('a'), instance('b'), instance('c')];
      expect((await a.claim([0], 1, SHORT)).instances).toBe(1);
      expect((await b.claim([1], 1, SHORT)).instances).toBe(2);
      expect((await c.claim([2], 1)).instances).toBe(3);
      expect((await a.claim([0], 1, SHORT)).instances).toBe(3);
      await sleep(PAST_SHORT);
      expect(await c.claim([0, 1, 2], 3)).toMatchObject({ held: [0, 1, 2], instances: 1 });
    });

    it('release gives up every partition and the presence at once', async () => {
      const a = instance('a');
      const b = instance('b');
      expect((await a.claim([0, 1, 2, 3], 4)).held).toEqual([0, 1, 2, 3]);
      expect(await b.claim([0, 1, 2, 3], 4)).toMatchObject({ held: [], instances: 2 });
      await a.release();
      expect(await b.claim([0, 1, 2, 3], 4)).toMatchObject({ held: [0, 1, 2, 3], instances: 1 });
      await a.release(); // nothing left to give up: still a success
    });

    it('grants a validity within the ttl, during which no one else gets the partitions', async () => {
      const a = instance('a');
      const b = instance('b');
      const sent = performance.now();
      const grant = await a.claim([0, 1], 2, SHORT);
      expect(grant.held).toEqual([0, 1]);
      expect(grant.validForMs).toBeGreaterThan(0);
      expect(grant.validForMs).toBeLessThanOrEqual(SHORT);
      const until = sent + grant.validForMs;
      let checked = 0;
      for (;;) {
        const other = await b.claim([0, 1], 2, SHORT);
        // Only an answer received inside a's validity is bound by it (1 ms for the table's rounding).
        if (performance.now() >= until - 1) break;
        expect(other.held).toEqual([]);
        expect(other.validForMs).toBeGreaterThan(0);
        expect(other.validForMs).toBeLessThanOrEqual(SHORT);
        checked += 1;
        await sleep(20);
      }
      expect(checked).toBeGreaterThan(0);
      const renewed = await a.claim([0, 1], 2, SHORT);
      expect(renewed.validForMs).toBeGreaterThan(0);
      expect(renewed.validForMs).toBeLessThanOrEqual(SHORT);
    });

    it('converges to a fair share: owners claiming ceil(partitions / instances) cover every partition, once', async () => {
      const owners = [instance('a'), instance('b'), instance('c')].map((o) => ({
        ...o,
        held: [] as readonly number[],
        instances: 1,
      }));
      const n = owners[0]!.leases.partitions;
      for (let round = 0; round < 6; round += 1) {
        for (const o of owners) {
          const wanted = [...o.held, ...range(n).filter((p) => !o.held.includes(p))];
          const grant = await o.claim(wanted, Math.ceil(n / o.instances));
          o.held = grant.held;
          o.instances = grant.instances;
        }
      }
      const share = Math.ceil(n / owners.length);
      for (const o of owners) {
        expect(o.instances).toBe(3);
        expect(o.held.length).toBeLessThanOrEqual(share);
      }
      const all = owners.flatMap((o) => o.held);
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort((x, y) => x - y)).toEqual(range(n));
    });
  });
};
