import * as E from 'fp-ts/Either';
import type {
  EventStore,
  Logger,
  Metrics,
  ReadModelStore,
  RecordedEvent,
  StoreUnavailable,
  Subscription,
} from '../../ports';
import type { Projection } from './projection';

export interface ProjectionDeps {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface RunningProjections {
  readonly stop: () => Promise<void>;
  /** Resolves once every projection has delivered what the log held when it caught up. */
  readonly whenCaughtUp: () => Promise<void>;
  /** Resolves once every projection has processed the event at `position` (read-your-writes). */
  readonly waitForPosition: (position: number) => Promise<void>;
}

interface Runner {
  readonly projection: Projection;
  /** Last position processed (applied, or nothing to apply); 0 before the first. */
  processed: number;
  isCaughtUp: boolean;
  failure?: Error;
  subscription?: Subscription;
}

interface Waiter {
  readonly isDue: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Runs each projection on its own subscription to the global log, from its stored checkpoint.
 * An event's document changes and the checkpoint are committed together by the read-model store;
 * events a projection has nothing to say about are not written at all, so after a restart they are
 * delivered again and again produce nothing. A projection that fails (a read model that cannot be
 * written, an event that no longer decodes) stops and fails its waiters; restarting it is the
 * composition root's decision.
 */
export const startProjections = (
  deps: ProjectionDeps,
  projections: readonly Projection[],
): RunningProjections => {
  const runners: Runner[] = projections.map((projection) => ({
    projection,
    processed: 0,
    isCaughtUp: false,
  }));
  const waiters = new Set<Waiter>();
  let head = 0;
  let isStopped = false;

  const failure = (): Error | undefined => runners.find((r) => r.failure !== undefined)?.failure;
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

  const fail = (runner: Runner, error: Error): void => {
    // The handler reports its own failure; the subscription's onError then repeats it.
    if (runner.failure === undefined) {
      runner.failure = error;
      deps.logger.error('projection stopped', { projection: runner.projection.name, error: error.message });
    }
    settle();
  };

  const handle =
    (runner: Runner) =>
    async (event: RecordedEvent): Promise<void> => {
      const { name } = runner.projection;
      try {
        const changes = runner.projection.project(event);
        if (changes.length > 0) {
          const applied = await deps.readModels.apply(name, event.position, changes)();
          if (E.isLeft(applied)) throw new Error(`read model unavailable: ${applied.left.message}`);
        }
      } catch (error) {
        fail(runner, error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
      runner.processed = event.position;
      head = Math.max(head, event.position);
      // The head is the furthest position any projection (or caller) has seen: an estimate from below.
      deps.metrics.projectionLag(name, head - runner.processed);
      settle();
    };

  const start = async (runner: Runner): Promise<void> => {
    const { name } = runner.projection;
    const checkpoint = await deps.readModels.checkpoint(name)();
    if (E.isLeft(checkpoint)) {
      fail(runner, new Error(`read model unavailable: ${checkpoint.left.message}`));
      return;
    }
    if (isStopped) return;
    const from = checkpoint.right;
    runner.processed = from ?? 0;
    runner.subscription = deps.store.subscribeToAll(handle(runner), {
      ...(from !== undefined ? { fromPosition: from } : {}),
      onCaughtUp: () => {
        runner.isCaughtUp = true;
        deps.metrics.projectionLag(name, 0);
        deps.logger.info('projection caught up', { projection: name, position: runner.processed });
        settle();
      },
      onError: (error: StoreUnavailable) => fail(runner, new Error(error.message)),
    });
  };

  for (const runner of runners) void start(runner);

  return {
    stop: async () => {
      isStopped = true;
      await Promise.all(runners.map((r) => r.subscription?.unsubscribe()));
      for (const waiter of [...waiters]) {
        waiters.delete(waiter);
        waiter.reject(new Error('projections stopped'));
      }
    },
    whenCaughtUp: () => waitFor(() => runners.every((r) => r.isCaughtUp)),
    waitForPosition: (position) => {
      head = Math.max(head, position);
      return waitFor(() => runners.every((r) => r.processed >= position));
    },
  };
};
