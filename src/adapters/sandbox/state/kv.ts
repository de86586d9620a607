import Database from 'better-sqlite3';

/**
 * Where the sandbox keeps its records: JSON documents by kind and key. In memory by default; in a
 * SQLite file when persistence is asked for, so orders and the ledger survive a restart.
 */
export interface KeyValueStore {
  readonly get: (kind: string, key: string) => unknown;
  readonly put: (kind: string, key: string, value: unknown) => void;
  readonly list: (kind: string) => readonly unknown[];
  readonly close: () => void;
}

export const memoryStore = (): KeyValueStore => {
  // Stored as JSON text so the memory store has the same copy semantics as SQLite.
  const kinds = new Map<string, Map<string, string>>();
  const bucket = (kind: string): Map<string, string> => {
    const existing = kinds.get(kind);
    if (existing !== undefined) return existing;
    const created = new Map<string, string>();
    kinds.set(kind, created);
    return created;
  };
  return {
    get: (kind, key) => {
      const text = bucket(kind).get(key);
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    put: (kind, key, value) => {
      bucket(kind).set(key, JSON.stringify(value));
    },
    list: (kind) =>
      [...bucket(kind).entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, v]) => JSON.parse(v) as unknown),
    close: () => undefined,
  };
};

export const sqliteStore = (file: string): KeyValueStore => {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, key))',
  );
  const getStatement = db.prepare<[string, string], { json: string }>(
    'SELECT json FROM docs WHERE kind = ? AND key = ?',
  );
  const putStatement = db.prepare<[string, string, string]>(
    'INSERT INTO docs (kind, key, json) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET json = excluded.json',
  );
  const listStatement = db.prepare<[string], { json: string }>(
    'SELECT json FROM docs WHERE kind = ? ORDER BY key',
  );
  return {
    get: (kind, key) => {
      const row = getStatement.get(kind, key);
      return row === undefined ? undefined : (JSON.parse(row.json) as unknown);
    },
    put: (kind, key, value) => {
      putStatement.run(kind, key, JSON.stringify(value));
    },
    list: (kind) => listStatement.all(kind).map((row) => JSON.parse(row.json) as unknown),
    close: () => db.close(),
  };
};
