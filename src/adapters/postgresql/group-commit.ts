/**
 * Group commit for a networked database: appends that arrive while a group's transaction is in
 * flight wait, then go together in the next one, so one transaction (one advisory lock, one WAL
 * flush, one NOTIFY) serves them all. `commitAll` returns one result per request, in order.
 */
export interface AsyncGroupCommit<Req, Res> {
  readonly submit: (request: Req) => Promise<Res>;
  /** Resolves once every submitted request has its result. */
  readonly drained: () => Promise<void>;
}

export const createAsyncGroupCommit = <Req, Res>(
  commitAll: (requests: readonly Req[]) => Promise<readonly Res[]>,
  whenGroupFails: (error: unknown) => Res,
  maxGroup = 256,
): AsyncGroupCommit<Req, Res> => {
  let queue: { request: Req; resolve: (result: Res) => void }[] = [];
  let running: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const group = queue.slice(0, maxGroup);
      queue = queue.slice(group.length);
      let results: readonly Res[];
      try {
        results = await commitAll(group.map((g) => g.request));
      } catch (error) {
        results = group.map(() => whenGroupFails(error));
      }
      group.forEach((g, i) =>
        g.resolve(results[i] ?? whenGroupFails(new Error('no result for a grouped request'))),
      );
    }
    running = undefined;
  };

  return {
    submit: (request) =>
      new Promise<Res>((resolve) => {
        queue.push({ request, resolve });
        // The first request of an idle store waits one turn of the event loop for its companions.
        running ??= new Promise<void>((started) => setImmediate(started)).then(drain);
      }),
    drained: async () => {
      while (running !== undefined) await running;
    },
  };
};
