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
}

/** Emmett's default: 3 tries, 100 ms, ×1.5, only on expected-version conflicts. */
export const defaultRetry: RetryPolicy = { attempts: 3, initialDelayMs: 100, factor: 1.5 };

export const loadAggregate =
  <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
    store: EventStore,
    spec: AggregateSpec<C, Ev, S>,
  ) =>
  (streamId: string): TE.TaskEither<StoreUnavailable | CorruptEvent, Loaded<S>> =>
    pipe(
      store.readStream(streamId),
      TE.orElse((e) =>
        e._tag === 'StreamNotFound' ? TE.right<StoreUnavailable, readonly RecordedEvent[]>([]) : TE.left(e),
      ),
      TE.chainEitherKW((events) =>
        pipe(
          events.map((stored) => decodeEvent(spec.codec, stored)),
          E.sequenceArray,
          E.map((decoded) => ({
            state: decoded.reduce(spec.decider.evolve, spec.decider.initialState()),
            revision:
              events.length === 0 ? ('no-stream' as const) : (events[events.length - 1]?.revision ?? 0),
            events,
          })),
        ),
      ),
    );

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
): TE.TaskEither<HandleError, Handled<Ev, S>> => {
  const once = (): TE.TaskEither<HandleError, Handled<Ev, S>> =>
    pipe(
      loadAggregate(store, spec)(streamId),
      TE.chainW((loaded) =>
        // Already applied (a retry after a lost acknowledgement): its events carry this command's ids.
        loaded.events.some((e) => e.id === eventId(context.commandId, streamId, 0))
          ? TE.right({ state: loaded.state, newEvents: [], revision: loaded.revision })
          : pipe(
              spec.decider.decide(command, loaded.state),
              E.mapLeft((error): HandleError => ({ _tag: 'DomainRejected', error })),
              TE.fromEither,
              TE.chainW((newEvents) => {
                if (newEvents.length === 0)
                  return TE.right({ state: loaded.state, newEvents, revision: loaded.revision });
                const toAppend: EventToAppend[] = newEvents.map((event, index) => ({
                  id: eventId(context.commandId, streamId, index),
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

  const attempt = (n: number, delay: number): TE.TaskEither<HandleError, Handled<Ev, S>> =>
    pipe(
      once(),
      TE.orElse((e) =>
        e._tag === 'WrongExpectedVersion' && n + 1 < retry.attempts
          ? pipe(
              TE.fromTask(() => sleep(delay * (0.5 + Math.random()))),
              TE.chain(() => attempt(n + 1, delay * retry.factor)),
            )
          : TE.left(e),
      ),
    );

  return attempt(0, retry.initialDelayMs);
};
