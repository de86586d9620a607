import * as E from 'fp-ts/Either';
import { anEvent, right, startHarness, type Harness } from './helpers';

describe.each([
  ['BatchAppend', true],
  ['Append only', false],
])('EventStoreDB append edge cases (protocol-level, emulator, %s)', (_mode, batchAppend) => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({ batchAppend });
  });
  afterEach(async () => harness.teardown());

  it('a replay answered without a position still reports where the events are', async () => {
    const events = [anEvent('a'), anEvent('b')];
    const first = right(await harness.store.append('order-1', events, 'no-stream')());
    harness.emulator.log.isPositionReportedOnReplay = false;
    expect(await harness.store.append('order-1', events, 'no-stream')()).toEqual(E.right(first));
  });

  it('an empty append checks the expectation and writes nothing', async () => {
    expect(await harness.store.append('order-2', [], 'no-stream')()).toEqual(
      E.right({ nextExpectedRevision: -1, position: -1 }),
    );
    expect(await harness.store.append('order-2', [], 0)()).toEqual(
      E.left({ _tag: 'WrongExpectedVersion', streamId: 'order-2', expected: 0, actual: 'no-stream' }),
    );
    const written = right(await harness.store.append('order-2', [anEvent('c')], 'no-stream')());
    expect(await harness.store.append('order-2', [], 'stream-exists')()).toEqual(E.right(written));
    expect(await harness.store.append('order-2', [], 'no-stream')()).toEqual(
      E.left({ _tag: 'WrongExpectedVersion', streamId: 'order-2', expected: 'no-stream', actual: 0 }),
    );
    expect(right(await harness.store.readAll()())).toHaveLength(1);
  });
});
