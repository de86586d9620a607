import * as E from 'fp-ts/Either';
import type { Document, DocumentChange, ReadModelStore } from '../../src/ports/read-models';

/**
 * The ReadModelStore contract (the doc comment of `src/ports/read-models.ts`), written once and run
 * against every adapter. Each test gets a fresh, empty fixture (`beforeEach`/`afterEach`).
 */
export interface ReadModelStoreFixture {
  store: ReadModelStore;
  teardown(): Promise<void>;
}

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

const put = (collection: string, key: string, doc: Document): DocumentChange => ({
  collection,
  key,
  update: () => doc,
});
const throwing = (collection: string, key: string): DocumentChange => ({
  collection,
  key,
  update: () => {
    throw new Error('projection bug');
  },
});
/** A projection bug may reject the task or come back as a Left, but never throws at the caller. */
const failsQuietly = async (task: () => Promise<E.Either<unknown, unknown>>): Promise<boolean> => {
  const outcome = await Promise.resolve()
    .then(task)
    .then(
      (result) => result,
      () => 'rejected' as const,
    );
  return outcome === 'rejected' || E.isLeft(outcome);
};
const remove = (collection: string, key: string): DocumentChange => ({
  collection,
  key,
  update: () => undefined,
});

export function readModelStoreContract(
  adapterName: string,
  makeFixture: () => Promise<ReadModelStoreFixture>,
): void {
  describe(`ReadModelStore contract: ${adapterName}`, () => {
    let fixture: ReadModelStoreFixture;
    let store: ReadModelStore;
    const get = async (collection: string, key: string) => right(await store.get(collection, key)());
    const list = async (collection: string, query?: Parameters<ReadModelStore['list']>[1]) =>
      right(await store.list(collection, query)());

    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    afterEach(() => fixture.teardown());

    it('a projection that never ran has no checkpoint', async () => {
      expect(await store.checkpoint('payments')()).toEqual(E.right(undefined));
      expect(await get('payments', 'missing')).toBeUndefined();
    });

    it('apply writes the changes and moves the checkpoint together', async () => {
      expect(
        await store.apply('payments', 10, [put('payments', 'p1', { status: 'PAYING', amount: 100 })])(),
      ).toEqual(E.right(true));
      expect(await get('payments', 'p1')).toEqual({ status: 'PAYING', amount: 100 });
      expect(await store.checkpoint('payments')()).toEqual(E.right(10));
    });

    it('an update sees the current document, later changes in a batch see earlier ones, and undefined deletes', async () => {
      right(await store.apply('p', 1, [put('c', 'k', { count: 1 }), put('c', 'gone', { x: 1 })])());
      const increment: DocumentChange = {
        collection: 'c',
        key: 'k',
        update: (current) => ({ count: Number(current?.['count'] ?? 0) + 1 }),
      };
      expect(right(await store.apply('p', 2, [increment, increment, remove('c', 'gone')])())).toBe(true);
      expect(await get('c', 'k')).toEqual({ count: 3 });
      expect(await get('c', 'gone')).toBeUndefined();
    });

    it('replaying a position at or below the checkpoint changes nothing and returns false', async () => {
      right(await store.apply('payments', 5, [put('payments', 'p1', { v: 1 })])());
      let calls = 0;
      const overwrite: DocumentChange = {
        collection: 'payments',
        key: 'p1',
        update: () => {
          calls += 1;
          return { v: 2 };
        },
      };
      expect(await store.apply('payments', 5, [overwrite])()).toEqual(E.right(false));
      expect(await store.apply('payments', 3, [overwrite])()).toEqual(E.right(false));
      expect(await get('payments', 'p1')).toEqual({ v: 1 });
      expect(await store.checkpoint('payments')()).toEqual(E.right(5));
      expect(calls).toBe(0);
    });

    it('a batch whose update throws applies nothing and keeps the checkpoint', async () => {
      right(await store.apply('p', 1, [put('c', 'a', { v: 1 })])());
      const failing = store.apply('p', 2, [
        put('c', 'a', { v: 2 }),
        put('c', 'b', { v: 2 }),
        throwing('c', 'c'),
      ]);
      expect(await failsQuietly(failing)).toBe(true);
      expect(await list('c')).toEqual([{ v: 1 }]);
      expect(await store.checkpoint('p')()).toEqual(E.right(1));
    });

    it('applyAll commits several projections together, each skipped at or below its own checkpoint', async () => {
      right(await store.apply('b', 5, [put('b', 'k', { v: 1 })])());
      const increment: DocumentChange = {
        collection: 'shared',
        key: 'n',
        update: (current) => ({ n: Number(current?.['n'] ?? 0) + 1 }),
      };
      const outcomes = await store.applyAll([
        { projection: 'a', position: 6, changes: [increment, put('a', 'k', { v: 1 })] },
        { projection: 'b', position: 5, changes: [put('b', 'k', { v: 2 }), increment] },
        { projection: 'c', position: 6, changes: [increment, remove('a', 'k')] },
      ])();
      expect(outcomes).toEqual(E.right([true, false, true]));
      expect(await get('shared', 'n')).toEqual({ n: 2 });
      expect(await get('a', 'k')).toBeUndefined();
      expect(await get('b', 'k')).toEqual({ v: 1 });
      expect(await store.checkpoint('a')()).toEqual(E.right(6));
      expect(await store.checkpoint('b')()).toEqual(E.right(5));
      expect(await store.checkpoint('c')()).toEqual(E.right(6));
      expect(await store.applyAll([])()).toEqual(E.right([]));
    });

    it('applyAll whose update throws in one projection applies nothing for any of them', async () => {
      right(await store.apply('a', 1, [put('c', 'a', { v: 1 })])());
      const failing = store.applyAll([
        { projection: 'a', position: 2, changes: [put('c', 'a', { v: 2 })] },
        { projection: 'b', position: 2, changes: [put('c', 'b', { v: 2 })] },
        { projection: 'c', position: 2, changes: [throwing('c', 'c')] },
      ]);
      expect(await failsQuietly(failing)).toBe(true);
      expect(await list('c')).toEqual([{ v: 1 }]);
      expect(await store.checkpoint('a')()).toEqual(E.right(1));
      expect(await store.checkpoint('b')()).toEqual(E.right(undefined));
    });

    it('checkpoints are per projection', async () => {
      right(await store.apply('a', 7, [])());
      expect(await store.checkpoint('a')()).toEqual(E.right(7));
      expect(await store.checkpoint('b')()).toEqual(E.right(undefined));
      expect(await store.apply('b', 1, [])()).toEqual(E.right(true));
    });

    it('list returns documents ordered by key, filtered by top-level fields, up to limit', async () => {
      right(
        await store.apply('p', 1, [
          put('orders', 'k3', { id: 'k3', status: 'PAYING', amount: 300, isFinal: false }),
          put('orders', 'k1', { id: 'k1', status: 'SUCCEEDED', amount: 100, isFinal: true }),
          put('orders', 'k2', { id: 'k2', status: 'SUCCEEDED', amount: 200, isFinal: true }),
          put('orders', 'k4', { id: 'k4', status: 'SUCCEEDED', amount: '100', isFinal: 1 }),
          put('other', 'k0', { id: 'k0', status: 'SUCCEEDED' }),
        ])(),
      );
      const ids = (docs: readonly Document[]) => docs.map((d) => d['id']);
      expect(ids(await list('orders'))).toEqual(['k1', 'k2', 'k3', 'k4']);
      expect(ids(await list('orders', { where: { status: 'SUCCEEDED' } }))).toEqual(['k1', 'k2', 'k4']);
      expect(ids(await list('orders', { where: { status: 'SUCCEEDED' }, limit: 2 }))).toEqual(['k1', 'k2']);
      expect(ids(await list('orders', { where: { amount: 100 } }))).toEqual(['k1']);
      expect(ids(await list('orders', { where: { isFinal: true } }))).toEqual(['k1', 'k2']);
      expect(ids(await list('orders', { where: { isFinal: false, status: 'PAYING' } }))).toEqual(['k3']);
      expect(ids(await list('orders', { limit: 0 }))).toEqual([]);
      expect(await list('nothing')).toEqual([]);
    });

    it('reset drops the projection’s collections and checkpoint, and nothing else', async () => {
      right(
        await store.apply('payments', 9, [
          put('payments', 'p1', { v: 1 }),
          put('payments-by-day', 'd1', { n: 1 }),
        ])(),
      );
      right(await store.apply('refunds', 4, [put('refunds', 'r1', { v: 1 })])());
      right(await store.reset('payments', ['payments', 'payments-by-day'])());
      expect(await list('payments')).toEqual([]);
      expect(await list('payments-by-day')).toEqual([]);
      expect(await store.checkpoint('payments')()).toEqual(E.right(undefined));
      expect(await get('refunds', 'r1')).toEqual({ v: 1 });
      expect(await store.checkpoint('refunds')()).toEqual(E.right(4));
      expect(await store.apply('payments', 1, [put('payments', 'p1', { v: 2 })])()).toEqual(E.right(true));
      expect(await get('payments', 'p1')).toEqual({ v: 2 });
    });
  });
}
