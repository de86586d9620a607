import { SYSTEM_EVENT_KINDS } from '../../../support/esdb-emulator/server';
import { anEvent, recorder, right, signal, startHarness, type Harness } from './helpers';

/**
 * A real `$all` is full of system records: `$`-types in ordinary streams, ordinary types in
 * `$`-streams (projection output), and both. None may reach readAll or a subscription.
 */
describe('EventStoreDB adapter filters system events out of the global log (protocol-level, emulator)', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({ seedSystemEvents: true });
  });
  afterEach(async () => harness.teardown());

  const injectEveryKind = (times = 1) => {
    for (let i = 0; i < times; i += 1)
      for (const kind of SYSTEM_EVENT_KINDS) harness.emulator.injectSystemEvent(kind);
  };

  it('readAll returns only user events, whatever kind of system record sits between them', async () => {
    injectEveryKind();
    right(await harness.store.append('order-1', [anEvent('a', 'A')], 'no-stream')());
    injectEveryKind();
    right(await harness.store.append('order-1', [anEvent('b', 'B')], 0)());
    injectEveryKind();

    const all = right(await harness.store.readAll()());
    expect(all.map((e) => [e.streamId, e.type])).toEqual([
      ['order-1', 'A'],
      ['order-1', 'B'],
    ]);
    expect(harness.emulator.log.all.length).toBeGreaterThan(all.length + 10);
  });

  it('a bounded page reads on past a long run of system records', async () => {
    const first = right(await harness.store.append('order-1', [anEvent('a', 'A')], 'no-stream')());
    injectEveryKind(150);
    right(await harness.store.append('order-1', [anEvent('b', 'B')], 0)());

    const page = right(await harness.store.readAll({ fromPosition: first.position, maxCount: 1 })());
    expect(page.map((e) => e.type)).toEqual(['B']);
  });

  it('a subscription skips system records, and reaches caught-up when the log ends with them', async () => {
    right(await harness.store.append('order-1', [anEvent('a', 'A')], 'no-stream')());
    injectEveryKind(150);
    const seen = recorder();
    const caughtUp = signal();
    const subscription = harness.store.subscribeToAll(seen.handler, { onCaughtUp: caughtUp.resolve });
    await caughtUp.promise;
    injectEveryKind();
    right(await harness.store.append('order-1', [anEvent('b', 'B')], 0)());
    await seen.until(2);
    await subscription.unsubscribe();

    expect(seen.events.map((e) => e.type)).toEqual(['A', 'B']);
  });
});
