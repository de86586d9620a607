import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/Either';
import Database from 'better-sqlite3';

/** Another process already drives the sagas of this SQLite log. */
export interface InstanceLocked {
  readonly _tag: 'InstanceLocked';
  readonly logPath: string;
  /** Who holds the lock, as it wrote itself down; undefined if it has not yet (or the note is gone). */
  readonly holder: InstanceHolder | undefined;
  readonly message: string;
}

export interface InstanceHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface SqliteInstanceLock {
  /** Gives the lock up (a graceful stop); the process's end does too, however it ends. */
  readonly release: () => void;
}

const stem = (eventsDbPath: string): string =>
  join(dirname(eventsDbPath), basename(eventsDbPath).replace(/\.db$/, ''));
export const instanceLockPath = (eventsDbPath: string): string => `${stem(eventsDbPath)}.instance.lock`;
const holderPath = (eventsDbPath: string): string => `${stem(eventsDbPath)}.instance.holder`;

const readHolder = (path: string): InstanceHolder | undefined => {
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as Partial<InstanceHolder>;
    return typeof note.pid === 'number' && typeof note.host === 'string' && typeof note.startedAt === 'string'
      ? { pid: note.pid, host: note.host, startedAt: note.startedAt }
      : undefined;
  } catch {
    return undefined;
  }
};

const lockedMessage = (logPath: string, holder: InstanceHolder | undefined): string =>
  `the SQLite log ${logPath} is already driven by another service process ` +
  `(${holder === undefined ? 'holder unknown' : `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`}). ` +
  'One process per SQLite log drives the sagas; commands such as wpg audit or wpg replay may still read it ' +
  'beside that process. Stop it first, or, to run several service instances on one log, use PostgreSQL or ' +
  'EventStoreDB (WPG_EVENT_STORE).';

const isBusy = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  String(error.code).startsWith('SQLITE_BUSY');

/**
 * One service process per SQLite log: the log's saga leases are exclusive (every partition to its
 * one driver), so a second service on the same file would drive the same sagas twice.
 *
 * The lock is a SQLite file of its own beside the log, held by an open exclusive transaction in
 * exclusive locking mode: an OS file lock, which the OS drops when the process ends, kill -9
 * included, so a crash never leaves a stale lock. It is not the log's own file, which readers (the
 * projections of other processes, `wpg` commands) must still be able to open. A held lock cannot
 * be read, so the holder writes its pid and start time in a note beside it, for the refusal to name.
 */
export const acquireSqliteInstanceLock = (
  eventsDbPath: string,
): E.Either<InstanceLocked, SqliteInstanceLock> => {
  const lockPath = instanceLockPath(eventsDbPath);
  const notePath = holderPath(eventsDbPath);
  mkdirSync(dirname(lockPath), { recursive: true });
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // Nothing is ever written: no journal file, so none is left beside the lock after a kill.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (!isBusy(error)) throw error;
    const holder = readHolder(notePath);
    return E.left({
      _tag: 'InstanceLocked',
      logPath: eventsDbPath,
      holder,
      message: lockedMessage(eventsDbPath, holder),
    });
  }
  const holder: InstanceHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(notePath, `${JSON.stringify(holder)}\n`);
  let isHeld = true;
  return E.right({
    release: () => {
      if (!isHeld) return;
      isHeld = false;
      rmSync(notePath, { force: true });
      db.close();
    },
  });
};
