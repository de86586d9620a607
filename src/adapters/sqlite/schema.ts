import type { SqliteDatabase } from './database';

/**
 * The log. `position` is the rowid, so it is assigned in commit order by the single writer and is
 * strictly increasing; `UNIQUE(stream_id, revision)` is the concurrency guard of last resort,
 * should two writers ever get past the expected-revision check.
 */
export const createEventTables = (db: SqliteDatabase): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY,
      stream_id   TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      event_id    TEXT    NOT NULL,
      type        TEXT    NOT NULL,
      data        TEXT    NOT NULL,
      metadata    TEXT    NOT NULL,
      recorded_at TEXT    NOT NULL,
      UNIQUE (stream_id, revision)
    );
  `);
};

export const createReadModelTables = (db: SqliteDatabase): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS read_model_documents (
      collection TEXT NOT NULL,
      key        TEXT NOT NULL,
      doc        TEXT NOT NULL,
      PRIMARY KEY (collection, key)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS read_model_checkpoints (
      projection TEXT    PRIMARY KEY,
      position   INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
};
