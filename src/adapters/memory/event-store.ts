import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type { AppendError, AppendResult, EventStore, RecordedEvent } from '../../ports/event-store';
import { decideAppend } from '../shared/append-decision';
import { createNotifier, runSubscription } from '../shared/subscription';

const isSystem = (e: RecordedEvent): boolean => e.type.startsWith('$') || e.streamId.startsWith('$');

/**
 * Events go through JSON, as they do in every durable store, so what a test sees here is what it
 * would read back from SQLite or EventStoreDB; they are frozen because the log is immutable.
 */
const stored = <A>(value: A): A => deepFreeze(JSON.parse(JSON.stringify(value)) as A);
const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

/** First index in `log` whose position is beyond `position` (the log is sorted by position). */
const indexAfter = (log: readonly RecordedEvent[], position: number | undefined): number => {
  if (position === undefined) return 0;
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid]?.position ?? Infinity) <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const done =
  <L, A>(value: E.Either<L, A>): TE.TaskEither<L, A> =>
  () =>
    Promise.resolve(value);

/** The reference EventStore: everything in one process's memory, positions counted from 1. */
export const createMemoryEventStore = (): EventStore => {
  const log: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const notifier = createNotifier();
  const subscriptions: { unsubscribe: () => Promise<void> }[] = [];
  const visibleAfter = (position: number | undefined, maxCount: number): RecordedEvent[] => {
    const page: RecordedEvent[] = [];
    for (let i = indexAfter(log, position); i < log.length && page.length < maxCount; i += 1) {
      const event = log[i];
      if (event !== undefined && !isSystem(event)) page.push(event);
    }
    return page;
  };

  const appendNow: EventStore['append'] = (streamId, events, expected) => {
    const stream = streams.get(streamId) ?? [];
    const last = stream.length === 0 ? undefined : stream.length - 1;
    const decision = decideAppend(last, expected, events, (revision) => stream[revision]?.id);
    switch (decision.kind) {
      case 'conflict':
        return done(
          E.left<AppendError>({ _tag: 'WrongExpectedVersion', streamId, expected, actual: decision.actual }),
        );
      case 'already-written': {
        const position = stream[decision.lastRevision]?.position ?? 0;
        return done(
          E.right<AppendError, AppendResult>({ nextExpectedRevision: decision.lastRevision, position }),
        );
      }
      case 'write': {
        events.forEach((event, i) => {
          const recorded: RecordedEvent = stored({
            streamId,
            revision: decision.firstRevision + i,
            position: log.length + 1,
            id: event.id,
            type: event.type,
            data: event.data,
            metadata: event.metadata,
          });
          log.push(recorded);
          stream.push(recorded);
        });
        streams.set(streamId, stream);
        if (events.length > 0) notifier.notify();
        const lastEvent = stream[stream.length - 1];
        return done(E.right({ nextExpectedRevision: stream.length - 1, position: lastEvent?.position ?? 0 }));
      }
    }
  };

  return {
    // Decided when the task runs, not when it is built, like every other adapter.
    append: (streamId, events, expected) => () => appendNow(streamId, events, expected)(),
    readStream:
      (streamId, options = {}) =>
      () => {
        const stream = streams.get(streamId);
        if (stream === undefined) return Promise.resolve(E.left({ _tag: 'StreamNotFound', streamId }));
        const maxCount = options.maxCount ?? Infinity;
        if (options.direction === 'backwards') {
          const from = Math.min(options.fromRevision ?? stream.length - 1, stream.length - 1);
          const page = stream.slice(0, from + 1).reverse();
          return Promise.resolve(E.right(page.slice(0, maxCount)));
        }
        const from = options.fromRevision ?? 0;
        return Promise.resolve(E.right(stream.slice(from, from + maxCount)));
      },
    readAll:
      (options = {}) =>
      () =>
        Promise.resolve(E.right(visibleAfter(options.fromPosition, options.maxCount ?? Infinity))),
    subscribeToAll: (handler, options) => {
      const subscription = runSubscription((p) => E.right(visibleAfter(p, 256)), notifier, handler, options);
      subscriptions.push(subscription);
      return subscription;
    },
    ping: () => () => Promise.resolve(E.right(undefined)),
    close: async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  };
};
