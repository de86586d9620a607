import { randomUUID } from 'node:crypto';
import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase, type SqliteDatabase } from '../../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../../src/adapters/sqlite/event-store';
import type { EventStore, EventToAppend, RecordedEvent } from '../../../../src/ports/event-store';

const metadata = {
  correlationId: 'c',
  causationId: 'c',
  recordedAt: '2026-01-01T00:00:00.000Z',
  actor: 'test',
  schemaVersion: 1,
};
const anEvent = (type = 'Happened'): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata });

/** A disk whose syncs finish (or fail) only when the test says so. */
const heldDisk = () => {
  const pending: { fd: number; finish: () => void; fail: (e: Error) => void }[] = [];
  return {
    syncFile: (fd: number) =>
      new Promise<void>((finish, fail) => {
        pending.push({ fd, finish, fail });
      }),
    pending,
    finishAll: () => {
      for (const p of pending.splice(0)) p.finish();
    },
  };
};

/** Whether a promise has settled, after letting every ready callback run. */
const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe('sqlite WAL sync off the event loop', () => {
  let dir: string;
  let path: string;
  let db: SqliteDatabase;
  let store: EventStore | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-walsync-'));
    path = join(dir, 'events.db');
    db = openSqliteDatabase(path);
  });
  afterEach(async () => {
    await store?.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges, reads and delivers an append only once the WAL is synced', async () => {
    const disk = heldDisk();
    store = createSqliteEventStore(db, { syncFile: disk.syncFile });
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: the per-commit sync is ours

    const delivered: RecordedEvent[] = [];
    const subscription = store.subscribeToAll(async (e) => void delivered.push(e));
    const append = store.append('s', [anEvent('A')], 'no-stream')();
    expect(await settledYet(append)).toBe(false);
    // Committed, so visible to SQL, but not handed out by any read of the store.
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    const readStream = store.readStream('s')();
    const readAll = store.readAll()();
    expect(await settledYet(readStream)).toBe(false);
    expect(await settledYet(readAll)).toBe(false);
    expect(delivered).toEqual([]);

    expect(disk.pending).toHaveLength(1);
    expect(fstatSync(disk.pending[0]?.fd ?? -1).ino).toBe(statSync(`${path}-wal`).ino);
    disk.finishAll();

    expect(E.isRight(await append)).toBe(true);
    const read = await readStream;
    expect(E.isRight(read) && read.right.map((e) => e.type)).toEqual(['A']);
    expect(E.isRight(await readAll)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered.map((e) => e.type)).toEqual(['A']);
    await subscription.unsubscribe();
  });

  it('covers commits that land during a sync with the next one', async () => {
    const disk = heldDisk();
    store = createSqliteEventStore(db, { syncFile: disk.syncFile });
    const first = store.append('a', [anEvent()], 'no-stream')();
    await settledYet(first);
    const second = store.append('b', [anEvent()], 'no-stream')();
    await settledYet(second);
    expect(disk.pending).toHaveLength(1); // one sync at a time
    disk.finishAll();
    expect(E.isRight(await first)).toBe(true);
    expect(await settledYet(second)).toBe(false);
    expect(disk.pending).toHaveLength(1);
    disk.finishAll();
    expect(E.isRight(await second)).toBe(true);
  });

  it('after a failed sync, answers the waiting append as unavailable and refuses every later one', async () => {
    const disk = heldDisk();
    store = createSqliteEventStore(db, { syncFile: disk.syncFile });
    const append = store.append('s', [anEvent()], 'no-stream')();
    await settledYet(append);
    const read = store.readStream('s')();
    disk.pending.splice(0).forEach((p) => p.fail(new Error('EIO')));
    expect(await append).toEqual(E.left({ _tag: 'StoreUnavailable', message: expect.stringMatching(/EIO/) }));
    expect(await read).toEqual(E.left({ _tag: 'StoreUnavailable', message: expect.stringMatching(/EIO/) }));
    expect(await store.append('t', [anEvent()], 'no-stream')()).toEqual(
      E.left({ _tag: 'StoreUnavailable', message: expect.stringMatching(/could not be synced/) }),
    );
  });

  it('leaves a database opened with NORMAL alone: acknowledged at commit, no sync of its own', async () => {
    db.close();
    db = openSqliteDatabase(path, { synchronous: 'NORMAL' });
    const disk = heldDisk();
    store = createSqliteEventStore(db, { syncFile: disk.syncFile });
    expect(E.isRight(await store.append('s', [anEvent()], 'no-stream')())).toBe(true);
    expect(disk.pending).toHaveLength(0);
  });
});
