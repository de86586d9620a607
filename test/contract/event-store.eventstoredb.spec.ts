import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { createEventStoreDbEventStore } from '../../src/adapters/eventstoredb';
import { startEsdbEmulator, SYSTEM_EVENT_KINDS } from '../support/esdb-emulator/server';
import { eventStoreContract, type EventStoreFixture } from './event-store.contract';

/**
 * The EventStoreDB adapter, through the real `@eventstore/db-client`, three ways:
 * - protocol-level, against the in-repo emulator with BatchAppend advertised (servers >= 21.10);
 * - protocol-level, against the emulator in Append-only mode (older servers, per-call credentials);
 * - against a real EventStoreDB or KurrentDB whenever ESDB_CONNECTION_STRING is set.
 * The emulator runs prove the adapter speaks the protocol; only the real-server run checks it
 * against the server's own behaviour (docs/event-stores.md lists what the emulator leaves out).
 */
const emulatorFixture = (batchAppend: boolean) => async (): Promise<EventStoreFixture> => {
  const emulator = await startEsdbEmulator({ batchAppend, seedSystemEvents: true });
  const store = createEventStoreDbEventStore(emulator.connectionString);
  return {
    store,
    teardown: async () => {
      await store.close();
      await emulator.stop();
    },
    injectSystemEvent: async () => {
      for (const kind of SYSTEM_EVENT_KINDS) emulator.injectSystemEvent(kind);
    },
  };
};

eventStoreContract('eventstoredb protocol-level (emulator, BatchAppend)', emulatorFixture(true));
eventStoreContract('eventstoredb protocol-level (emulator, Append only)', emulatorFixture(false));

const realServer = process.env['ESDB_CONNECTION_STRING'];
if (realServer !== undefined && realServer !== '') {
  eventStoreContract('eventstoredb real server', async () => {
    const store = createEventStoreDbEventStore(realServer);
    const raw = EventStoreDBClient.connectionString(realServer);
    return {
      store,
      teardown: async () => {
        await store.close();
        await raw.dispose();
      },
      // Behind the adapter's back: a `$`-typed event in an ordinary stream, and stream metadata,
      // which the server writes as a `$metadata` event in the `$$`-stream.
      injectSystemEvent: async () => {
        const probe = `wpg-system-probe-${Date.now().toString(36)}`;
        await raw.appendToStream(probe, jsonEvent({ type: '$wpg-probe', data: {} }));
        await raw.setStreamMetadata(probe, { maxCount: 1000 });
      },
    };
  });
} else {
  console.info('ESDB_CONNECTION_STRING not set: the real-server run of the EventStore contract is skipped.');
  describe.skip('eventstoredb real server (ESDB_CONNECTION_STRING not set: real-server run skipped)', () => {
    it('runs the EventStore contract against a real EventStoreDB or KurrentDB', () => undefined);
  });
}
