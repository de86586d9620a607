/**
 * Callers waiting for a runner to reach a point (caught up, a position): each is resolved once its
 * condition holds, and all are rejected once `failure` says the runner cannot get there any more.
 * The runner calls `settle` whenever its state moves.
 */
export const createWaiters = (failure: () => Error | undefined) => {
  const waiters = new Set<{
    readonly isDue: () => boolean;
    readonly resolve: () => void;
    readonly reject: (error: Error) => void;
  }>();
  const settle = (): void => {
    const failed = failure();
    for (const waiter of [...waiters]) {
      if (failed !== undefined) {
        waiters.delete(waiter);
        waiter.reject(failed);
      } else if (waiter.isDue()) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };
  const waitFor = (isDue: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      waiters.add({ isDue, resolve, reject });
      settle();
    });
  return { settle, waitFor };
};
