import * as E from 'fp-ts/Either';
import type { Projection } from '../../../../src/application/projections';
import type { Document, EventStore, ReadModelStore, RecordedEvent } from '../../../../src/ports';

export const unwrap = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const result = await task();
  if (E.isLeft(result)) throw new Error(`unexpected failure: ${JSON.stringify(result.left)}`);
  return result.right;
};

export const logOf = (store: EventStore): Promise<readonly RecordedEvent[]> => unwrap(store.readAll());

/** Applies each event's changes at its position, as the runner does; `times` 2 redelivers each event. */
export const feed = async (
  readModels: ReadModelStore,
  projection: Projection,
  events: readonly RecordedEvent[],
  times = 1,
): Promise<void> => {
  for (const event of events) {
    for (let i = 0; i < times; i += 1) {
      await unwrap(readModels.apply(projection.name, event.position, projection.project(event)));
    }
  }
};

/** Every document of the projection's collections, by collection, in key order. */
export const snapshot = async (
  readModels: ReadModelStore,
  projection: Projection,
): Promise<Record<string, readonly Document[]>> => {
  const result: Record<string, readonly Document[]> = {};
  for (const c of projection.collections) result[c] = await unwrap(readModels.list(c));
  return result;
};
