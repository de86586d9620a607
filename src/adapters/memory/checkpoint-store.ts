import * as E from 'fp-ts/Either';
import type { CheckpointStore } from '../../ports/checkpoint-store';

/**
 * Checkpoints in this process's memory: the handler runs, then the checkpoint moves
 * (at-least-once). A restart starts from the first event again, so it suits read models that are
 * themselves in memory, tests, and handlers idempotent enough to replay the whole log.
 */
export const createMemoryCheckpointStore = (): CheckpointStore<undefined> => {
  const positions = new Map<string, number>();
  return {
    read: (projection) => async () => E.right(positions.get(projection)),
    commit: (projection, expected, position, work) => async () => {
      const actual = positions.get(projection);
      if (actual !== expected) return E.left({ _tag: 'CheckpointMoved', projection, expected, actual });
      try {
        await work(undefined);
      } catch (error) {
        return E.left({ _tag: 'HandlerFailed', error });
      }
      // Checked again: a reset or another runner may have moved it while the handler awaited.
      const after = positions.get(projection);
      if (after !== expected) return E.left({ _tag: 'CheckpointMoved', projection, expected, actual: after });
      positions.set(projection, position);
      return E.right(undefined);
    },
    reset: (projection, clear) => async () => {
      try {
        await clear(undefined);
      } catch (error) {
        return E.left({ _tag: 'HandlerFailed', error });
      }
      positions.delete(projection);
      return E.right(undefined);
    },
  };
};
