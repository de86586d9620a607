import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { openSqliteDatabase } from '../../../../src/adapters/sqlite/database';
import { createSqliteEventStore } from '../../../../src/adapters/sqlite/event-store';
import {
  acquireSqliteInstanceLock,
  instanceLockPath,
  type SqliteInstanceLock,
} from '../../../../src/adapters/sqlite/instance-lock';

describe('the SQLite instance lock', () => {
  let dir: string;
  let log: string;
  const held: SqliteInstanceLock[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-instance-lock-'));
    log = join(dir, 'events.db');
  });
  afterEach(() => {
    for (const lock of held.splice(0)) lock.release();
    rmSync(dir, { recursive: true, force: true });
  });
  const acquire = () => {
    const result = acquireSqliteInstanceLock(log);
    if (E.isRight(result)) held.push(result.right);
    return result;
  };

  it('is a file of its own beside the log', () => {
    expect(instanceLockPath(log)).toBe(join(dir, 'events.instance.lock'));
    expect(E.isRight(acquire())).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['events.instance.holder', 'events.instance.lock']);
  });

  it('refuses a second holder, even through another connection of the same process, and names the first', () => {
    expect(E.isRight(acquire())).toBe(true);
    const second = acquire();
    if (E.isRight(second)) throw new Error('a second holder got the lock');
    expect(second.left).toMatchObject({
      _tag: 'InstanceLocked',
      logPath: log,
      holder: { pid: process.pid, startedAt: expect.any(String) as string },
    });
    expect(second.left.message).toContain(log);
    expect(second.left.message).toContain(`pid ${process.pid}`);
    expect(second.left.message).toContain('One process per SQLite log drives the sagas');
    expect(second.left.message).toContain('PostgreSQL or EventStoreDB');
  });

  it('is free again once released, and a release is safe to repeat', () => {
    const first = acquire();
    if (E.isLeft(first)) throw new Error(first.left.message);
    first.right.release();
    first.right.release();
    expect(readdirSync(dir)).toEqual(['events.instance.lock']);
    expect(E.isRight(acquire())).toBe(true);
  });

  it('leaves the log itself to readers and writers of other connections', async () => {
    expect(E.isRight(acquire())).toBe(true);
    const db = openSqliteDatabase(log);
    const store = createSqliteEventStore(db);
    try {
      expect(E.isRight(await store.readAll()())).toBe(true);
    } finally {
      await store.close();
      db.close();
    }
  });
});
