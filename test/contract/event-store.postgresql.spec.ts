import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { Pool } from 'pg';
import { createPostgresEventStore, createPostgresPool } from '../../src/adapters/postgresql';
import type { EventStore, EventToAppend, RecordedEvent } from '../../src/ports/event-store';
import { usePostgres } from '../support/postgres';
import { eventStoreContract } from './event-store.contract';

/** Against a real PostgreSQL server (test/support/postgres.ts), one fresh database per test. */
const server = usePostgres();

const metadata = {
  correlationId: 'c',
  causationId: 'c',
  recordedAt: '2026-01-01T00:00:00.000Z',
  actor: 'system',
  schemaVersion: 1,
};

const openDatabase = async () => {
  const url = await server().createDatabase();
  const pools: Pool[] = [];
  const pool = (): Pool => {
    const p = createPostgresPool(url, 4);
    pools.push(p);
    return p;
  };
  return {
    pool,
    close: async () => {
      await Promise.all(pools.map((p) => p.end()));
      await server().dropDatabase(url);
    },
  };
};

eventStoreContract('postgresql', async () => {
  const db = await openDatabase();
  const pool = db.pool();
  const store = createPostgresEventStore(pool);
  let injected = 0;
  return {
    store,
    teardown: async () => {
      await store.close();
      await db.close();
    },
    // Straight into the table, as another writer (or a migration) could, past the adapter's own append.
    injectSystemEvent: async () => {
      await store.ping()();
      await store.readAll({ maxCount: 0 })(); // creates the tables
      const insert =
        'INSERT INTO wpg_events (stream_id, revision, event_id, type, data, metadata, recorded_at) ' +
        "VALUES ($1, $2, $3, $4, '{}', $5, now())";
      await pool.query(insert, [
        `$stats-pg`,
        injected,
        randomUUID(),
        'StatsCollected',
        JSON.stringify(metadata),
      ]);
      await pool.query(insert, [
        `system-${injected}`,
        0,
        randomUUID(),
        '$metadata',
        JSON.stringify(metadata),
      ]);
      injected += 1;
    },
  };
});

const anEvent = (n: number): EventToAppend => ({ id: randomUUID(), type: 'Happened', data: { n }, metadata });
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

describe('PostgreSQL event store, several stores on one database (as several instances are)', () => {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let stores: EventStore[];
  beforeEach(async () => {
    db = await openDatabase();
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await db.close();
  });
  const open = (options: Parameters<typeof createPostgresEventStore>[1] = {}): EventStore => {
    const store = createPostgresEventStore(db.pool(), options);
    stores.push(store);
    return store;
  };

  it('a subscription wakes for appends made through another connection pool, by NOTIFY', async () => {
    const [reader, writer] = [open(), open()];
    const seen: RecordedEvent[] = [];
    let wake: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => {
      reader.subscribeToAll(
        async (e) => {
          seen.push(e);
          if (seen.length === 3) wake();
        },
        { onCaughtUp: resolve },
      );
    });
    await caughtUp;
    const delivered = new Promise<void>((resolve) => (wake = resolve));
    right(await writer.append('s-1', [anEvent(1), anEvent(2)], 'no-stream')());
    right(await writer.append('s-2', [anEvent(3)], 'no-stream')());
    await delivered;
    expect(seen.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('a subscription survives the loss of every connection (a server restart), and wakes again', async () => {
    const [reader, writer] = [open({ relistenMs: 50 }), open()];
    const seen: RecordedEvent[] = [];
    const waiters: { n: number; resolve: () => void }[] = [];
    const until = (n: number) =>
      seen.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
    await new Promise<void>((resolve) =>
      reader.subscribeToAll(
        async (e) => {
          seen.push(e);
          for (const w of waiters.filter((w) => seen.length >= w.n)) w.resolve();
        },
        { onCaughtUp: resolve },
      ),
    );
    right(await writer.append('before', [anEvent(1)], 'no-stream')());
    await until(1);
    // As a restart does: the server ends every session of the database, the LISTEN one included.
    const admin = db.pool();
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    // The writer's first try may meet a pooled connection the server has just ended: StoreUnavailable,
    // which callers retry (the same event id makes the retry idempotent).
    const after = [anEvent(2)];
    let appended = await writer.append('after', after, 'no-stream')();
    for (let i = 0; i < 3 && E.isLeft(appended) && appended.left._tag === 'StoreUnavailable'; i += 1)
      appended = await writer.append('after', after, 'no-stream')();
    right(appended);
    await until(2);
    expect(seen.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('concurrent appends from several stores: subscribers see every event once, in position order', async () => {
    const writers = [open(), open(), open()];
    const reader = open();
    const total = 3 * 40;
    const seen: RecordedEvent[] = [];
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    reader.subscribeToAll(async (e) => {
      seen.push(e);
      if (seen.length === total) done();
    });
    await Promise.all(
      writers.flatMap((w, i) =>
        Array.from({ length: 40 }, (_, j) => w.append(`w${i}-${j % 5}`, [anEvent(i * 100 + j)], 'any')()),
      ),
    );
    await all;
    const log = right(await reader.readAll()());
    expect(seen.map((e) => e.position)).toEqual(log.map((e) => e.position));
    expect(new Set(seen.map((e) => e.id)).size).toBe(total);
    const positions = seen.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('groups concurrent appends of one store into fewer transactions', async () => {
    const groups: number[] = [];
    const store = open({ onGroupCommitted: (n) => groups.push(n) });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append(`g-${i}`, [anEvent(i)], 'no-stream')()),
    );
    expect(results.every(E.isRight)).toBe(true);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(50);
    expect(groups.length).toBeLessThan(50);
  });

  it('refuses a value the server cannot store for its own append only, not the rest of the group', async () => {
    const store = open();
    const [bad, good] = await Promise.all([
      store.append('nul\u0000stream', [anEvent(1)], 'any')(),
      store.append('fine', [anEvent(2)], 'no-stream')(),
    ]);
    expect(E.isLeft(bad) && bad.left._tag).toBe('StoreUnavailable');
    expect(right(good!).nextExpectedRevision).toBe(0);
  });
});
