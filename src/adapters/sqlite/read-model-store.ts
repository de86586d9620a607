import * as E from 'fp-ts/Either';
import type {
  Document,
  ListQuery,
  ProjectionBatch,
  ReadModelStore,
  ReadModelUnavailable,
} from '../../ports/read-models';
import type { SqliteDatabase } from './database';
import { createReadModelTables } from './schema';

const unavailable = (error: unknown): ReadModelUnavailable => ({
  _tag: 'ReadModelUnavailable',
  message: `sqlite: ${error instanceof Error ? error.message : String(error)}`,
});

/** Only SQLite failures are "unavailable"; anything else (an update that throws) is a bug and propagates. */
const isSqliteError = (error: unknown): boolean => error instanceof Error && error.name === 'SqliteError';

const parseDocument = (json: unknown): Document => {
  const doc: unknown = typeof json === 'string' ? JSON.parse(json) : undefined;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error('stored read-model document is not an object');
  return doc as Document;
};

/**
 * `where` compares JSON types as well as values, so `{ amount: 100 }` never matches the string
 * "100" nor `{ isFinal: true }` the number 1, exactly as the memory store's `===` does.
 */
const whereClause = (where: ListQuery['where']): { sql: string; params: unknown[] } => {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [field, value] of Object.entries(where ?? {})) {
    if (field.includes('"'))
      throw new Error(`a read-model field name cannot contain a double quote: ${field}`);
    const path = `$."${field}"`;
    if (typeof value === 'boolean') {
      parts.push('json_type(doc, ?) = ?');
      params.push(path, value ? 'true' : 'false');
    } else if (typeof value === 'number') {
      parts.push("json_type(doc, ?) IN ('integer', 'real') AND json_extract(doc, ?) = ?");
      params.push(path, path, value);
    } else {
      parts.push("json_type(doc, ?) = 'text' AND json_extract(doc, ?) = ?");
      params.push(path, path, value);
    }
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
};

/**
 * Read models in the same database as the event log. `apply` and `applyAll` are one IMMEDIATE
 * transaction holding the checkpoint checks, every document change and the new checkpoints, so a
 * crash leaves each read model exactly at its checkpoint (ports/read-models.ts).
 */
export const createSqliteReadModelStore = (db: SqliteDatabase): ReadModelStore => {
  createReadModelTables(db);
  const checkpointOf = db
    .prepare<[string], number>('SELECT position FROM read_model_checkpoints WHERE projection = ?')
    .pluck();
  const setCheckpoint = db.prepare(
    'INSERT INTO read_model_checkpoints (projection, position) VALUES (?, ?) ' +
      'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
  );
  const docOf = db
    .prepare<[string, string], string>(
      'SELECT doc FROM read_model_documents WHERE collection = ? AND key = ?',
    )
    .pluck();
  const upsert = db.prepare(
    'INSERT INTO read_model_documents (collection, key, doc) VALUES (?, ?, ?) ' +
      'ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc',
  );
  const remove = db.prepare('DELETE FROM read_model_documents WHERE collection = ? AND key = ?');
  const dropCollection = db.prepare('DELETE FROM read_model_documents WHERE collection = ?');
  const dropCheckpoint = db.prepare('DELETE FROM read_model_checkpoints WHERE projection = ?');

  // Documents a transaction has touched, by collection and key: each is read and parsed once, and
  // written once at the end however many changes of the batch it received.
  const applyAllInTransaction = db.transaction((batches: readonly ProjectionBatch[]): boolean[] => {
    const staged = new Map<string, { collection: string; key: string; doc: Document | undefined }>();
    const outcomes = batches.map(({ projection, position, changes }) => {
      const current = checkpointOf.get(projection);
      if (current !== undefined && position <= current) return false;
      for (const change of changes) {
        const id = `${change.collection}\u0000${change.key}`;
        let entry = staged.get(id);
        if (entry === undefined) {
          const json = docOf.get(change.collection, change.key);
          entry = {
            collection: change.collection,
            key: change.key,
            doc: json === undefined ? undefined : parseDocument(json),
          };
          staged.set(id, entry);
        }
        entry.doc = change.update(entry.doc);
      }
      setCheckpoint.run(projection, position);
      return true;
    });
    for (const { collection, key, doc } of staged.values()) {
      if (doc === undefined) remove.run(collection, key);
      else upsert.run(collection, key, JSON.stringify(doc));
    }
    return outcomes;
  });
  const resetInTransaction = db.transaction((projection: string, collections: readonly string[]) => {
    for (const collection of collections) dropCollection.run(collection);
    dropCheckpoint.run(projection);
  });

  const guarded =
    <A>(run: () => A) =>
    async (): Promise<E.Either<ReadModelUnavailable, A>> => {
      try {
        return E.right(run());
      } catch (error) {
        if (isSqliteError(error)) return E.left(unavailable(error));
        throw error;
      }
    };

  return {
    checkpoint: (projection) => guarded(() => checkpointOf.get(projection)),
    apply: (projection, position, changes) =>
      guarded(() => applyAllInTransaction.immediate([{ projection, position, changes }])[0] === true),
    applyAll: (batches) => guarded(() => applyAllInTransaction.immediate(batches)),
    get: (collection, key) =>
      guarded(() => {
        const json = docOf.get(collection, key);
        return json === undefined ? undefined : parseDocument(json);
      }),
    list: (collection, query = {}) =>
      guarded(() => {
        const where = whereClause(query.where);
        const rows = db
          .prepare(
            `SELECT doc FROM read_model_documents WHERE collection = ?${where.sql} ORDER BY key LIMIT ?`,
          )
          .pluck()
          .all(collection, ...where.params, query.limit ?? -1);
        return rows.map(parseDocument);
      }),
    reset: (projection, collections) => guarded(() => resetInTransaction.immediate(projection, collections)),
  };
};
