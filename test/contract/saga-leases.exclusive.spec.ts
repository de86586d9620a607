import * as E from 'fp-ts/Either';
import { exclusiveSagaLeases } from '../../src/adapters/memory/saga-leases';

/** Not the shared contract: a store one process drives gives that process everything, forever. */
describe('exclusive saga leases (a store one process drives)', () => {
  it('grants every partition to whoever claims, forever, as the only instance', async () => {
    const leases = exclusiveSagaLeases(8);
    expect(leases).toMatchObject({ kind: 'exclusive', partitions: 8 });
    const all = [0, 1, 2, 3, 4, 5, 6, 7];
    for (const owner of ['a', 'b'])
      expect(await leases.claim({ owner, ttlMs: 100, wanted: [3], limit: 1 })()).toEqual(
        E.right({ held: all, validForMs: Number.POSITIVE_INFINITY, instances: 1 }),
      );
    expect(await leases.release('a')()).toEqual(E.right(undefined));
  });
});
