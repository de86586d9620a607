import * as E from 'fp-ts/Either';
import type { Document, ListQuery, ReadModelStore } from '../../ports/read-models';

/** Documents are kept as JSON text, as in SQLite, so every read hands back a fresh copy. */
type Collection = Map<string, string>;

const parse = (json: string): Document => JSON.parse(json) as Document;

const matches = (doc: Document, where: ListQuery['where']): boolean =>
  Object.entries(where ?? {}).every(([field, value]) => doc[field] === value);

/** The reference ReadModelStore. A batch is staged first, so an update that throws applies nothing. */
export const createMemoryReadModelStore = (): ReadModelStore => {
  const collections = new Map<string, Collection>();
  const checkpoints = new Map<string, number>();
  const collection = (name: string): Collection => {
    const existing = collections.get(name);
    if (existing !== undefined) return existing;
    const created: Collection = new Map();
    collections.set(name, created);
    return created;
  };

  // async, so an update that throws (a projection bug) rejects the task instead of throwing at the caller.
  const applyAll: ReadModelStore['applyAll'] = (batches) => async () => {
    const staged = new Map<string, { collection: string; key: string; json: string | undefined }>();
    const moved = new Map<string, number>();
    const outcomes = batches.map(({ projection, position, changes }) => {
      const current = checkpoints.get(projection);
      if (current !== undefined && position <= current) return false;
      for (const change of changes) {
        const id = JSON.stringify([change.collection, change.key]);
        const before = staged.has(id)
          ? staged.get(id)?.json
          : collections.get(change.collection)?.get(change.key);
        const after = change.update(before === undefined ? undefined : parse(before));
        staged.set(id, {
          collection: change.collection,
          key: change.key,
          json: after && JSON.stringify(after),
        });
      }
      moved.set(projection, position);
      return true;
    });
    for (const { collection: name, key, json } of staged.values()) {
      if (json === undefined) collection(name).delete(key);
      else collection(name).set(key, json);
    }
    for (const [projection, position] of moved) checkpoints.set(projection, position);
    return E.right(outcomes);
  };

  return {
    checkpoint: (projection) => () => Promise.resolve(E.right(checkpoints.get(projection))),
    apply: (projection, position, changes) => async () =>
      E.map((outcomes: readonly boolean[]) => outcomes[0] === true)(
        await applyAll([{ projection, position, changes }])(),
      ),
    applyAll,
    get: (name, key) => () => {
      const json = collections.get(name)?.get(key);
      return Promise.resolve(E.right(json === undefined ? undefined : parse(json)));
    },
    list:
      (name, query = {}) =>
      () => {
        const docs: Document[] = [];
        const limit = query.limit ?? Infinity;
        const entries = [...(collections.get(name)?.entries() ?? [])].sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        for (const [, json] of entries) {
          if (docs.length >= limit) break;
          const doc = parse(json);
          if (matches(doc, query.where)) docs.push(doc);
        }
        return Promise.resolve(E.right(docs));
      },
    reset: (projection, names) => () => {
      for (const name of names) collections.delete(name);
      checkpoints.delete(projection);
      return Promise.resolve(E.right(undefined));
    },
  };
};
