import type { EventStore, RecordedEvent } from '../ports';

/** A stream's folded state at a revision, with the events it was folded from. */
export interface CachedStream<State> {
  readonly state: State;
  readonly revision: number;
  readonly events: readonly RecordedEvent[];
}

export interface AggregateCache<State> {
  readonly get: (streamId: string) => CachedStream<State> | undefined;
  readonly put: (streamId: string, loaded: CachedStream<State>) => void;
}

/** Streams kept per store and aggregate kind (a payment is hot for seconds); the least recently used go first. */
export const MAX_STREAMS = 2_000;

const caches = new WeakMap<EventStore, WeakMap<object, Map<string, CachedStream<unknown>>>>();

/**
 * The last state folded for each recently used stream of one store and one aggregate kind, so a
 * load reads and decodes only the events after it instead of the whole stream on every saga step
 * and `?wait` wake-up. It is never an answer on its own: the loader always asks the store for the
 * events after the cached revision, so appends by other writers (another process on the same
 * store) are seen. Events are immutable and the store never removes them, which is what makes a
 * cached prefix always still true.
 */
export const aggregateCacheOf = <State>(store: EventStore, kind: object): AggregateCache<State> => {
  let byKind = caches.get(store);
  if (byKind === undefined) {
    byKind = new WeakMap();
    caches.set(store, byKind);
  }
  let streams = byKind.get(kind);
  if (streams === undefined) {
    streams = new Map();
    byKind.set(kind, streams);
  }
  const entries = streams as Map<string, CachedStream<State>>;
  return {
    get: (streamId) => {
      const found = entries.get(streamId);
      if (found !== undefined) {
        // Map keeps insertion order: re-inserting marks the stream as the most recently used.
        entries.delete(streamId);
        entries.set(streamId, found);
      }
      return found;
    },
    put: (streamId, loaded) => {
      const known = entries.get(streamId);
      // Two loads of one stream may finish out of order: keep the further one.
      if (known !== undefined && known.revision >= loaded.revision) return;
      entries.delete(streamId);
      entries.set(streamId, loaded);
      if (entries.size > MAX_STREAMS) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
  };
};
