import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { createEventStoreDbEventStore } from '../../../src/adapters/eventstoredb';
import { openSqliteDatabase } from '../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../src/adapters/sqlite/event-store';
import { createMemoryEventStore } from '../../../src/adapters/memory/event-store';
import { createStreamSagaLeases } from '../../../src/adapters/shared/stream-saga-leases';
import { copyLog, migrateStoreCommand } from '../../../src/main/commands/migrate-store';
import {
  SAGA_LEASES_STREAM,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '../../../src/ports';
import { startEsdbEmulator, type EsdbEmulator } from '../../support/esdb-emulator/server';

const event = (id: string, type: string): EventToAppend => ({
  id,
  type,
  data: { type, amount: { total: 100, currency: 'HKD' } },
  metadata: {
    correlationId: 'c-1',
    causationId: 'c-0',
    recordedAt: '2026-01-01T00:00:00.000Z',
    actor: 'test',
    schemaVersion: 1,
  },
});
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

/** What must survive a migration: everything but the positions, which belong to each store. */
const portable = (events: readonly RecordedEvent[]) => events.map(({ position: _p, ...rest }) => rest);

const withStore = async <A>(
  connectionString: string,
  work: (store: EventStore) => Promise<A>,
): Promise<A> => {
  const store = createEventStoreDbEventStore(connectionString);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
};

describe('wpg migrate-store (SQLite to EventStoreDB, protocol-level emulator)', () => {
  let dir: string;
  let sqlitePath: string;
  let source: readonly RecordedEvent[];
  let emulator: EsdbEmulator;
  let out: string;
  let err: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-migrate-'));
    sqlitePath = join(dir, 'events.db');
    const db = openSqliteDatabase(sqlitePath);
    const store = createSqliteEventStore(db);
    right(
      await store.append(
        'order-1:T1',
        [event(uuid(1), 'OrderSubmitted'), event(uuid(2), 'OrderDispatched')],
        'no-stream',
      )(),
    );
    right(await store.append('refund-1:R1', [event(uuid(3), 'RefundRequested')], 'no-stream')());
    right(await store.append('order-1:T1', [event(uuid(4), 'OrderSucceeded')], 1)());
    right(
      await store.append(
        'order-2:T2',
        [event(uuid(5), 'OrderSubmitted'), event(uuid(6), 'OrderPaying'), event(uuid(7), 'OrderSucceeded')],
        'no-stream',
      )(),
    );
    right(await store.append('refund-1:R1', [event(uuid(8), 'RefundSucceeded')], 0)());
    source = right(await store.readAll()());
    await store.close();
    db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    emulator = await startEsdbEmulator({ seedSystemEvents: true });
    out = '';
    err = '';
    jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await emulator.stop();
  });

  const migrate = (to = emulator.connectionString) =>
    migrateStoreCommand(['--from', `sqlite:${sqlitePath}`, '--to', to]);
  const targetLog = () =>
    withStore(emulator.connectionString, async (store) => right(await store.readAll()()));

  it('copies the whole log in global order, keeping streams, revisions, ids, data and metadata', async () => {
    expect(await migrate()).toBe(0);
    const target = await targetLog();
    expect(portable(target)).toEqual(portable(source));
    expect(out).toContain('copied 8 events of 3 streams');
  });

  it('a re-run writes nothing twice', async () => {
    expect(await migrate()).toBe(0);
    expect(await migrate()).toBe(0);
    expect(portable(await targetLog())).toEqual(portable(source));
  });

  it('resumes an interrupted copy whose last append covered only part of an original one', async () => {
    await withStore(emulator.connectionString, async (store) => {
      right(await store.append('order-1:T1', [event(uuid(1), 'OrderSubmitted')], 'no-stream')());
    });
    expect(await migrate()).toBe(0);
    expect(portable(await targetLog())).toEqual(portable(source));
  });

  it('stops with exit code 1 when the target holds a different event at a revision', async () => {
    await withStore(emulator.connectionString, async (store) => {
      right(await store.append('order-1:T1', [event(uuid(99), 'SomethingElse')], 'no-stream')());
    });
    expect(await migrate()).toBe(1);
    expect(err).toContain('order-1:T1@0');
    expect(err).toContain('not a copy of the source');
  });

  it('shows progress on a terminal, and never prints the credentials of a connection string', async () => {
    const isTty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      const withCredentials = emulator.connectionString.replace('esdb://', 'esdb://admin:changeit@');
      expect(await migrate(withCredentials)).toBe(0);
    } finally {
      if (isTty === undefined) Reflect.deleteProperty(process.stderr, 'isTTY');
      else Object.defineProperty(process.stderr, 'isTTY', isTty);
    }
    expect(err).toContain('\rcopied 8 events of 3 streams');
    expect(out + err).not.toContain('changeit');
    expect(out).toContain('esdb://***@127.0.0.1');
  });

  it('refuses bad usage with exit code 2 and writes nothing', async () => {
    expect(await migrateStoreCommand(['--from', `sqlite:${sqlitePath}`])).toBe(2);
    expect(await migrateStoreCommand(['--from', `sqlite:${sqlitePath}`, '--to', 'redis://nowhere'])).toBe(2);
    expect(
      await migrateStoreCommand([
        '--from',
        `sqlite:${join(dir, 'missing.db')}`,
        '--to',
        emulator.connectionString,
      ]),
    ).toBe(2);
    expect(
      await migrateStoreCommand(['--from', `sqlite:${sqlitePath}`, '--to', `sqlite:${sqlitePath}`]),
    ).toBe(2);
    expect(await migrateStoreCommand(['--to', emulator.connectionString, '--verbose'])).toBe(2);
    expect(
      await migrateStoreCommand([
        '--from',
        `sqlite:${sqlitePath}`,
        '--to',
        'esdb://127.0.0.1:2113?tls=maybe',
      ]),
    ).toBe(2);
    expect(err).toContain('invalid EventStoreDB connection string');
    expect(err).toContain('--to: ');
    expect(err).toContain('no such file');
    expect(emulator.calls.filter((c) => c.endsWith('/Append') || c.endsWith('/BatchAppend'))).toEqual([]);
  });

  it('--help prints the usage and exits 0', async () => {
    expect(await migrateStoreCommand(['--help'])).toBe(0);
    expect(out).toContain('wpg migrate-store --from <store> --to <store>');
  });
});

describe('migrate-store and the saga lease table', () => {
  it('leaves the source’s lease stream behind, and the target’s own untouched', async () => {
    const source = createMemoryEventStore();
    const target = createMemoryEventStore();
    const claim = { ttlMs: 1_000, wanted: [0, 1], limit: 2 };
    let now = 0;
    const sourceLeases = createStreamSagaLeases(source, { now: () => (now += 5_000) });
    right(await sourceLeases.claim({ ...claim, owner: 'old-a' })());
    right(await source.append('order-1:T1', [event(uuid(1), 'OrderSubmitted')], 'no-stream')());
    right(await sourceLeases.claim({ ...claim, owner: 'old-b' })());
    right(await source.append('order-1:T1', [event(uuid(2), 'OrderDispatched')], 0)());
    // A service already ran on the target: its lease stream must not meet the source's.
    right(await createStreamSagaLeases(target).claim({ ...claim, owner: 'new' })());
    const targetLeases = right(await target.readStream(SAGA_LEASES_STREAM)());

    const copied = right(await copyLog(source, target));
    expect(copied).toMatchObject({ events: 2, streams: 1 });
    const business = (log: readonly RecordedEvent[]) => log.filter((e) => e.streamId !== SAGA_LEASES_STREAM);
    expect(portable(business(right(await target.readAll()())))).toEqual(
      portable(business(right(await source.readAll()()))),
    );
    expect(right(await target.readStream(SAGA_LEASES_STREAM)())).toEqual(targetLeases);
  });
});
