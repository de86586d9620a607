/**
 * Group commit: requests that arrive before the event loop's next check phase (the same tick, or
 * while the previous group was being committed, which blocks the loop) are handed to `commitAll`
 * together, so one fsync serves them all. `commitAll` returns one result per request, in order.
 */
export interface GroupCommit<Req, Res> {
  readonly submit: (request: Req) => Promise<Res>;
  /** Commits whatever is queued now, synchronously (used on close). */
  readonly flush: () => void;
}

export const createGroupCommit = <Req, Res>(
  commitAll: (requests: readonly Req[]) => readonly Res[],
  whenGroupFails: (error: unknown) => Res,
): GroupCommit<Req, Res> => {
  let queue: { request: Req; resolve: (result: Res) => void }[] = [];
  let isScheduled = false;

  const flush = (): void => {
    isScheduled = false;
    const group = queue;
    queue = [];
    if (group.length === 0) return;
    let results: readonly Res[];
    try {
      results = commitAll(group.map((g) => g.request));
    } catch (error) {
      results = group.map(() => whenGroupFails(error));
    }
    group.forEach((g, i) =>
      g.resolve(results[i] ?? whenGroupFails(new Error('no result for a grouped request'))),
    );
  };

  return {
    submit: (request) =>
      new Promise<Res>((resolve) => {
        queue.push({ request, resolve });
        if (!isScheduled) {
          isScheduled = true;
          setImmediate(flush);
        }
      }),
    flush,
  };
};
