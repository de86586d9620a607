/**
 * The EventStore port on EventStoreDB / KurrentDB, through `@eventstore/db-client` 6.2.1.
 *
 * `throwOnAppendFailure` stays at its default (true), even if the connection string asks otherwise:
 * with `false`, the client's BatchAppend path reports nextExpectedRevision 1n whatever the real
 * revision is (docs/event-stores.md).
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  type AppendResult as ClientAppendResult,
  type Position,
} from '@eventstore/db-client';
import * as E from 'fp-ts/Either';
import { type TaskEither } from 'fp-ts/TaskEither';
import {
  type AppendError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamError,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoreUnavailable,
} from '../../ports/event-store';
import {
  commitPositionOf,
  decodeRecord,
  isSystemRecord,
  toEventData,
  toExpectedRevision,
  toSafeNumber,
  withDefaultAppendFailureMode,
} from './codec';
import { describeError, storeUnavailable, toStreamNotFound, toWrongExpectedVersion } from './errors';
import { subscribeToAllWithReconnect, type ReconnectPolicy } from './subscription';

export interface EventStoreDbOptions {
  /** How a subscription retries after UNAVAILABLE before it reports through onError. */
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** Waits between reconnect attempts; tests pass one that resolves at once. */
  readonly delay?: (ms: number) => Promise<void>;
}

/** readAll pages at least this many records, so that runs of system records cost few round trips. */
const MIN_PAGE = 512;
/** A stream nobody writes: reading it proves the node answers, for any user allowed to read streams. */
const PROBE_STREAM = 'wpg-readiness-probe';

const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 8, initialDelayMs: 100, maxDelayMs: 5_000 };

/**
 * Checks a connection string the way the client parses it, so a bad one is a clear error at start
 * rather than an exception from the factory. The client's messages quote only the offending token.
 */
export const checkConnectionString = (connectionString: string): E.Either<string, void> => {
  try {
    EventStoreDBClient.connectionString(withDefaultAppendFailureMode(connectionString));
    return E.right(undefined);
  } catch (error) {
    return E.left(
      `invalid EventStoreDB connection string: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
};

/** Throws on an invalid connection string: call checkConnectionString first. */
export const createEventStoreDbEventStore = (
  connectionString: string,
  options: EventStoreDbOptions = {},
): EventStore => {
  const client = EventStoreDBClient.connectionString(withDefaultAppendFailureMode(connectionString));
  const subscriptions = new Set<ReturnType<typeof subscribeToAllWithReconnect>>();

  /**
   * Reads are always drained to their end: leaving a client stream half-read stalls its gRPC call,
   * and the client's dispose() then waits for it forever. Pages are bounded by maxCount.
   */
  const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
    const all: T[] = [];
    for await (const item of items) all.push(item);
    return all;
  };

  const readStreamRaw = async (
    streamId: string,
    options: ReadStreamOptions,
  ): Promise<E.Either<ReadStreamError, RecordedEvent[]>> => {
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      const reading = client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision:
          options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for (const resolved of await collect(reading)) {
        const decoded = decodeRecord(resolved);
        if (E.isLeft(decoded)) return E.left(storeUnavailable(decoded.left));
        events.push(decoded.right);
      }
      return E.right(events);
    } catch (error) {
      return E.left(toStreamNotFound(error, streamId) ?? storeUnavailable(describeError(error)));
    }
  };

  /** The stream's last event, or undefined when the stream does not exist. */
  const lastOf = async (streamId: string): Promise<E.Either<StoreUnavailable, RecordedEvent | undefined>> => {
    const read = await readStreamRaw(streamId, { direction: 'backwards', maxCount: 1 });
    if (E.isRight(read)) return E.right(read.right[0]);
    return read.left._tag === 'StreamNotFound' ? E.right(undefined) : E.left(read.left);
  };

  /** An idempotent retry may come back without a position (the server wrote nothing); look it up. */
  const resultOf = async (
    streamId: string,
    result: ClientAppendResult,
  ): Promise<E.Either<AppendError, AppendResult>> => {
    const revision = toSafeNumber(result.nextExpectedRevision, 'revision');
    if (E.isLeft(revision)) return E.left(storeUnavailable(revision.left));
    if (result.position !== undefined) {
      const position = toSafeNumber(result.position.commit, 'position');
      if (E.isLeft(position)) return E.left(storeUnavailable(position.left));
      return E.right({ nextExpectedRevision: revision.right, position: position.right });
    }
    const read = await readStreamRaw(streamId, { fromRevision: revision.right, maxCount: 1 });
    const event = E.isRight(read) ? read.right[0] : undefined;
    if (event === undefined) return E.left(storeUnavailable(`append to ${streamId} returned no position`));
    return E.right({ nextExpectedRevision: revision.right, position: event.position });
  };

  /**
   * An empty append writes nothing; the client would report revision 0 for a missing stream, so the
   * expectation is checked against the stream's last event instead.
   */
  const appendNothing = async (
    streamId: string,
    expected: ExpectedRevision,
  ): Promise<E.Either<AppendError, AppendResult>> => {
    const last = await lastOf(streamId);
    if (E.isLeft(last)) return last;
    const actual = last.right === undefined ? 'no-stream' : last.right.revision;
    const holds =
      expected === 'any' ||
      (expected === 'no-stream' && actual === 'no-stream') ||
      (expected === 'stream-exists' && actual !== 'no-stream') ||
      expected === actual;
    if (!holds) return E.left({ _tag: 'WrongExpectedVersion', streamId, expected, actual });
    return E.right({
      nextExpectedRevision: last.right?.revision ?? -1,
      position: last.right?.position ?? -1,
    });
  };

  const append =
    (
      streamId: string,
      events: readonly EventToAppend[],
      expected: ExpectedRevision,
    ): TaskEither<AppendError, AppendResult> =>
    async () => {
      if (events.length === 0) return appendNothing(streamId, expected);
      try {
        const result = await client.appendToStream(streamId, events.map(toEventData), {
          expectedRevision: toExpectedRevision(expected),
        });
        return await resultOf(streamId, result);
      } catch (error) {
        return E.left(
          toWrongExpectedVersion(error, streamId, expected) ?? storeUnavailable(describeError(error)),
        );
      }
    };

  /**
   * The port's `fromPosition` is exclusive, the client's readAll position inclusive: the record at
   * the position itself is dropped. System records are filtered here (6.2.1's readAll takes no
   * filter), so a page may yield fewer events than asked for and the read goes on from its last record.
   */
  const readAll =
    (options: ReadAllOptions = {}): TaskEither<StoreUnavailable, readonly RecordedEvent[]> =>
    async () => {
      const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
      const events: RecordedEvent[] = [];
      let after: Position | undefined =
        options.fromPosition === undefined
          ? undefined
          : { commit: BigInt(options.fromPosition), prepare: BigInt(options.fromPosition) };
      try {
        while (events.length < limit) {
          const pageSize = Number.isFinite(limit)
            ? Math.max(limit - events.length + 1, MIN_PAGE)
            : Number.MAX_SAFE_INTEGER;
          const page = await collect(client.readAll({ fromPosition: after ?? START, maxCount: pageSize }));
          let last: Position | undefined;
          for (const resolved of page) {
            const commit = commitPositionOf(resolved);
            if (commit === undefined)
              return E.left(storeUnavailable('a record of $all came without a position'));
            if (after !== undefined && commit <= after.commit) continue;
            last = resolved.event?.position ?? { commit, prepare: commit };
            const record = resolved.event;
            if (
              events.length >= limit ||
              record === undefined ||
              isSystemRecord(record.streamId, record.type)
            )
              continue;
            const decoded = decodeRecord(resolved);
            if (E.isLeft(decoded)) return E.left(storeUnavailable(decoded.left));
            events.push(decoded.right);
          }
          if (page.length < pageSize || last === undefined) break;
          after = last;
        }
        return E.right(events);
      } catch (error) {
        return E.left(storeUnavailable(describeError(error)));
      }
    };

  const ping = (): TaskEither<StoreUnavailable, void> => async () => {
    const read = await lastOf(PROBE_STREAM);
    return E.isLeft(read) ? read : E.right(undefined);
  };

  return {
    append,
    readStream:
      (streamId, options = {}) =>
      () =>
        readStreamRaw(streamId, options),
    readAll,
    subscribeToAll: (handler, subscribeOptions = {}) => {
      const subscription = subscribeToAllWithReconnect(client, handler, subscribeOptions, {
        policy: { ...DEFAULT_RECONNECT, ...options.reconnect },
        delay: options.delay,
        catchUpTarget: lastUserPosition,
      });
      subscriptions.add(subscription);
      void subscription.finished.then(() => subscriptions.delete(subscription));
      return { unsubscribe: subscription.unsubscribe };
    },
    ping,
    close: async () => {
      await Promise.all([...subscriptions].map(async (s) => s.unsubscribe().then(() => s.finished)));
      await client.dispose();
    },
  };

  /**
   * The position of the last non-system event in the log, or undefined when there is none. Reading
   * backwards pages past runs of system records; whether the server includes the record at the
   * starting position is not relied on (docs/event-stores.md: backwards `$all` boundaries).
   */
  async function lastUserPosition(): Promise<bigint | undefined> {
    let before: Position | undefined;
    for (;;) {
      const page = await collect(
        client.readAll({ direction: BACKWARDS, fromPosition: before ?? END, maxCount: MIN_PAGE }),
      );
      let moved = false;
      for (const resolved of page) {
        const commit = commitPositionOf(resolved);
        if (commit === undefined || (before !== undefined && commit >= before.commit)) continue;
        const record = resolved.event;
        if (record !== undefined && !isSystemRecord(record.streamId, record.type)) return commit;
        before = record?.position ?? { commit, prepare: commit };
        moved = true;
      }
      if (page.length < MIN_PAGE || !moved) return undefined;
    }
  }
};
