import * as E from 'fp-ts/Either';
import type { CheckpointStore } from '../../src/ports';

/**
 * What every checkpoint store guarantees to the projection runner, whatever its `Tx`: a checkpoint
 * moves only from the value the runner read, a handler that throws moves nothing, and a reset
 * forgets it and runs the projection's own reset.
 */
export interface CheckpointStoreFixture<Tx> {
  readonly store: CheckpointStore<Tx>;
  readonly teardown: () => Promise<void>;
}

export const checkpointStoreContract = <Tx>(
  name: string,
  open: () => Promise<CheckpointStoreFixture<Tx>>,
): void => {
  describe(`CheckpointStore contract: ${name}`, () => {
    let fixture: CheckpointStoreFixture<Tx>;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(() => fixture.teardown());
    const read = async (projection: string) => fixture.store.read(projection)();

    it('has no checkpoint for a projection that never committed', async () => {
      expect(await read('p')).toEqual(E.right(undefined));
    });

    it('moves the checkpoint from the one read, after running the work', async () => {
      const ran: string[] = [];
      expect(await fixture.store.commit('p', undefined, 5, () => void ran.push('first'))()).toEqual(
        E.right(undefined),
      );
      expect(await fixture.store.commit('p', 5, 9, () => void ran.push('second'))()).toEqual(
        E.right(undefined),
      );
      expect(await read('p')).toEqual(E.right(9));
      expect(await read('other')).toEqual(E.right(undefined));
      expect(ran).toEqual(['first', 'second']);
    });

    it('refuses to move a checkpoint that is no longer the one expected, and runs nothing', async () => {
      await fixture.store.commit('p', undefined, 5, () => undefined)();
      let ran = false;
      const stale = await fixture.store.commit('p', undefined, 7, () => void (ran = true))();
      expect(stale).toEqual(
        E.left({ _tag: 'CheckpointMoved', projection: 'p', expected: undefined, actual: 5 }),
      );
      expect(ran).toBe(false);
      expect(await read('p')).toEqual(E.right(5));
    });

    it('keeps the checkpoint where it was when the work throws', async () => {
      await fixture.store.commit('p', undefined, 5, () => undefined)();
      const boom = new Error('boom');
      const failed = await fixture.store.commit('p', 5, 9, () => {
        throw boom;
      })();
      expect(failed).toEqual(E.left({ _tag: 'HandlerFailed', error: boom }));
      expect(await read('p')).toEqual(E.right(5));
    });

    it('forgets the checkpoint on reset, running the projection’s own reset', async () => {
      await fixture.store.commit('p', undefined, 5, () => undefined)();
      let cleared = false;
      expect(await fixture.store.reset('p', () => void (cleared = true))()).toEqual(E.right(undefined));
      expect(cleared).toBe(true);
      expect(await read('p')).toEqual(E.right(undefined));
      expect(await fixture.store.commit('p', undefined, 3, () => undefined)()).toEqual(E.right(undefined));
    });
  });
};
