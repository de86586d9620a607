import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase, type SqliteDatabase } from '../../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../../src/adapters/sqlite/event-store';
import type { EventStore, EventToAppend } from '../../../../src/ports/event-store';

const metadata = {
  correlationId: 'c',
  causationId: 'c',
  recordedAt: '2026-01-01T00:00:00.000Z',
  actor: 'test',
  schemaVersion: 1,
};
const anEvent = (type = 'Happened'): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata });

describe('sqlite group commit', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: EventStore;
  let groups: number[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-group-'));
    db = openSqliteDatabase(join(dir, 'events.db'));
    groups = [];
    store = createSqliteEventStore(db, { onGroupCommitted: (appends) => groups.push(appends) });
  });
  afterEach(async () => {
    await store.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const revisions = async (streamId: string) => {
    const read = await store.readStream(streamId)();
    return E.isRight(read) ? read.right.map((e) => e.type) : read.left._tag;
  };

  it('appends issued together commit in one transaction, and a refused one does not fail its neighbours', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 9 }, (_, i) => store.append(`s-${i}`, [anEvent(`E${i}`)], 'no-stream')()),
      store.append('s-missing', [anEvent()], 3)(),
    ]);
    expect(groups).toEqual([10]);
    expect(results.slice(0, 9).every(E.isRight)).toBe(true);
    expect(results[9]).toEqual(
      E.left({ _tag: 'WrongExpectedVersion', streamId: 's-missing', expected: 3, actual: 'no-stream' }),
    );
    expect(await revisions('s-4')).toEqual(['E4']);
    expect(await revisions('s-missing')).toBe('StreamNotFound');
  });

  it('within a group, each append sees the ones before it on the same stream', async () => {
    const [first, second, stale] = await Promise.all([
      store.append('s', [anEvent('A')], 'no-stream')(),
      store.append('s', [anEvent('B')], 0)(),
      store.append('s', [anEvent('C')], 'no-stream')(),
    ]);
    expect(groups).toEqual([3]);
    expect(E.isRight(first) && E.isRight(second)).toBe(true);
    expect(stale).toEqual(
      E.left({ _tag: 'WrongExpectedVersion', streamId: 's', expected: 'no-stream', actual: 1 }),
    );
    expect(await revisions('s')).toEqual(['A', 'B']);
  });

  it('an append that fails part-way rolls back alone', async () => {
    await store.append('s', [anEvent('A')], 'no-stream')();
    // A trigger planted behind the adapter makes the third insert of the append fail.
    db.exec(
      "CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.type = 'Poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
    );
    const [failed, neighbour] = await Promise.all([
      store.append('s', [anEvent('B'), anEvent('C'), anEvent('Poison')], 0)(),
      store.append('t', [anEvent('T')], 'no-stream')(),
    ]);
    expect(groups).toEqual([1, 2]);
    expect(E.isLeft(failed) && failed.left._tag).toBe('StoreUnavailable');
    expect(E.isRight(neighbour)).toBe(true);
    expect(await revisions('s')).toEqual(['A']);
    expect(await revisions('t')).toEqual(['T']);
  });

  it('when the transaction itself fails, every append of the group reports StoreUnavailable', async () => {
    const pending = [store.append('a', [anEvent()], 'any')(), store.append('b', [anEvent()], 'any')()];
    db.close();
    const results = await Promise.all(pending);
    for (const r of results) expect(E.isLeft(r) && r.left._tag).toBe('StoreUnavailable');
  });

  it('appends issued one after another each commit on their own', async () => {
    await store.append('s', [anEvent()], 'no-stream')();
    await store.append('s', [anEvent()], 0)();
    expect(groups).toEqual([1, 1]);
  });
});
