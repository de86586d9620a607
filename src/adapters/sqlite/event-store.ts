import * as E from 'fp-ts/Either';
import type {
  AppendError,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  StoreUnavailable,
} from '../../ports/event-store';
import { decideAppend } from '../shared/append-decision';
import type { SqliteDatabase } from './database';
import { decodeEventRows, encodeEvent, EVENT_COLUMNS, type EncodedEvent, type EventRow } from './event-rows';
import { createGroupCommit } from './group-commit';
import { createEventTables } from './schema';
import { createNotifier, runSubscription } from '../shared/subscription';

export interface SqliteEventStoreOptions {
  /** Called after each committed group with the number of appends it carried (for tests and benchmarks). */
  readonly onGroupCommitted?: (appends: number) => void;
  readonly now?: () => Date;
  /**
   * How often a store with live subscriptions checks the file for appends by other processes
   * (`PRAGMA data_version`, one cheap read); 0 turns the check off. Default 50 ms.
   */
  readonly crossProcessPollMs?: number;
}

const CROSS_PROCESS_POLL_MS = 50;

interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly EncodedEvent[];
  readonly expected: ExpectedRevision;
}
type AppendOutcome = E.Either<AppendError, AppendResult>;

const unavailable = (error: unknown): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  message: `sqlite: ${error instanceof Error ? error.message : String(error)}`,
});
const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
const NOT_SYSTEM = "substr(type, 1, 1) <> '$' AND substr(stream_id, 1, 1) <> '$'";
const PAGE = 512;

/**
 * The embedded event store. Every append runs in its own SAVEPOINT inside a group transaction
 * (see group-commit.ts), so its expected-revision check sees every earlier append of the group and
 * a refused append rolls back alone. Subscriptions are woken at once by this store's own commits,
 * and within `crossProcessPollMs` by another process's: SQLite has no cross-process notification,
 * so while anyone is subscribed the store polls the file's `data_version`, which changes only when
 * another connection commits.
 */
export const createSqliteEventStore = (
  db: SqliteDatabase,
  options: SqliteEventStoreOptions = {},
): EventStore => {
  createEventTables(db);
  const now = options.now ?? (() => new Date());
  const lastOf = db.prepare<[string], { revision: number; position: number }>(
    'SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
  );
  const atRevision = db.prepare<[string, number], { event_id: string; position: number }>(
    'SELECT event_id, position FROM events WHERE stream_id = ? AND revision = ?',
  );
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const forwards = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    )
    .raw();
  const backwards = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    )
    .raw();
  const fromLog = db
    .prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND ${NOT_SYSTEM} ORDER BY position LIMIT ?`,
    )
    .raw();
  const ping = db.prepare('SELECT 1');
  const notifier = createNotifier();
  const subscriptions = new Set<{ unsubscribe: () => Promise<void> }>();
  const pollMs = options.crossProcessPollMs ?? CROSS_PROCESS_POLL_MS;
  const dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');
  let poll: NodeJS.Timeout | undefined;
  let seenVersion = 0;
  const watchOtherProcesses = (): void => {
    if (poll !== undefined || pollMs <= 0) return;
    try {
      seenVersion = dataVersion.get()?.data_version ?? 0;
    } catch {
      return; // A closed or failing handle: the subscription's first read reports it.
    }
    poll = setInterval(() => {
      try {
        const version = dataVersion.get()?.data_version ?? 0;
        if (version === seenVersion) return;
        seenVersion = version;
        notifier.notify();
      } catch {
        // A closed or failing handle: the subscriptions' own reads report it.
        notifier.notify();
      }
    }, pollMs);
    // Not unref'd: a process that only projects (nothing else on its event loop) must stay up while
    // subscribed. The timer ends with the last subscription, or with close().
  };
  const stopWatchingIfIdle = (): void => {
    if (subscriptions.size > 0 || poll === undefined) return;
    clearInterval(poll);
    poll = undefined;
  };
  let isClosed = false;

  const appendOne = (request: AppendRequest, recordedAt: string): AppendOutcome => {
    const { streamId, events, expected } = request;
    const last = lastOf.get(streamId);
    const decision = decideAppend(
      last?.revision,
      expected,
      events,
      (r) => atRevision.get(streamId, r)?.event_id,
    );
    switch (decision.kind) {
      case 'conflict':
        return E.left({ _tag: 'WrongExpectedVersion', streamId, expected, actual: decision.actual });
      case 'already-written':
        return E.right({
          nextExpectedRevision: decision.lastRevision,
          position: atRevision.get(streamId, decision.lastRevision)?.position ?? 0,
        });
      case 'write': {
        let position = last?.position ?? 0;
        events.forEach((e, i) => {
          const info = insert.run(
            streamId,
            decision.firstRevision + i,
            e.id,
            e.type,
            e.data,
            e.metadata,
            recordedAt,
          );
          position = Number(info.lastInsertRowid);
        });
        return E.right({ nextExpectedRevision: decision.firstRevision + events.length - 1, position });
      }
    }
  };
  // A nested better-sqlite3 transaction is a SAVEPOINT: a throw rolls back this append alone.
  const appendInSavepoint = db.transaction(appendOne);
  const commitGroup = db.transaction((requests: readonly AppendRequest[]): AppendOutcome[] => {
    const recordedAt = now().toISOString();
    return requests.map((request) => {
      try {
        return appendInSavepoint(request, recordedAt);
      } catch (error) {
        // SQLite aborted the whole transaction (I/O error, disk full): the group is lost as one.
        if (!db.inTransaction) throw error;
        if (!isUniqueViolation(error)) return E.left(unavailable(error));
        const actual = lastOf.get(request.streamId)?.revision ?? 'no-stream';
        return E.left({
          _tag: 'WrongExpectedVersion',
          streamId: request.streamId,
          expected: request.expected,
          actual,
        });
      }
    });
  });
  const group = createGroupCommit<AppendRequest, AppendOutcome>(
    (requests) => {
      const outcomes = commitGroup.immediate(requests);
      options.onGroupCommitted?.(requests.length);
      if (outcomes.some(E.isRight)) notifier.notify();
      return outcomes;
    },
    (error) => E.left(unavailable(error)),
  );

  const readPage = (position: number | undefined, maxCount: number) => {
    try {
      return decodeEventRows(fromLog.all(position ?? 0, maxCount));
    } catch (error) {
      return E.left(unavailable(error));
    }
  };

  return {
    append: (streamId, events, expected) => async () => {
      if (isClosed) return E.left(unavailable('the event store is closed'));
      return group.submit({ streamId, events: events.map((e: EventToAppend) => encodeEvent(e)), expected });
    },
    readStream:
      (streamId, readOptions = {}) =>
      async () => {
        try {
          const limit = readOptions.maxCount ?? -1;
          const isBackwards = readOptions.direction === 'backwards';
          const from = readOptions.fromRevision ?? (isBackwards ? Number.MAX_SAFE_INTEGER : 0);
          const rows = isBackwards
            ? backwards.all(streamId, from, limit)
            : forwards.all(streamId, from, limit);
          // Revisions start at 0 with no gaps: nothing from 0 onwards means no stream, without asking again.
          const mustAsk = isBackwards || from > 0 || limit === 0;
          if (rows.length === 0 && (!mustAsk || lastOf.get(streamId) === undefined)) {
            return E.left({ _tag: 'StreamNotFound', streamId });
          }
          return decodeEventRows(rows);
        } catch (error) {
          return E.left(unavailable(error));
        }
      },
    readAll:
      (readOptions = {}) =>
      async () =>
        readPage(readOptions.fromPosition, readOptions.maxCount ?? -1),
    subscribeToAll: (handler, subscribeOptions = {}) => {
      const ended = (): void => {
        subscriptions.delete(subscription);
        stopWatchingIfIdle();
      };
      const subscription = runSubscription((p) => readPage(p, PAGE), notifier, handler, {
        ...subscribeOptions,
        onError: (error) => {
          ended();
          subscribeOptions.onError?.(error);
        },
      });
      const tracked = {
        unsubscribe: async () => {
          await subscription.unsubscribe();
          ended();
        },
      };
      subscriptions.add(subscription);
      watchOtherProcesses();
      return tracked;
    },
    ping: () => async () => {
      try {
        ping.get();
        return E.right(undefined);
      } catch (error) {
        return E.left(unavailable(error));
      }
    },
    close: async () => {
      isClosed = true;
      group.flush();
      const open = [...subscriptions];
      subscriptions.clear();
      stopWatchingIfIdle();
      await Promise.all(open.map((s) => s.unsubscribe()));
    },
  };
};
