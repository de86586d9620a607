import * as E from 'fp-ts/Either';
import { createEventStoreDbEventStore } from '../../../../src/adapters/eventstoredb';
import { startEsdbEmulator, type EsdbEmulator } from '../../../support/esdb-emulator/server';
import { anEvent, right } from './helpers';

/**
 * With `throwOnAppendFailure=false` the client resolves a refused BatchAppend as a "result" with
 * nextExpectedRevision 1n (docs/event-stores.md). The adapter must keep the default
 * even when a connection string asks for `false`, or a conflict would pass for a success.
 */
describe('EventStoreDB adapter keeps throwOnAppendFailure at its default (protocol-level, emulator, BatchAppend)', () => {
  let emulator: EsdbEmulator;
  beforeEach(async () => {
    emulator = await startEsdbEmulator({ batchAppend: true });
  });
  afterEach(async () => emulator.stop());

  it('a conflict is still WrongExpectedVersion when the connection string says throwOnAppendFailure=false', async () => {
    const store = createEventStoreDbEventStore(`${emulator.connectionString}&throwOnAppendFailure=false`);
    try {
      right(
        await store.append(
          'order-1',
          [anEvent('a'), anEvent('b'), anEvent('c'), anEvent('d')],
          'no-stream',
        )(),
      );
      expect(await store.append('order-1', [anEvent('e')], 1)()).toEqual(
        E.left({ _tag: 'WrongExpectedVersion', streamId: 'order-1', expected: 1, actual: 3 }),
      );
      expect(emulator.calls).toContain('/event_store.client.streams.Streams/BatchAppend');
    } finally {
      await store.close();
    }
  });
});
