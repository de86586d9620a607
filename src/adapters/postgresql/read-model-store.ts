import * as E from 'fp-ts/Either';
import type { Pool, PoolClient } from 'pg';
import type {
  Document,
  ListQuery,
  ProjectionBatch,
  ReadModelStore,
  ReadModelUnavailable,
} from '../../ports/read-models';
import { ensureReadModelTables, errorMessage, inTransaction, READ_MODEL_LOCK_SPACE } from './schema';

const unavailable = (error: unknown): ReadModelUnavailable => ({
  _tag: 'ReadModelUnavailable',
  message: errorMessage(error),
});

/** A projection's own update threw: a bug, which propagates (after the rollback) instead of becoming a Left. */
class ProjectionBug {
  constructor(readonly error: unknown) {}
}

const asDocument = (doc: unknown): Document => {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error('stored read-model document is not an object');
  return doc as Document;
};

/**
 * Read models in PostgreSQL, normally the log's database. `apply` and `applyAll` are one transaction
 * holding the checkpoint checks, every document change and the new checkpoints (ports/read-models.ts).
 * Each projection's advisory lock, taken in name order, serialises two runners of one projection.
 *
 * Documents are jsonb: `where` is a containment test (`doc @> {"field": value}`), which compares
 * JSON types as well as values, as the memory store's `===` does. Keys sort in byte order (COLLATE "C").
 */
export const createPostgresReadModelStore = (pool: Pool): ReadModelStore => {
  const guarded =
    <A>(run: () => Promise<A>) =>
    async (): Promise<E.Either<ReadModelUnavailable, A>> => {
      try {
        await ensureReadModelTables(pool);
        return E.right(await run());
      } catch (error) {
        if (error instanceof ProjectionBug) throw error.error;
        return E.left(unavailable(error));
      }
    };

  const applyAll = (client: PoolClient, batches: readonly ProjectionBatch[]): Promise<boolean[]> =>
    (async () => {
      const names = [...new Set(batches.map((b) => b.projection))].sort();
      for (const name of names)
        await client.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2))', [
          READ_MODEL_LOCK_SPACE,
          name,
        ]);
      const staged = new Map<string, { collection: string; key: string; doc: Document | undefined }>();
      const outcomes: boolean[] = [];
      for (const { projection, position, changes } of batches) {
        const current = await client.query<{ position: string }>(
          'SELECT position::text AS position FROM wpg_read_model_checkpoints WHERE projection = $1',
          [projection],
        );
        const stored = current.rows[0];
        if (stored !== undefined && position <= Number(stored.position)) {
          outcomes.push(false);
          continue;
        }
        for (const change of changes) {
          const id = `${change.collection}\u0000${change.key}`;
          let entry = staged.get(id);
          if (entry === undefined) {
            const found = await client.query<{ doc: unknown }>(
              'SELECT doc FROM wpg_read_model_documents WHERE collection = $1 AND key = $2',
              [change.collection, change.key],
            );
            const row = found.rows[0];
            entry = {
              collection: change.collection,
              key: change.key,
              doc: row === undefined ? undefined : asDocument(row.doc),
            };
            staged.set(id, entry);
          }
          try {
            entry.doc = change.update(entry.doc);
          } catch (error) {
            throw new ProjectionBug(error);
          }
        }
        await client.query(
          'INSERT INTO wpg_read_model_checkpoints (projection, position) VALUES ($1, $2) ' +
            'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
          [projection, position],
        );
        outcomes.push(true);
      }
      for (const { collection, key, doc } of staged.values()) {
        if (doc === undefined)
          await client.query('DELETE FROM wpg_read_model_documents WHERE collection = $1 AND key = $2', [
            collection,
            key,
          ]);
        else
          await client.query(
            'INSERT INTO wpg_read_model_documents (collection, key, doc) VALUES ($1, $2, $3::jsonb) ' +
              'ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc',
            [collection, key, JSON.stringify(doc)],
          );
      }
      return outcomes;
    })();

  return {
    checkpoint: (projection) =>
      guarded(async () => {
        const rows = await pool.query<{ position: string }>(
          'SELECT position::text AS position FROM wpg_read_model_checkpoints WHERE projection = $1',
          [projection],
        );
        const row = rows.rows[0];
        return row === undefined ? undefined : Number(row.position);
      }),
    apply: (projection, position, changes) =>
      guarded(async () => {
        const [applied] = await inTransaction(pool, (c) => applyAll(c, [{ projection, position, changes }]));
        return applied === true;
      }),
    applyAll: (batches) => guarded(() => inTransaction(pool, (c) => applyAll(c, batches))),
    get: (collection, key) =>
      guarded(async () => {
        const rows = await pool.query<{ doc: unknown }>(
          'SELECT doc FROM wpg_read_model_documents WHERE collection = $1 AND key = $2',
          [collection, key],
        );
        const row = rows.rows[0];
        return row === undefined ? undefined : asDocument(row.doc);
      }),
    list: (collection, query: ListQuery = {}) =>
      guarded(async () => {
        const rows = await pool.query<{ doc: unknown }>(
          'SELECT doc FROM wpg_read_model_documents WHERE collection = $1 AND doc @> $2::jsonb ' +
            'ORDER BY key COLLATE "C" LIMIT $3',
          [collection, JSON.stringify(query.where ?? {}), query.limit ?? null],
        );
        return rows.rows.map((r) => asDocument(r.doc));
      }),
    reset: (projection, collections) =>
      guarded(() =>
        inTransaction(pool, async (client) => {
          await client.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2))', [
            READ_MODEL_LOCK_SPACE,
            projection,
          ]);
          await client.query('DELETE FROM wpg_read_model_documents WHERE collection = ANY($1::text[])', [
            [...collections],
          ]);
          await client.query('DELETE FROM wpg_read_model_checkpoints WHERE projection = $1', [projection]);
        }),
      ),
  };
};
