import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import type { DomainError } from '../domain';
import type {
  EventStore,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  StoreUnavailable,
  WrongExpectedVersion,
} from '../ports';
import { type AggregateSpec, type CorruptEvent, decodeEvent } from './aggregate';
import { aggregateCacheOf } from './aggregate-cache';
import { deterministicUuid } from './deterministic-id';

/** Who and what caused a command: copied into every event's metadata. */
export interface CommandContext {
  /** Unique per command; event ids derive from it, so retrying the same command is idempotent. */
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  /** ISO 8601, from the Clock. */
  readonly now: string;
}

export type HandleError =
  | { readonly _tag: 'DomainRejected'; readonly error: DomainError }
  | StoreUnavailable
  | WrongExpectedVersion
  | CorruptEvent;

export interface Loaded<State> {
  readonly state: State;
  readonly revision: ExpectedRevision;
  readonly events: readonly RecordedEvent[];
}

export interface Handled<Event, State> {
  readonly state: State;
  readonly newEvents: readonly Event[];
  readonly revision: ExpectedRevision;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  /** No wait between tries grows beyond this. */
  readonly maxDelayMs?: number;
  /** No try starts later than this after the first (real time): the caller's deadline. */
  readonly deadlineMs?: number;
}

/** Emmett's default: 3 tries, 100 ms, ×1.5, only on expected-version conflicts. */
export const defaultRetry: RetryPolicy = { attempts: 3, initialDelayMs: 100, factor: 1.5 };

/**
 * For a caller waiting on an answer (the merchant API): a version conflict means another writer
 * got there first, never that the request is wrong, so it is retried until the request's deadline.
 * Short waits, since the other writer is usually one append ahead.
 */
export const untilDeadline = (deadlineMs: number): RetryPolicy => ({
  attempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 5,
  factor: 1.5,
  maxDelayMs: 100,
  deadlineMs,
});

/**
 * Reads and folds a stream. Only the events after the last state cached for it are read and
 * decoded (aggregate-cache.ts); a stream that does not exist loads as the initial state.
 */
export const loadAggregate =
  <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
    store: EventStore,
    spec: AggregateSpec<C, Ev, S>,
  ) =>
  (streamId: string): TE.TaskEither<StoreUnavailable | CorruptEvent, Loaded<S>> =>
  async () => {
    const cache = aggregateCacheOf<S>(store, spec);
    const cached = cache.get(streamId);
    const read = await store.readStream(
      streamId,
      cached === undefined ? {} : { fromRevision: cached.revision + 1 },
    )();
    if (E.isLeft(read)) {
      return read.left._tag === 'StreamNotFound'
        ? E.right({ state: spec.decider.initialState(), revision: 'no-stream', events: [] })
        : E.left(read.left);
    }
    const fresh = read.right;
    if (cached !== undefined && fresh.length === 0) return E.right(cached);
    let state = cached?.state ?? spec.decider.initialState();
    for (const stored of fresh) {
      const decoded = decodeEvent(spec.codec, stored);
      if (E.isLeft(decoded)) return decoded;
      state = spec.decider.evolve(state, decoded.right);
    }
    const events = cached === undefined ? fresh : [...cached.events, ...fresh];
    const last = events[events.length - 1];
    if (last === undefined) return E.right({ state, revision: 'no-stream', events });
    const loaded = { state, revision: last.revision, events };
    cache.put(streamId, loaded);
    return E.right(loaded);
  };

const eventId = (commandId: string, streamId: string, index: number): string =>
  deterministicUuid(commandId, streamId, String(index));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Load, fold, decide, append with the expected revision. On a concurrency conflict the whole cycle
 * runs again against the new state, a bounded number of times with back-off and jitter.
 */
export const handleCommand = <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
  store: EventStore,
  spec: AggregateSpec<C, Ev, S>,
  streamId: string,
  command: C,
  context: CommandContext,
  retry: RetryPolicy = defaultRetry,
  /** The stream as the caller just loaded it: the first try decides on it instead of reading again. */
  current?: Loaded<S>,
): TE.TaskEither<HandleError, Handled<Ev, S>> => {
  const firstEventId = eventId(context.commandId, streamId, 0);
  const once = (n: number): TE.TaskEither<HandleError, Handled<Ev, S>> =>
    pipe(
      // A stale snapshot costs nothing worse than a conflict, after which the stream is read again.
      n === 0 && current !== undefined ? TE.right(current) : loadAggregate(store, spec)(streamId),
      TE.chainW((loaded) =>
        // Already applied (a retry after a lost acknowledgement): its events carry this command's ids.
        loaded.events.some((e) => e.id === firstEventId)
          ? TE.right({ state: loaded.state, newEvents: [], revision: loaded.revision })
          : pipe(
              spec.decider.decide(command, loaded.state),
              E.mapLeft((error): HandleError => ({ _tag: 'DomainRejected', error })),
              TE.fromEither,
              TE.chainW((newEvents) => {
                if (newEvents.length === 0)
                  return TE.right({ state: loaded.state, newEvents, revision: loaded.revision });
                const toAppend: EventToAppend[] = newEvents.map((event, index) => ({
                  id: index === 0 ? firstEventId : eventId(context.commandId, streamId, index),
                  type: event.type,
                  data: event.data,
                  metadata: {
                    correlationId: context.correlationId,
                    causationId: context.causationId,
                    recordedAt: context.now,
                    actor: context.actor,
                    schemaVersion: spec.versions[event.type] ?? 1,
                  },
                }));
                return pipe(
                  store.append(streamId, toAppend, loaded.revision),
                  TE.map((result) => ({
                    state: newEvents.reduce(spec.decider.evolve, loaded.state),
                    newEvents,
                    revision: result.nextExpectedRevision,
                  })),
                );
              }),
            ),
      ),
    );

  const startedAt = Date.now();
  const hasTimeFor = (wait: number): boolean =>
    retry.deadlineMs === undefined || Date.now() + wait - startedAt < retry.deadlineMs;
  const attempt = (n: number, delay: number): TE.TaskEither<HandleError, Handled<Ev, S>> => {
    const wait = delay * (0.5 + Math.random());
    const next = Math.min(delay * retry.factor, retry.maxDelayMs ?? Number.POSITIVE_INFINITY);
    return pipe(
      once(n),
      TE.orElse((e) =>
        e._tag === 'WrongExpectedVersion' && n + 1 < retry.attempts && hasTimeFor(wait)
          ? pipe(
              TE.fromTask(() => sleep(wait)),
              TE.chain(() => attempt(n + 1, next)),
            )
          : TE.left(e),
      ),
    );
  };

  return attempt(0, retry.initialDelayMs);
};
