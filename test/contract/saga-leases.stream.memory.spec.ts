import { createMemoryEventStore } from '../../src/adapters/memory/event-store';
import { createStreamSagaLeases } from '../../src/adapters/shared/stream-saga-leases';
import { sagaLeasesContract } from './saga-leases.contract';

sagaLeasesContract('stream-based, on the memory event store', async () => {
  const store = createMemoryEventStore();
  return { instance: () => createStreamSagaLeases(store), teardown: () => store.close() };
});
