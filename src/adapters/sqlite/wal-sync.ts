import { closeSync, fdatasync, fsync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqliteDatabase } from './database';

/**
 * When this store's own commits are on disk. `synchronous=FULL` in WAL mode is NORMAL plus one sync
 * of the WAL file after each commit (sqlite.org/pragma.html#pragma_synchronous), done inside COMMIT
 * on the calling thread: the event loop stood still for every fsync, which under load was most of
 * the time a payment spent in the service. This does that same sync on libuv's thread pool instead,
 * and keeps FULL's promise by withholding what is not yet synced: an append is acknowledged, a
 * subscription woken and a read answered only with events already on disk.
 */
export interface WalSync {
  /** Our commits now reach `position`. */
  readonly committed: (position: number) => void;
  /** Resolves once our commits up to `position` are on disk; rejects if the disk failed us. */
  readonly through: (position: number) => Promise<void>;
  /** A row at `position` may be handed out: it is on disk, or another connection committed it. */
  readonly isReadable: (position: number) => boolean;
  /** Set once a sync failed: what was committed may not be on disk, so nothing more is trusted. */
  readonly failure: () => Error | undefined;
  /** Waits for the syncs under way and releases the file handles. */
  readonly close: () => Promise<void>;
}

/** Syncs a file's data; `fdatasync`, as SQLite's own unix VFS does. */
export type SyncFile = (fd: number) => Promise<void>;

const syncData: SyncFile = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
const syncAll: SyncFile = (fd) =>
  new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

/** For a database that needs no sync of its own (in memory, or opened with NORMAL on purpose). */
const alreadyDurable: WalSync = {
  committed: () => undefined,
  through: () => Promise.resolve(),
  isReadable: () => true,
  failure: () => undefined,
  close: () => Promise.resolve(),
};

/**
 * Takes over the per-commit sync of a file database opened in WAL mode with `synchronous=FULL`
 * (switching the connection to NORMAL, which keeps the syncs at checkpoints and WAL resets); any
 * other database is left as it is. `onDurable` runs each time more of our commits reach the disk.
 */
export const takeOverWalSync = (
  db: SqliteDatabase,
  onDurable: () => void,
  syncFile: SyncFile = syncData,
): WalSync => {
  const isWal = String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
  if (db.memory || !isWal || db.pragma('synchronous', { simple: true }) !== 2) return alreadyDurable;
  db.pragma('synchronous = NORMAL');

  const walPath = `${db.name}-wal`;
  let walFd: number | undefined;
  let isDirectorySynced = false;
  let committed = 0;
  let durable = 0;
  let failed: Error | undefined;
  let running: Promise<void> | undefined;
  let waiters: { position: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  const settle = (): void => {
    const due = waiters.filter((w) => failed !== undefined || w.position <= durable);
    if (due.length === 0) return;
    waiters = waiters.filter((w) => !due.includes(w));
    for (const w of due) {
      if (failed === undefined) w.resolve();
      else w.reject(failed);
    }
  };

  const syncOnce = async (): Promise<void> => {
    const target = committed;
    // The WAL exists once the first transaction has been written through this connection.
    walFd ??= openSync(walPath, 'r+');
    await syncFile(walFd);
    if (!isDirectorySynced) {
      // A new WAL file's directory entry must be on disk too, as SQLite syncs it under FULL.
      const dirFd = openSync(dirname(walPath), 'r');
      try {
        await syncAll(dirFd);
      } finally {
        closeSync(dirFd);
      }
      isDirectorySynced = true;
    }
    durable = Math.max(durable, target);
  };

  // One sync at a time; commits landing meanwhile are covered by the next, which starts at once.
  const run = (): void => {
    if (running !== undefined || failed !== undefined) return;
    running = syncOnce().then(
      () => {
        running = undefined;
        settle();
        onDurable();
        if (committed > durable) run();
      },
      (error: unknown) => {
        running = undefined;
        failed = new Error(`the WAL could not be synced to disk: ${String(error)}`);
        settle();
      },
    );
  };

  const isReadable = (position: number): boolean => position <= durable || position > committed;
  return {
    committed: (position) => {
      committed = Math.max(committed, position);
      run();
    },
    through: (position) => {
      if (failed !== undefined) return Promise.reject(failed);
      if (isReadable(position)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ position, resolve, reject });
        run();
      });
    },
    isReadable,
    failure: () => failed,
    close: async () => {
      while (running !== undefined) await running;
      if (walFd !== undefined) closeSync(walFd);
      walFd = undefined;
    },
  };
};
