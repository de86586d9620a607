import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
// A namespace import for the type, so the published typings need no esModuleInterop from a consumer.
import type * as BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

/**
 * Opens (creating if needed) a database file for the event log, the read models, or both. A read
 * model's checkpoint always lives in the same file as its documents and commits with them.
 *
 * WAL lets readers run beside the writer; `synchronous=FULL` fsyncs every commit, because a
 * payment acknowledged to a caller must survive a power loss, not only a process crash
 * (NORMAL survives a process crash but not a power loss). The busy timeout lets a
 * second process (a CLI command beside the service) wait for the write lock instead of failing.
 *
 * The caller owns the handle: close the stores first, then `db.close()`.
 */
export interface SqliteOptions {
  /**
   * 'NORMAL' is for files holding only derived data (read models and their checkpoints): WAL keeps
   * them consistent through a crash, a power loss can only lose the newest commits, which the
   * projections re-apply from their checkpoint; and no fsync blocks the event loop per update.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

export const openSqliteDatabase = (path: string, options: SqliteOptions = {}): SqliteDatabase => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  return db;
};
