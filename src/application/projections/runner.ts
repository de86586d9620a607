import * as E from 'fp-ts/Either';
import type {
  EventStore,
  Logger,
  Metrics,
  ProjectionBatch,
  ReadModelStore,
  RecordedEvent,
  StoreUnavailable,
  Subscription,
} from '../../ports';
import { changesAfter, type Projection } from './projection';
import { createWaiters } from './waiters';

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
  /** Last position committed for this projection; undefined before its first. */
  checkpoint: number | undefined;
  failure?: Error;
}

/** Events held before a commit is forced: bounds memory while catching up on a long log. */
const MAX_BATCH = 500;

/**
 * How long the first buffered event waits for others before the batch is committed. Each commit
 * rewrites the B-tree pages it touches, so under load fewer, larger batches cost far less, and the
 * events of one payment mostly share a batch (its document is then written once). Nothing waits on
 * the read models at this pace: answers about a payment come from its stream, and readers that need
 * the read models current (reconciliation) wait for the position they need.
 */
const LINGER_MS = 25;

export interface ProjectionOptions {
  readonly maxBatch?: number;
  readonly lingerMs?: number;
}

/**
 * Runs every projection on one subscription to the global log. Delivered events are buffered and
 * committed together, each projection's document changes with its new checkpoint, in one read-model
 * transaction per batch: what arrived within `lingerMs` of the batch's first event, at most
 * `maxBatch` events, committed at once when the subscription catches up. The subscription starts
 * after the lowest checkpoint, and each projection skips what it already holds, so redelivery after
 * a restart changes nothing. A projection whose code throws stops alone; a read model that cannot be written
 * stops them all. Either fails the waiters; restarting is the composition root's decision.
 */
export const startProjections = (
  deps: ProjectionDeps,
  projections: readonly Projection[],
  options: ProjectionOptions = {},
): RunningProjections => {
  const maxBatch = options.maxBatch ?? MAX_BATCH;
  const lingerMs = options.lingerMs ?? LINGER_MS;
  const runners: Runner[] = projections.map((projection) => ({ projection, checkpoint: undefined }));
  let head = 0;
  let isStopped = false;
  let isCaughtUp = false;
  let subscription: Subscription | undefined;
  let buffer: RecordedEvent[] = [];
  let scheduledFlush: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();

  const live = (): Runner[] => runners.filter((r) => r.failure === undefined);
  const failure = (): Error | undefined => runners.find((r) => r.failure !== undefined)?.failure;
  const hasProcessed = (position: number): boolean =>
    runners.every((r) => r.checkpoint !== undefined && r.checkpoint >= position);
  /** Set once stopped and the last commit has landed: waiters left then will never be served. */
  let isClosed = false;
  const { settle, waitFor } = createWaiters(
    () => failure() ?? (isClosed ? new Error('projections stopped') : undefined),
  );

  const fail = (failed: readonly Runner[], error: Error): void => {
    const newly = failed.filter((r) => r.failure === undefined);
    for (const runner of newly) runner.failure = error;
    if (newly.length > 0) {
      deps.logger.error('projection stopped', {
        projections: newly.map((r) => r.projection.name),
        error: error.message,
      });
    }
    if (live().length === 0) void subscription?.unsubscribe();
    settle();
  };
  const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

  const commit = async (events: readonly RecordedEvent[]): Promise<void> => {
    const last = events[events.length - 1]?.position;
    if (last === undefined || isStopped) return;
    const batches: ProjectionBatch[] = [];
    const included: Runner[] = [];
    for (const runner of live()) {
      try {
        const changes = changesAfter(runner.projection, runner.checkpoint, events);
        batches.push({ projection: runner.projection.name, position: last, changes });
        included.push(runner);
      } catch (error) {
        fail([runner], asError(error));
      }
    }
    if (batches.length === 0) return;
    let applied;
    try {
      applied = await deps.readModels.applyAll(batches)();
    } catch (error) {
      // An update threw inside the transaction: nothing was written, and which projection it was
      // is not known here, so every projection in the batch stops.
      fail(included, asError(error));
      return;
    }
    if (E.isLeft(applied)) {
      fail(included, new Error(`read model unavailable: ${applied.left.message}`));
      return;
    }
    head = Math.max(head, last);
    for (const runner of included) {
      runner.checkpoint = last;
      // The head is the furthest position seen by the runner or a caller: an estimate from below.
      deps.metrics.projectionLag(runner.projection.name, head - last);
    }
    settle();
  };

  /** Commits what is buffered after the commits before it; resolves when it is done. */
  const flush = (): Promise<void> => {
    clearTimeout(scheduledFlush);
    scheduledFlush = undefined;
    const events = buffer;
    buffer = [];
    committing = committing.then(() => commit(events));
    return committing;
  };

  const deliver = (event: RecordedEvent): Promise<void> => {
    if (live().length === 0) return Promise.reject(failure() ?? new Error('projections stopped'));
    buffer.push(event);
    head = Math.max(head, event.position);
    if (buffer.length >= maxBatch) return flush();
    scheduledFlush ??= setTimeout(() => void flush(), lingerMs);
    return Promise.resolve();
  };

  const start = async (): Promise<void> => {
    for (const runner of runners) {
      const checkpoint = await deps.readModels.checkpoint(runner.projection.name)();
      if (E.isLeft(checkpoint))
        fail([runner], new Error(`read model unavailable: ${checkpoint.left.message}`));
      else runner.checkpoint = checkpoint.right;
    }
    const starting = live();
    if (isStopped || starting.length === 0) return;
    const from = starting.some((r) => r.checkpoint === undefined)
      ? undefined
      : Math.min(...starting.map((r) => r.checkpoint ?? 0));
    subscription = deps.store.subscribeToAll(deliver, {
      ...(from !== undefined ? { fromPosition: from } : {}),
      onCaughtUp: () =>
        void flush().then(() => {
          isCaughtUp = true;
          for (const runner of live()) deps.metrics.projectionLag(runner.projection.name, 0);
          deps.logger.info('projections caught up', { position: head });
          settle();
        }),
      onError: (error: StoreUnavailable) => fail(live(), new Error(error.message)),
    });
  };

  void start();

  return {
    stop: async () => {
      isStopped = true;
      clearTimeout(scheduledFlush);
      await subscription?.unsubscribe();
      await committing;
      isClosed = true;
      settle();
    },
    whenCaughtUp: () => waitFor(() => isCaughtUp),
    waitForPosition: (position) => {
      head = Math.max(head, position);
      return waitFor(() => hasProcessed(position));
    },
  };
};
