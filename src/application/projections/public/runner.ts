import * as E from 'fp-ts/Either';
import type {
  CheckpointError,
  CheckpointStore,
  EventStore,
  Logger,
  Metrics,
  RecordedEvent,
  Subscription,
} from '../../../ports';
import { decodePublicEvent, type PublicEvent, type PublicEventType } from './events';
import type { Projection } from './projection';
import { createWaiters } from '../waiters';

export interface ProjectionRunnerDeps<Tx> {
  /** The same log the payment core appends to (or the same file, from another process). */
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore<Tx>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export interface ProjectionRunOptions {
  /** Events committed in one checkpoint transaction at most (default 100). */
  readonly maxBatch?: number;
}

export interface ProjectionFailure {
  readonly message: string;
  /** The event being handled when it failed; undefined when no event was (the checkpoint store failed). */
  readonly position: number | undefined;
  readonly cause: unknown;
}

/**
 * `running`: catching up from the checkpoint. `caught-up`: it has handled what the log held when
 * it caught up, and follows new events. `failed`: it stopped at `failure.position`; the checkpoint
 * is before that event, so `restart()` delivers it again. `stopped`: by `stop()`.
 */
export type ProjectionStatus =
  | { readonly status: 'running' | 'caught-up' | 'stopped'; readonly checkpoint: number | undefined }
  | {
      readonly status: 'failed';
      readonly checkpoint: number | undefined;
      readonly failure: ProjectionFailure;
    };

export interface RunningProjection {
  readonly name: string;
  readonly status: () => ProjectionStatus;
  /** Resolves once caught up; rejects if the projection fails or is stopped first. */
  readonly whenCaughtUp: () => Promise<void>;
  /** Resolves once the checkpoint reaches `position` (an append's position: read-your-writes). */
  readonly waitForPosition: (position: number) => Promise<void>;
  /** Stops, then starts again from the stored checkpoint (after a fix, or a failure). */
  readonly restart: () => Promise<void>;
  /** Stops, clears the read model (its `reset`) with the checkpoint, and starts from the first event. */
  readonly rebuild: () => Promise<void>;
  /** Stops delivery; resolves once the handler will not be called again. */
  readonly stop: () => Promise<void>;
}

interface Run {
  isStopped: boolean;
  subscription?: Subscription;
  buffer: RecordedEvent[];
  committing: Promise<void>;
  scheduled: NodeJS.Immediate | undefined;
}

const DEFAULT_MAX_BATCH = 100;

const isThenable = (value: unknown): value is PromiseLike<void> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

const messageOf = (error: CheckpointError): string => {
  switch (error._tag) {
    case 'HandlerFailed':
      return `handler failed: ${error.error instanceof Error ? error.error.message : String(error.error)}`;
    case 'CheckpointMoved':
      return `checkpoint moved by someone else (expected ${String(error.expected)}, found ${String(error.actual)})`;
    case 'CheckpointUnavailable':
      return `checkpoint store unavailable: ${error.message}`;
  }
};

/**
 * Runs one projection on its own subscription: reads its checkpoint, catches up from it, then
 * follows the log. Events are committed in batches (what the subscription delivers before the
 * next turn of the event loop, at most `maxBatch`), each batch with its checkpoint. Any failure
 * (an undecodable event, a handler that throws, a checkpoint that cannot be stored) stops this
 * projection alone, visibly: status, a log line and the metrics port. Nothing it does reaches the
 * payment core or other projections.
 */
export const runProjection = <Tx, T extends PublicEventType>(
  deps: ProjectionRunnerDeps<Tx>,
  projection: Projection<Tx, T>,
  options: ProjectionRunOptions = {},
): RunningProjection => {
  const { name } = projection;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const handles: ReadonlySet<string> | undefined =
    projection.handles === undefined ? undefined : new Set(projection.handles);
  // 'stopped' until start() below, so the first 'running' reaches the metrics too.
  let current: ProjectionStatus = { status: 'stopped', checkpoint: undefined };
  let run: Run | undefined;

  const setStatus = (next: ProjectionStatus): void => {
    const changed = next.status !== current.status;
    current = next;
    if (changed) deps.metrics?.projectionStatus?.(name, next.status);
    settle();
  };
  const { settle, waitFor } = createWaiters(() =>
    current.status === 'failed'
      ? new Error(`projection ${name} failed: ${current.failure.message}`)
      : current.status === 'stopped'
        ? new Error(`projection ${name} stopped`)
        : undefined,
  );

  const fail = (r: Run, failure: ProjectionFailure): void => {
    if (r.isStopped) return;
    r.isStopped = true;
    void r.subscription?.unsubscribe();
    report(failure);
  };
  const report = (failure: ProjectionFailure): void => {
    deps.logger?.error('projection failed', {
      projection: name,
      position: failure.position,
      error: failure.message,
    });
    setStatus({ status: 'failed', checkpoint: current.checkpoint, failure });
  };

  /** Applies decoded events in order; stays synchronous until a handler returns a promise. */
  const applyFrom = (
    events: readonly PublicEvent[],
    from: number,
    tx: Tx,
    at: { position?: number },
  ): void | Promise<void> => {
    for (let i = from; i < events.length; i += 1) {
      const event = events[i] as PublicEvent;
      at.position = event.position;
      // `handles` filtered the events, so each is one the handler accepts.
      const result = projection.handle(event as Parameters<typeof projection.handle>[0], tx);
      if (isThenable(result))
        return Promise.resolve(result).then((): void | Promise<void> => applyFrom(events, i + 1, tx, at));
    }
    return undefined;
  };

  const commitBatch = async (r: Run, events: readonly RecordedEvent[]): Promise<void> => {
    if (r.isStopped || events.length === 0) return;
    const decoded: PublicEvent[] = [];
    let undecodable: ProjectionFailure | undefined;
    let through = events.length;
    for (const [i, recorded] of events.entries()) {
      if (handles !== undefined && !handles.has(recorded.type)) continue;
      const result = decodePublicEvent(recorded);
      if (E.isLeft(result)) {
        // Commit what came before it, so the failure's position is exact and a restart starts there.
        undecodable = {
          message: `${result.left.streamId}: ${result.left.message}`,
          position: recorded.position,
          cause: result.left,
        };
        through = i;
        break;
      }
      if (result.right !== undefined) decoded.push(result.right);
    }
    const last = events[through - 1]?.position;
    if (last !== undefined) {
      const at: { position?: number } = {};
      const committed = await deps.checkpoints.commit(name, current.checkpoint, last, (tx) =>
        applyFrom(decoded, 0, tx, at),
      )();
      if (r.isStopped) return;
      if (E.isLeft(committed)) {
        const failed = committed.left;
        if (failed._tag !== 'HandlerFailed' || at.position === undefined) {
          fail(r, { message: messageOf(failed), position: undefined, cause: failed });
          return;
        }
        // Nothing of the batch was kept (or, at-least-once, its checkpoint was not): commit the
        // events before the failing one again, so the checkpoint stops right before it.
        const failedAt = at.position;
        await commitBatch(
          r,
          events.filter((e) => e.position < failedAt),
        );
        fail(r, { message: messageOf(failed), position: failedAt, cause: failed.error });
        return;
      }
      setStatus({ ...current, checkpoint: last } as ProjectionStatus);
    }
    if (undecodable !== undefined) fail(r, undecodable);
  };

  const flush = (r: Run): Promise<void> => {
    if (r.scheduled !== undefined) clearImmediate(r.scheduled);
    r.scheduled = undefined;
    const events = r.buffer;
    r.buffer = [];
    // A checkpoint store that throws instead of answering Left is a bug; it still stops only this projection.
    r.committing = r.committing
      .then(() => commitBatch(r, events))
      .catch((error: unknown) =>
        fail(r, { message: `checkpoint store threw: ${String(error)}`, position: undefined, cause: error }),
      );
    return r.committing;
  };

  const start = (): void => {
    const r: Run = { isStopped: false, buffer: [], committing: Promise.resolve(), scheduled: undefined };
    run = r;
    setStatus({ status: 'running', checkpoint: undefined });
    void (async () => {
      const read = await deps.checkpoints.read(name)();
      if (r.isStopped) return;
      if (E.isLeft(read)) {
        fail(r, { message: messageOf(read.left), position: undefined, cause: read.left });
        return;
      }
      setStatus({ status: 'running', checkpoint: read.right });
      r.subscription = deps.store.subscribeToAll(
        (event) => {
          if (r.isStopped) return Promise.resolve();
          r.buffer.push(event);
          if (r.buffer.length >= maxBatch) return flush(r);
          r.scheduled ??= setImmediate(() => void flush(r));
          return Promise.resolve();
        },
        {
          ...(read.right !== undefined ? { fromPosition: read.right } : {}),
          onCaughtUp: () =>
            void flush(r).then(() => {
              if (r.isStopped) return;
              deps.metrics?.projectionLag(name, 0);
              deps.logger?.info('projection caught up', { projection: name, checkpoint: current.checkpoint });
              setStatus({ status: 'caught-up', checkpoint: current.checkpoint });
            }),
          onError: (error) =>
            fail(r, { message: `event store: ${error.message}`, position: undefined, cause: error }),
        },
      );
      // Stopped while subscribing: the subscription must not outlive the run.
      if (r.isStopped) void r.subscription.unsubscribe();
    })().catch((error: unknown) =>
      fail(r, { message: `could not start: ${String(error)}`, position: undefined, cause: error }),
    );
  };

  const halt = async (): Promise<void> => {
    const r = run;
    if (r === undefined) return;
    run = undefined;
    r.isStopped = true;
    if (r.scheduled !== undefined) clearImmediate(r.scheduled);
    await r.subscription?.unsubscribe();
    await r.committing;
    // A failure stays visible until the next start.
    if (current.status !== 'failed') setStatus({ status: 'stopped', checkpoint: current.checkpoint });
  };

  start();

  return {
    name,
    status: () => current,
    whenCaughtUp: () => waitFor(() => current.status === 'caught-up'),
    waitForPosition: (position) =>
      waitFor(() => current.checkpoint !== undefined && current.checkpoint >= position),
    restart: async () => {
      await halt();
      start();
    },
    rebuild: async () => {
      await halt();
      const reset = await resetProjection(deps.checkpoints, projection);
      if (E.isLeft(reset)) {
        report({ message: messageOf(reset.left), position: undefined, cause: reset.left });
        return;
      }
      start();
    },
    stop: halt,
  };
};

/**
 * Clears a projection's read model (its `reset` hook) and forgets its checkpoint, in one
 * transaction where the store has them; the next run starts from the first event. Do not call it
 * while the projection runs elsewhere (its compare-and-set would then fail that runner).
 */
export const resetProjection = <Tx, T extends PublicEventType>(
  checkpoints: CheckpointStore<Tx>,
  projection: Projection<Tx, T>,
): Promise<E.Either<CheckpointError, void>> =>
  checkpoints.reset(projection.name, (tx) => projection.reset?.(tx))();
