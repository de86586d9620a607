import * as E from 'fp-ts/Either';
import type { Pool, PoolClient } from 'pg';
import type {
  AppendError,
  AppendResult,
  EventStore,
  ExpectedRevision,
  StoreUnavailable,
} from '../../ports/event-store';
import { decideAppend } from '../shared/append-decision';
import { createNotifier, runSubscription } from '../shared/subscription';
import { decodeEventRows, EVENT_COLUMNS } from './event-rows';
import { createAsyncGroupCommit } from './group-commit';
import {
  APPEND_LOCK,
  ensureEventTables,
  errorMessage,
  EVENTS_CHANNEL,
  inTransaction,
  isUniqueViolation,
} from './schema';

export interface PostgresEventStoreOptions {
  /** Called after each committed group with the number of appends it carried (for tests and benchmarks). */
  readonly onGroupCommitted?: (appends: number) => void;
  readonly now?: () => Date;
  /** How long to wait before re-establishing a lost LISTEN connection. Default 1 s. */
  readonly relistenMs?: number;
  /**
   * How many times a subscription retries a read the server failed (a restart, a failover) before it
   * ends and reports through `onError`; the waits double from 100 ms up to 5 s. Default 12 (~35 s).
   */
  readonly subscriptionReadAttempts?: number;
}

interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}
interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly EncodedEvent[];
  readonly expected: ExpectedRevision;
}
type AppendOutcome = E.Either<AppendError, AppendResult>;

const unavailable = (error: unknown): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  message: errorMessage(error),
});
const NOT_SYSTEM = "left(type, 1) <> '$' AND left(stream_id, 1) <> '$'";
const PAGE = 512;

const INSERT = `
  INSERT INTO wpg_events (stream_id, revision, event_id, type, data, metadata, recorded_at)
  SELECT $1, $2::integer + e.ord::integer - 1, e.id, e.type, e.data, e.metadata, $7
  FROM unnest($3::text[], $4::text[], $5::json[], $6::json[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)
  ORDER BY e.ord
  RETURNING position::text AS position`;

const INSERT_MANY = `
  INSERT INTO wpg_events (stream_id, revision, event_id, type, data, metadata, recorded_at)
  SELECT e.stream_id, e.revision, e.id, e.type, e.data, e.metadata, $7
  FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::json[], $6::json[])
    WITH ORDINALITY AS e(stream_id, revision, id, type, data, metadata, ord)
  ORDER BY e.ord
  RETURNING stream_id, position::text AS position`;

/**
 * The PostgreSQL event store, for a log several processes share. The caller owns the pool (close
 * the store, then `pool.end()`); the store holds one of its connections for LISTEN while anyone
 * is subscribed. Tables are created on first use (schema.ts explains the ordering guarantee).
 *
 * Appends are grouped (group-commit.ts): one transaction per group takes the append lock, runs each
 * append in a SAVEPOINT (so its expected-revision check sees the earlier appends of the group and a
 * refused append rolls back alone), and NOTIFYs on commit. Subscriptions read pages from the table
 * and sleep until a NOTIFY from any process, or a commit of this one, wakes them.
 */
export const createPostgresEventStore = (pool: Pool, options: PostgresEventStoreOptions = {}): EventStore => {
  const now = options.now ?? (() => new Date());
  const relistenMs = options.relistenMs ?? 1000;
  const notifier = createNotifier();
  const subscriptions = new Set<{ unsubscribe: () => Promise<void> }>();
  let isClosed = false;

  const appendOne = async (
    client: PoolClient,
    { streamId, events, expected }: AppendRequest,
    recordedAt: Date,
  ): Promise<AppendOutcome> => {
    const lastRows = await client.query<{ revision: number; position: string }>(
      'SELECT revision, position::text AS position FROM wpg_events WHERE stream_id = $1 ORDER BY revision DESC LIMIT 1',
      [streamId],
    );
    const last = lastRows.rows[0];
    // Only a retry of revisions already taken needs their ids: fetch them in one read.
    const first = expected === 'no-stream' ? 0 : typeof expected === 'number' ? expected + 1 : undefined;
    const taken = new Map<number, { id: string; position: string }>();
    if (first !== undefined && last !== undefined && first <= last.revision && events.length > 0) {
      const rows = await client.query<{ revision: number; event_id: string; position: string }>(
        'SELECT revision, event_id, position::text AS position FROM wpg_events ' +
          'WHERE stream_id = $1 AND revision >= $2::bigint AND revision < $3::bigint',
        [streamId, first, first + events.length],
      );
      for (const row of rows.rows) taken.set(row.revision, { id: row.event_id, position: row.position });
    }
    const decision = decideAppend(last?.revision, expected, events, (r) => taken.get(r)?.id);
    switch (decision.kind) {
      case 'conflict':
        return E.left({ _tag: 'WrongExpectedVersion', streamId, expected, actual: decision.actual });
      case 'already-written':
        return E.right({
          nextExpectedRevision: decision.lastRevision,
          position: Number(taken.get(decision.lastRevision)?.position ?? 0),
        });
      case 'write': {
        if (events.length === 0)
          return E.right({
            nextExpectedRevision: decision.firstRevision - 1,
            position: Number(last?.position ?? 0),
          });
        const inserted = await client.query<{ position: string }>(INSERT, [
          streamId,
          decision.firstRevision,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.data),
          events.map((e) => e.metadata),
          recordedAt,
        ]);
        const position = Math.max(...inserted.rows.map((r) => Number(r.position)));
        return E.right({ nextExpectedRevision: decision.firstRevision + events.length - 1, position });
      }
    }
  };

  /** One append at a time, each in a SAVEPOINT: it sees the group's earlier appends, and fails alone. */
  const appendEach = async (
    client: PoolClient,
    requests: readonly AppendRequest[],
    recordedAt: Date,
  ): Promise<AppendOutcome[]> => {
    const results: AppendOutcome[] = [];
    for (const request of requests) {
      await client.query('SAVEPOINT append');
      try {
        results.push(await appendOne(client, request, recordedAt));
        await client.query('RELEASE SAVEPOINT append');
      } catch (error) {
        // A failure of this append alone (a bypassing writer took the revision, a value the
        // server refuses): undo it and go on with the group. A lost connection fails the rollback
        // and, through inTransaction, the whole group.
        await client.query('ROLLBACK TO SAVEPOINT append');
        if (!isUniqueViolation(error)) {
          results.push(E.left(unavailable(error)));
          continue;
        }
        const actual = await client.query<{ revision: number | null }>(
          'SELECT max(revision) AS revision FROM wpg_events WHERE stream_id = $1',
          [request.streamId],
        );
        results.push(
          E.left({
            _tag: 'WrongExpectedVersion',
            streamId: request.streamId,
            expected: request.expected,
            actual: actual.rows[0]?.revision ?? 'no-stream',
          }),
        );
      }
    }
    return results;
  };

  /**
   * The common case, in a constant number of statements whatever the group's size: one read of every
   * stream's last revision (and, for retries, of the ids at the revisions they name), the decisions
   * in memory, one multi-row INSERT. Only for groups whose appends touch distinct streams, so each
   * decision depends on the database alone; undefined sends the group to `appendEach`.
   */
  const appendAllAtOnce = async (
    client: PoolClient,
    requests: readonly AppendRequest[],
    recordedAt: Date,
  ): Promise<AppendOutcome[] | undefined> => {
    const streams = requests.map((r) => r.streamId);
    if (new Set(streams).size !== streams.length) return undefined;
    const lastRows = await client.query<{ stream_id: string; revision: number; position: string }>(
      'SELECT DISTINCT ON (stream_id) stream_id, revision, position::text AS position FROM wpg_events ' +
        'WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision DESC',
      [streams],
    );
    const last = new Map(lastRows.rows.map((r) => [r.stream_id, r]));
    const retries = requests.flatMap(({ streamId, events, expected }) => {
      const first = expected === 'no-stream' ? 0 : typeof expected === 'number' ? expected + 1 : undefined;
      const lastRevision = last.get(streamId)?.revision;
      return first !== undefined && lastRevision !== undefined && first <= lastRevision && events.length > 0
        ? [{ streamId, from: first, to: first + events.length }]
        : [];
    });
    const taken = new Map<string, { id: string; position: string }>();
    const at = (streamId: string, revision: number) => `${revision}\u0000${streamId}`;
    if (retries.length > 0) {
      const rows = await client.query<{
        stream_id: string;
        revision: number;
        event_id: string;
        position: string;
      }>(
        'SELECT e.stream_id, e.revision, e.event_id, e.position::text AS position FROM wpg_events e ' +
          'JOIN unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(stream_id, lo, hi) ' +
          'ON e.stream_id = r.stream_id AND e.revision >= r.lo AND e.revision < r.hi',
        [retries.map((r) => r.streamId), retries.map((r) => r.from), retries.map((r) => r.to)],
      );
      for (const row of rows.rows)
        taken.set(at(row.stream_id, row.revision), { id: row.event_id, position: row.position });
    }
    const results: (AppendOutcome | { write: number; request: AppendRequest })[] = requests.map((request) => {
      const { streamId, events, expected } = request;
      const stored = last.get(streamId);
      const decision = decideAppend(
        stored?.revision,
        expected,
        events,
        (r) => taken.get(at(streamId, r))?.id,
      );
      switch (decision.kind) {
        case 'conflict':
          return E.left({ _tag: 'WrongExpectedVersion', streamId, expected, actual: decision.actual });
        case 'already-written':
          return E.right({
            nextExpectedRevision: decision.lastRevision,
            position: Number(taken.get(at(streamId, decision.lastRevision))?.position ?? 0),
          });
        case 'write':
          return events.length === 0
            ? E.right({
                nextExpectedRevision: decision.firstRevision - 1,
                position: Number(stored?.position ?? 0),
              })
            : { write: decision.firstRevision, request };
      }
    });
    const writes = results.flatMap((r) => ('write' in r ? [r] : []));
    const positions = new Map<string, number>();
    if (writes.length > 0) {
      const rows = writes.flatMap(({ write, request }) =>
        request.events.map((e, i) => ({ streamId: request.streamId, revision: write + i, ...e })),
      );
      const inserted = await client.query<{ stream_id: string; position: string }>(INSERT_MANY, [
        rows.map((r) => r.streamId),
        rows.map((r) => r.revision),
        rows.map((r) => r.id),
        rows.map((r) => r.type),
        rows.map((r) => r.data),
        rows.map((r) => r.metadata),
        recordedAt,
      ]);
      for (const row of inserted.rows)
        positions.set(row.stream_id, Math.max(positions.get(row.stream_id) ?? 0, Number(row.position)));
    }
    return results.map((r) =>
      'write' in r
        ? E.right({
            nextExpectedRevision: r.write + r.request.events.length - 1,
            position: positions.get(r.request.streamId) ?? 0,
          })
        : r,
    );
  };

  const commitGroup = async (requests: readonly AppendRequest[]): Promise<AppendOutcome[]> => {
    await ensureEventTables(pool);
    const outcomes = await inTransaction(pool, async (client) => {
      // Statements without parameters share a round trip: the lock and the savepoint, then the
      // release and the notification (delivered to every listener when, and only if, the
      // transaction commits).
      await client.query(`SELECT pg_advisory_xact_lock(${APPEND_LOCK}); SAVEPOINT group_at_once`);
      const recordedAt = now();
      let atOnce: AppendOutcome[] | undefined;
      try {
        atOnce = await appendAllAtOnce(client, requests, recordedAt);
      } catch {
        // One append the server refuses fails the whole statement: redo the group one by one, so
        // that only that append fails.
        await client.query('ROLLBACK TO SAVEPOINT group_at_once');
      }
      if (atOnce !== undefined) {
        const notify = atOnce.some(E.isRight) ? `; NOTIFY ${EVENTS_CHANNEL}` : '';
        await client.query(`RELEASE SAVEPOINT group_at_once${notify}`);
        return atOnce;
      }
      const results = await appendEach(client, requests, recordedAt);
      if (results.some(E.isRight)) await client.query(`NOTIFY ${EVENTS_CHANNEL}`);
      return results;
    });
    options.onGroupCommitted?.(requests.length);
    if (outcomes.some(E.isRight)) notifier.notify();
    return outcomes;
  };
  const group = createAsyncGroupCommit<AppendRequest, AppendOutcome>(commitGroup, (error) =>
    E.left(unavailable(error)),
  );

  const queryPage = async (position: number | undefined, maxCount: number | null) => {
    await ensureEventTables(pool);
    const rows = await pool.query(
      `SELECT ${EVENT_COLUMNS} FROM wpg_events WHERE position > $1 AND ${NOT_SYSTEM} ORDER BY wpg_events.position LIMIT $2`,
      [position ?? 0, maxCount],
    );
    return rows.rows;
  };
  const readPage = async (position: number | undefined, maxCount: number | null) => {
    try {
      return decodeEventRows(await queryPage(position, maxCount));
    } catch (error) {
      return E.left(unavailable(error));
    }
  };
  /**
   * A subscription outlives a server restart: a failed query is retried with growing waits (a corrupt
   * row is not: it fails at once). Only when the server stays away does the subscription end.
   */
  const attempts = options.subscriptionReadAttempts ?? 12;
  const readPageRetrying = async (
    position: number | undefined,
  ): Promise<ReturnType<typeof decodeEventRows>> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return decodeEventRows(await queryPage(position, PAGE));
      } catch (error) {
        if (attempt >= attempts || isClosed) return E.left(unavailable(error));
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (attempt - 1), 5_000)));
      }
    }
  };

  // One LISTEN connection per store while anyone is subscribed. Until it listens, and after it is
  // lost, a notification may be missed: each (re)connection wakes the subscriptions for a re-read.
  let listener: PoolClient | undefined;
  let connecting = false;
  let relisten: NodeJS.Timeout | undefined;
  const stopListening = (error?: Error): void => {
    const client = listener;
    listener = undefined;
    if (client === undefined) return;
    client.removeAllListeners('notification');
    if (error !== undefined) {
      client.release(error);
      return;
    }
    client.query(`UNLISTEN ${EVENTS_CHANNEL}`).then(
      () => client.release(),
      (e: unknown) => client.release(e instanceof Error ? e : new Error(String(e))),
    );
  };
  const listen = (): void => {
    if (listener !== undefined || connecting || isClosed || subscriptions.size === 0) return;
    connecting = true;
    const retry = (): void => {
      connecting = false;
      notifier.notify(); // the subscriptions re-read now, and report the failure if reads fail too
      if (!isClosed && subscriptions.size > 0)
        relisten ??= setTimeout(() => ((relisten = undefined), listen()), relistenMs);
    };
    pool.connect().then(
      async (client) => {
        client.on('error', (error: Error) => {
          if (listener === client) stopListening(error);
          retry();
        });
        client.on('notification', () => notifier.notify());
        try {
          await client.query(`LISTEN ${EVENTS_CHANNEL}`);
        } catch (error) {
          client.release(error instanceof Error ? error : new Error(String(error)));
          retry();
          return;
        }
        connecting = false;
        listener = client;
        if (isClosed || subscriptions.size === 0) stopListening();
        notifier.notify();
      },
      () => retry(),
    );
  };
  const stopListeningIfIdle = (): void => {
    if (subscriptions.size > 0) return;
    if (relisten !== undefined) clearTimeout(relisten);
    relisten = undefined;
    stopListening();
  };

  return {
    append: (streamId, events, expected) => async () => {
      if (isClosed) return E.left(unavailable('the event store is closed'));
      let encoded: EncodedEvent[];
      try {
        encoded = events.map((e) => ({
          id: e.id,
          type: e.type,
          data: JSON.stringify(e.data) ?? 'null',
          metadata: JSON.stringify(e.metadata),
        }));
      } catch (error) {
        return E.left(unavailable(error)); // a value JSON cannot hold fails only its own caller
      }
      return group.submit({ streamId, events: encoded, expected });
    },
    readStream:
      (streamId, readOptions = {}) =>
      async () => {
        try {
          await ensureEventTables(pool);
          const isBackwards = readOptions.direction === 'backwards';
          const from = readOptions.fromRevision ?? (isBackwards ? Number.MAX_SAFE_INTEGER : 0);
          const rows = await pool.query(
            `SELECT ${EVENT_COLUMNS} FROM wpg_events WHERE stream_id = $1 AND revision ${isBackwards ? '<=' : '>='} $2::bigint ` +
              `ORDER BY revision ${isBackwards ? 'DESC' : ''} LIMIT $3`,
            [streamId, from, readOptions.maxCount ?? null],
          );
          if (rows.rows.length === 0) {
            const exists = await pool.query('SELECT 1 FROM wpg_events WHERE stream_id = $1 LIMIT 1', [
              streamId,
            ]);
            if (exists.rows.length === 0) return E.left({ _tag: 'StreamNotFound', streamId });
          }
          return decodeEventRows(rows.rows);
        } catch (error) {
          return E.left(unavailable(error));
        }
      },
    readAll:
      (readOptions = {}) =>
      () =>
        readPage(readOptions.fromPosition, readOptions.maxCount ?? null),
    subscribeToAll: (handler, subscribeOptions = {}) => {
      const ended = (): void => {
        subscriptions.delete(subscription);
        stopListeningIfIdle();
      };
      const subscription = runSubscription(readPageRetrying, notifier, handler, {
        ...subscribeOptions,
        onError: (error) => {
          ended();
          subscribeOptions.onError?.(error);
        },
      });
      subscriptions.add(subscription);
      listen();
      return {
        unsubscribe: async () => {
          await subscription.unsubscribe();
          ended();
        },
      };
    },
    ping: () => async () => {
      try {
        await pool.query('SELECT 1');
        return E.right(undefined);
      } catch (error) {
        return E.left(unavailable(error));
      }
    },
    close: async () => {
      isClosed = true;
      await group.drained();
      const open = [...subscriptions];
      subscriptions.clear();
      await Promise.all(open.map((s) => s.unsubscribe()));
      stopListeningIfIdle();
    },
  };
};
