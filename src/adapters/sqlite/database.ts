import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the one database file that holds the event log, the read models and
 * their checkpoints, so a projection's checkpoint commits in the same transaction as its documents.
 *
 * WAL lets readers run beside the writer; `synchronous=FULL` fsyncs every commit, because a
 * payment acknowledged to a caller must survive a power loss, not only a process crash
 * (eventstoredb.md §4: NORMAL survives a crash but not a power loss). The busy timeout lets a
 * second process (a CLI command beside the service) wait for the write lock instead of failing.
 *
 * The caller owns the handle: close the stores first, then `db.close()`.
 */
export const openSqliteDatabase = (path: string): SqliteDatabase => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
};
