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

/**
 * A copy of plain data with JSON's meaning (`JSON.parse(JSON.stringify(value))`): undefined,
 * function and symbol members dropped (null in arrays), non-finite numbers null, -0 as 0, `toJSON`
 * honoured, `__proto__` an own key.
 * Several times cheaper than the text round trip, and the copies share their strings.
 */
export const jsonCopy = (value: unknown): unknown => {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // `+ 0` turns -0 into 0, as its JSON text "0" does.
      return Number.isFinite(value) ? value + 0 : null;
    case 'object': {
      if (value === null) return null;
      const withJson = value as { toJSON?: unknown };
      if (typeof withJson.toJSON === 'function') return jsonCopy((withJson.toJSON as () => unknown)());
      if (Array.isArray(value)) {
        const items = value as readonly unknown[];
        const result: unknown[] = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i += 1) result[i] = jsonCopy(items[i]) ?? null;
        return result;
      }
      const source = value as Record<string, unknown>;
      const result: Record<string, unknown> = {};
      for (const key of Object.keys(source)) {
        const member = source[key];
        // Records are mostly strings and numbers: copied here, without a call each.
        const copied =
          typeof member === 'string' || typeof member === 'boolean'
            ? member
            : typeof member === 'number'
              ? Number.isFinite(member)
                ? member + 0
                : null
              : jsonCopy(member);
        if (copied === undefined) continue;
        if (key === '__proto__') {
          Object.defineProperty(result, key, {
            value: copied,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          result[key] = copied;
        }
      }
      return result;
    }
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined;
  }
};

export const memoryStore = (): KeyValueStore => {
  // Copied in and out, as JSON would, so the memory store has the same copy semantics as SQLite.
  const kinds = new Map<string, Map<string, unknown>>();
  const bucket = (kind: string): Map<string, unknown> => {
    const existing = kinds.get(kind);
    if (existing !== undefined) return existing;
    const created = new Map<string, unknown>();
    kinds.set(kind, created);
    return created;
  };
  return {
    get: (kind, key) => jsonCopy(bucket(kind).get(key)),
    put: (kind, key, value) => {
      bucket(kind).set(key, jsonCopy(value));
    },
    list: (kind) =>
      [...bucket(kind).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => jsonCopy(v)),
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
