import { createMemoryReadModelStore } from '../../src/adapters/memory/read-model-store';
import { readModelStoreContract } from './read-model-store.contract';

readModelStoreContract('memory', async () => ({
  store: createMemoryReadModelStore(),
  teardown: async () => undefined,
}));
