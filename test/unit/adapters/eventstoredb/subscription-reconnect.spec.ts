import { type StoreUnavailable } from '../../../../src/ports/event-store';
import { anEvent, recorder, right, signal, startHarness, type Harness } from './helpers';

/**
 * After UNAVAILABLE a subscription resubscribes from the last position it handled: nothing is
 * lost and nothing is delivered twice. The back-off is bounded, and onError is called only when
 * the adapter gives up. Waits go through an injected `delay`, so no test sleeps.
 */
describe('EventStoreDB subscribeToAll reconnects after UNAVAILABLE (protocol-level, emulator)', () => {
  let harness: Harness;
  let delays: number[];

  const start = async (maxAttempts = 5) => {
    delays = [];
    harness = await startHarness(
      { seedSystemEvents: true },
      {
        reconnect: { maxAttempts, initialDelayMs: 100, maxDelayMs: 250 },
        delay: async (ms) => {
          delays.push(ms);
        },
      },
    );
  };
  afterEach(async () => harness.teardown());

  const seed = async (from: number, to: number, expected: 'no-stream' | number) =>
    right(
      await harness.store.append(
        'order-1',
        Array.from({ length: to - from + 1 }, (_, i) => anEvent(`e${from + i}`, `E${from + i}`)),
        expected,
      )(),
    );

  it('a cut during catch-up resumes after the last handled event, without loss or duplicates', async () => {
    await start();
    await seed(1, 6, 'no-stream');
    harness.emulator.failReads(1, { afterEvents: 3, only: 'subscriptions' });
    const seen = recorder();
    const caughtUp = signal();
    const subscription = harness.store.subscribeToAll(seen.handler, { onCaughtUp: caughtUp.resolve });
    await caughtUp.promise;
    await seed(7, 8, 5);
    await seen.until(8);
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8']);
    expect(delays).toEqual([100]);
  });

  it('a live subscription cut by a node restart receives what was written meanwhile, once', async () => {
    await start();
    await seed(1, 2, 'no-stream');
    const seen = recorder();
    const caughtUp = signal();
    const subscription = harness.store.subscribeToAll(seen.handler, { onCaughtUp: caughtUp.resolve });
    await caughtUp.promise;
    harness.emulator.interruptSubscriptions();
    await seed(3, 4, 1);
    await seen.until(4);
    await seed(5, 5, 3);
    await seen.until(5);
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5']);
    expect(new Set(seen.events.map((e) => e.position)).size).toBe(5);
    expect(delays).toEqual([100]);
  });

  it('resumes from a stored checkpoint (exclusive) after a cut', async () => {
    await start();
    const checkpoint = await seed(1, 3, 'no-stream');
    await seed(4, 6, 2);
    harness.emulator.failReads(1, { afterEvents: 1, only: 'subscriptions' });
    const seen = recorder();
    const subscription = harness.store.subscribeToAll(seen.handler, { fromPosition: checkpoint.position });
    await seen.until(3);
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['E4', 'E5', 'E6']);
  });

  it('the catch-up read failing with UNAVAILABLE is retried too', async () => {
    await start();
    await seed(1, 2, 'no-stream');
    harness.emulator.failReads(1, { only: 'reads' });
    const seen = recorder();
    const caughtUp = signal();
    const subscription = harness.store.subscribeToAll(seen.handler, { onCaughtUp: caughtUp.resolve });
    await caughtUp.promise;
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['E1', 'E2']);
    expect(delays).toEqual([100]);
  });

  it('gives up after maxAttempts consecutive failures, with a bounded back-off, and reports once', async () => {
    await start(3);
    await seed(1, 1, 'no-stream');
    harness.emulator.failReads(4, { only: 'subscriptions' });
    const seen = recorder();
    const failed = signal();
    const errors: StoreUnavailable[] = [];
    harness.store.subscribeToAll(seen.handler, {
      onError: (error) => {
        errors.push(error);
        failed.resolve();
      },
    });
    await failed.promise;

    expect(delays).toEqual([100, 200, 250]);
    expect(errors).toEqual([
      { _tag: 'StoreUnavailable', message: expect.stringContaining('gave up after 3 reconnect attempts') },
    ]);
    expect(seen.events).toEqual([]);
    expect(harness.emulator.liveSubscriptions()).toBe(0);
  });

  it('progress resets the attempt count: failures spread over deliveries never exhaust it', async () => {
    await start(1);
    await seed(1, 4, 'no-stream');
    harness.emulator.failReads(1, { afterEvents: 1, only: 'subscriptions' });
    harness.emulator.failReads(1, { afterEvents: 1, only: 'subscriptions' });
    harness.emulator.failReads(1, { afterEvents: 1, only: 'subscriptions' });
    const seen = recorder();
    const errors: StoreUnavailable[] = [];
    const subscription = harness.store.subscribeToAll(seen.handler, { onError: (e) => errors.push(e) });
    await seen.until(4);
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['E1', 'E2', 'E3', 'E4']);
    expect(delays).toEqual([100, 100, 100]);
    expect(errors).toEqual([]);
  });
});
