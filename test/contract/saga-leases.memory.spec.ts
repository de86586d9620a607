import { createMemorySagaLeases } from '../../src/adapters/memory/saga-leases';
import { sagaLeasesContract } from './saga-leases.contract';

sagaLeasesContract('memory, shared by the instances of one process', async () => {
  const leases = createMemorySagaLeases();
  return { instance: () => leases, teardown: async () => undefined };
});
