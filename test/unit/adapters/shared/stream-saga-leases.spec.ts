import * as E from 'fp-ts/Either';
import { createMemoryEventStore } from '../../../../src/adapters/memory/event-store';
import {
  SAGA_LEASES_CLAIMED,
  createStreamSagaLeases,
} from '../../../../src/adapters/shared/stream-saga-leases';
import type { EventStore } from '../../../../src/ports/event-store';
import { SAGA_LEASES_STREAM } from '../../../../src/ports/saga-leases';

/** What the contract cannot see: how often the stream is written, and the compare-and-set's retries. */
describe('stream-based saga leases', () => {
  const claim = { owner: 'a', ttlMs: 300, wanted: [0, 1], limit: 2 };
  const streamOf = async (store: EventStore) => {
    const read = await store.readStream(SAGA_LEASES_STREAM)();
    return E.isRight(read) ? read.right : [];
  };

  it('writes the table as one event, and a renewal only once a third of the ttl has passed', async () => {
    const store = createMemoryEventStore();
    let now = 1_000;
    const leases = createStreamSagaLeases(store, { now: () => now });
    expect(await leases.claim(claim)()).toEqual(E.right({ held: [0, 1], validForMs: 300, instances: 1 }));
    const [first] = await streamOf(store);
    expect(first).toMatchObject({
      type: SAGA_LEASES_CLAIMED,
      data: {
        partitions: { 0: { owner: 'a', expiresAt: 1_300 }, 1: { owner: 'a', expiresAt: 1_300 } },
        instances: { a: 1_300 },
      },
      metadata: { actor: 'saga-leases' },
    });
    expect(first?.id).toMatch(/^[0-9a-f-]{36}$/);
    now = 1_099;
    expect(await leases.claim(claim)()).toEqual(E.right({ held: [0, 1], validForMs: 201, instances: 1 }));
    expect(await streamOf(store)).toHaveLength(1);
    now = 1_100;
    expect(await leases.claim(claim)()).toEqual(E.right({ held: [0, 1], validForMs: 300, instances: 1 }));
    expect(await streamOf(store)).toHaveLength(2);
  });

  it('re-reads and tries again when another instance wrote between its read and its append', async () => {
    const store = createMemoryEventStore();
    const other = createStreamSagaLeases(store);
    let raced = false;
    const racing: EventStore = {
      ...store,
      append: (streamId, events, expected) => async () => {
        if (!raced) {
          raced = true;
          await other.claim({ owner: 'b', ttlMs: 10_000, wanted: [0], limit: 1 })();
        }
        return store.append(streamId, events, expected)();
      },
    };
    const leases = createStreamSagaLeases(racing);
    expect(await leases.claim({ ...claim, ttlMs: 10_000 })()).toMatchObject(
      E.right({ held: [1], instances: 2 }),
    );
    expect(raced).toBe(true);
    expect(await streamOf(store)).toHaveLength(2);
  });

  it('gives up, as StoreUnavailable, when the stream keeps moving', async () => {
    const store = createMemoryEventStore();
    let appends = 0;
    const leases = createStreamSagaLeases({
      ...store,
      append: (streamId, _events, expected) => async () => {
        appends += 1;
        return E.left({ _tag: 'WrongExpectedVersion', streamId, expected, actual: 7 });
      },
    });
    const result = await leases.claim(claim)();
    expect(E.isLeft(result) && result.left._tag).toBe('StoreUnavailable');
    expect(appends).toBe(10);
  });

  it('reports a store that cannot be read, and a table that does not decode, as StoreUnavailable', async () => {
    const store = createMemoryEventStore();
    const down = createStreamSagaLeases({
      ...store,
      readStream: () => async () => E.left({ _tag: 'StoreUnavailable', message: 'down' }),
    });
    expect(await down.claim(claim)()).toEqual(E.left({ _tag: 'StoreUnavailable', message: 'down' }));

    const metadata = {
      correlationId: 'c',
      causationId: 'c',
      recordedAt: 'now',
      actor: 'x',
      schemaVersion: 1,
    };
    await store.append(
      SAGA_LEASES_STREAM,
      [{ id: 'x', type: 'Junk', data: { n: 1 }, metadata }],
      'no-stream',
    )();
    const result = await createStreamSagaLeases(store).claim(claim)();
    expect(result).toEqual(
      E.left({ _tag: 'StoreUnavailable', message: expect.stringContaining(SAGA_LEASES_STREAM) as string }),
    );
  });

  it('writes nothing to release an owner the table does not know', async () => {
    const store = createMemoryEventStore();
    expect(await createStreamSagaLeases(store).release('nobody')()).toEqual(E.right(undefined));
    expect(await streamOf(store)).toEqual([]);
  });
});
