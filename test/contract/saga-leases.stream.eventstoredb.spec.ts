import { createEventStoreDbEventStore } from '../../src/adapters/eventstoredb';
import { createStreamSagaLeases } from '../../src/adapters/shared/stream-saga-leases';
import type { EventStore } from '../../src/ports/event-store';
import { startEsdbEmulator } from '../support/esdb-emulator/server';
import { sagaLeasesContract } from './saga-leases.contract';

/** Each instance with a client of its own, through the real `@eventstore/db-client`, to the emulator. */
sagaLeasesContract('stream-based, on EventStoreDB (emulator)', async () => {
  const emulator = await startEsdbEmulator();
  const stores: EventStore[] = [];
  return {
    instance: () => {
      const store = createEventStoreDbEventStore(emulator.connectionString);
      stores.push(store);
      return createStreamSagaLeases(store);
    },
    teardown: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await emulator.stop();
    },
  };
});

/** The same against a real EventStoreDB or KurrentDB, whenever ESDB_CONNECTION_STRING is set. */
const realServer = process.env['ESDB_CONNECTION_STRING'];
if (realServer !== undefined && realServer !== '') {
  sagaLeasesContract('stream-based, on EventStoreDB (real server)', async () => {
    const stores: EventStore[] = [];
    return {
      instance: () => {
        const store = createEventStoreDbEventStore(realServer);
        stores.push(store);
        return createStreamSagaLeases(store);
      },
      teardown: async () => {
        await Promise.all(stores.map((s) => s.close()));
      },
    };
  });
} else {
  describe.skip('saga leases on a real EventStoreDB (ESDB_CONNECTION_STRING not set: real-server run skipped)', () => {
    it('runs the saga-leases contract against a real EventStoreDB or KurrentDB', () => undefined);
  });
}
