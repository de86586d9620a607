import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { createPostgresEventStore, createPostgresPool } from '../../src/adapters/postgresql';
import { openSqliteDatabase } from '../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../src/adapters/sqlite/event-store';
import { migrateStoreCommand } from '../../src/main/commands/migrate-store';
import type { EventStore, EventToAppend, RecordedEvent } from '../../src/ports';
import { usePostgres } from '../support/postgres';

/** `wpg migrate-store` to and from PostgreSQL, against a real server. */
const server = usePostgres();

const event = (n: number, type: string): EventToAppend => ({
  id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  type,
  data: { type, amount: { total: 100 + n, currency: 'HKD' } },
  metadata: {
    correlationId: 'c-1',
    causationId: 'c-0',
    recordedAt: '2026-01-01T00:00:00.000Z',
    actor: 'test',
    schemaVersion: 1,
  },
});
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};
/** Everything but the positions, which belong to each store. */
const portable = (events: readonly RecordedEvent[]) => events.map(({ position: _p, ...rest }) => rest);

const withSqlite = async <A>(path: string, work: (store: EventStore) => Promise<A>): Promise<A> => {
  const db = openSqliteDatabase(path);
  const store = createSqliteEventStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
    db.close();
  }
};
const withPostgres = async <A>(url: string, work: (store: EventStore) => Promise<A>): Promise<A> => {
  const pool = createPostgresPool(url);
  const store = createPostgresEventStore(pool);
  try {
    return await work(store);
  } finally {
    await store.close();
    await pool.end();
  }
};
const writeLog = async (store: EventStore): Promise<void> => {
  right(
    await store.append(
      'order-1:T1',
      [event(1, 'OrderSubmitted'), event(2, 'OrderDispatched')],
      'no-stream',
    )(),
  );
  right(await store.append('refund-1:R1', [event(3, 'RefundRequested')], 'no-stream')());
  right(await store.append('order-1:T1', [event(4, 'OrderSucceeded')], 1)());
  right(await store.append('refund-1:R1', [event(5, 'RefundSucceeded')], 0)());
};

describe('wpg migrate-store with PostgreSQL', () => {
  let dir: string;
  let url: string;
  let out: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-migrate-pg-'));
    url = await server().createDatabase();
    out = '';
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
    await server().dropDatabase(url);
  });

  it('copies a SQLite log into PostgreSQL, and a re-run writes nothing twice', async () => {
    const sqlite = join(dir, 'events.db');
    const source = await withSqlite(sqlite, async (store) => {
      await writeLog(store);
      return right(await store.readAll()());
    });
    expect(await migrateStoreCommand(['--from', `sqlite:${sqlite}`, '--to', url])).toBe(0);
    expect(await migrateStoreCommand(['--from', `sqlite:${sqlite}`, '--to', url])).toBe(0);
    const target = await withPostgres(url, async (store) => right(await store.readAll()()));
    expect(portable(target)).toEqual(portable(source));
    expect(out).toContain('copied 5 events of 2 streams');
    expect(out).not.toContain('postgres@'); // the connection string's user part is masked
  });

  it('copies a PostgreSQL log into SQLite', async () => {
    const source = await withPostgres(url, async (store) => {
      await writeLog(store);
      return right(await store.readAll()());
    });
    const sqlite = join(dir, 'copy.db');
    expect(await migrateStoreCommand(['--from', url, '--to', `sqlite:${sqlite}`])).toBe(0);
    const target = await withSqlite(sqlite, async (store) => right(await store.readAll()()));
    expect(portable(target)).toEqual(portable(source));
  });
});
