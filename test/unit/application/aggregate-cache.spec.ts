import { createMemoryEventStore } from '../../../src/adapters/memory/event-store';
import { MAX_STREAMS, aggregateCacheOf } from '../../../src/application/aggregate-cache';

const entry = (revision: number) => ({ state: { revision }, revision, events: [] });

describe('aggregate cache', () => {
  it('is one cache per store and aggregate kind', () => {
    const store = createMemoryEventStore();
    const kind = {};
    aggregateCacheOf(store, kind).put('s', entry(1));
    expect(aggregateCacheOf(store, kind).get('s')?.revision).toBe(1);
    expect(aggregateCacheOf(store, {}).get('s')).toBeUndefined();
    expect(aggregateCacheOf(createMemoryEventStore(), kind).get('s')).toBeUndefined();
  });

  it('keeps the furthest state of a stream when loads finish out of order', () => {
    const cache = aggregateCacheOf(createMemoryEventStore(), {});
    cache.put('s', entry(5));
    cache.put('s', entry(3));
    expect(cache.get('s')?.revision).toBe(5);
    cache.put('s', entry(6));
    expect(cache.get('s')?.revision).toBe(6);
  });

  it(`holds at most ${MAX_STREAMS} streams, dropping the least recently used`, () => {
    const cache = aggregateCacheOf(createMemoryEventStore(), {});
    for (let i = 0; i < MAX_STREAMS; i += 1) cache.put(`s-${i}`, entry(0));
    expect(cache.get('s-0')).toBeDefined(); // used: now the most recent
    cache.put('one-more', entry(0));
    expect(cache.get('s-0')).toBeDefined();
    expect(cache.get('s-1')).toBeUndefined();
    expect(cache.get('one-more')).toBeDefined();
    expect(cache.get(`s-${MAX_STREAMS - 1}`)).toBeDefined();
  });
});
