import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase } from '../../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../../src/adapters/sqlite/event-store';
import { createSqliteReadModelStore } from '../../../../src/adapters/sqlite/read-model-store';

const metadata = {
  correlationId: 'c',
  causationId: 'c',
  recordedAt: '2026-01-01T00:00:00.000Z',
  actor: 'test',
  schemaVersion: 1,
};

describe('sqlite database', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wpg-db-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is opened with WAL, synchronous=FULL and a busy timeout, creating its directory', () => {
    const path = join(dir, 'a', 'b', 'events.db');
    const db = openSqliteDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    db.close();
  });

  it('holds the log, the read models and their checkpoints in one file, all there after reopening', async () => {
    const path = join(dir, 'events.db');
    const db = openSqliteDatabase(path);
    const events = createSqliteEventStore(db);
    const readModels = createSqliteReadModelStore(db);
    const appended = await events.append(
      'order-1:T1',
      [{ id: randomUUID(), type: 'OrderSubmitted', data: {}, metadata }],
      'no-stream',
    )();
    if (E.isLeft(appended)) throw new Error('append failed');
    await readModels.apply('payments', appended.right.position, [
      { collection: 'payments', key: 'T1', update: () => ({ status: 'SUBMITTED' }) },
    ])();
    await events.close();
    db.close();

    const reopened = openSqliteDatabase(path);
    const log = await createSqliteEventStore(reopened).readAll()();
    const store = createSqliteReadModelStore(reopened);
    expect(E.isRight(log) && log.right.map((e) => e.type)).toEqual(['OrderSubmitted']);
    expect(await store.get('payments', 'T1')()).toEqual(E.right({ status: 'SUBMITTED' }));
    expect(await store.checkpoint('payments')()).toEqual(E.right(appended.right.position));
    reopened.close();
  });
});
