import * as E from 'fp-ts/Either';
import type {
  AppendError,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  StoreUnavailable,
} from '../../ports/event-store';
import { decideAppend } from '../shared/append-decision';
import type { SqliteDatabase } from './database';
import { decodeEventRows, encodeEvent, EVENT_COLUMNS, type EncodedEvent, type EventRow } from './event-rows';
import { createGroupCommit } from './group-commit';
import { createEventTables } from './schema';
import { createNotifier, runSubscription } from '../shared/subscription';
import { type SyncFile, takeOverWalSync } from './wal-sync';

export interface SqliteEventStoreOptions {
  /** Called after each committed group with the number of appends it carried (for tests and benchmarks). */
  readonly onGroupCommitted?: (appends: number) => void;
  /** How the WAL is synced to disk (wal-sync.ts); tests hold it to see what waits for the disk. */
  readonly syncFile?: SyncFile;
  readonly now?: () => Date;
}

interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly EncodedEvent[];
  readonly expected: ExpectedRevision;
}
type AppendOutcome = E.Either<AppendError, AppendResult>;
type ReadResult = E.Either<StoreUnavailable, readonly RecordedEvent[]>;

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
 * a refused append rolls back alone. Subscriptions are woken by this store's own commits; writes
 * by another process are seen at the next local commit or by a new subscription.
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
  const wal = takeOverWalSync(db, () => notifier.notify(), options.syncFile);
  const subscriptions: { unsubscribe: () => Promise<void> }[] = [];
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
      const last = Math.max(0, ...outcomes.map((o) => (E.isRight(o) ? o.right.position : 0)));
      if (last > 0) {
        wal.committed(last);
        // Subscribers are woken when the group is on disk, unless it already is (no sync of our own).
        if (wal.isReadable(last)) notifier.notify();
      }
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
  /** Hands out events only once they are on disk (wal-sync.ts): waits for the sync if need be. */
  const durable = async (read: ReadResult): Promise<ReadResult> => {
    if (E.isLeft(read)) return read;
    const last = Math.max(0, ...read.right.map((e) => e.position));
    if (wal.isReadable(last)) return read;
    try {
      await wal.through(last);
      return read;
    } catch (error) {
      return E.left(unavailable(error));
    }
  };
  /** A subscription's page stops before the first event not yet on disk; the sync wakes it again. */
  const durablePage = (read: ReadResult): ReadResult => {
    if (E.isLeft(read)) return read;
    const pending = read.right.findIndex((e) => !wal.isReadable(e.position));
    return pending < 0 ? read : E.right(read.right.slice(0, pending));
  };

  return {
    append: (streamId, events, expected) => async () => {
      if (isClosed) return E.left(unavailable('the event store is closed'));
      const failed = wal.failure();
      if (failed !== undefined) return E.left(unavailable(failed));
      const outcome = await group.submit({
        streamId,
        events: events.map((e: EventToAppend) => encodeEvent(e)),
        expected,
      });
      if (E.isLeft(outcome)) return outcome;
      try {
        // Acknowledged only once on disk, as under synchronous=FULL.
        await wal.through(outcome.right.position);
        return outcome;
      } catch (error) {
        // Committed, but maybe not on disk: an unknown outcome; a retry with the same ids is idempotent.
        return E.left(unavailable(error));
      }
    },
    readStream:
      (streamId, readOptions = {}) =>
      async () => {
        try {
          const limit = readOptions.maxCount ?? -1;
          const rows =
            readOptions.direction === 'backwards'
              ? backwards.all(streamId, readOptions.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
              : forwards.all(streamId, readOptions.fromRevision ?? 0, limit);
          if (rows.length === 0 && lastOf.get(streamId) === undefined) {
            return E.left({ _tag: 'StreamNotFound', streamId });
          }
          return await durable(decodeEventRows(rows));
        } catch (error) {
          return E.left(unavailable(error));
        }
      },
    readAll:
      (readOptions = {}) =>
      async () =>
        durable(readPage(readOptions.fromPosition, readOptions.maxCount ?? -1)),
    subscribeToAll: (handler, subscribeOptions) => {
      const subscription = runSubscription(
        (p) => durablePage(readPage(p, PAGE)),
        notifier,
        handler,
        subscribeOptions,
      );
      subscriptions.push(subscription);
      return subscription;
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
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await wal.close();
    },
  };
};
