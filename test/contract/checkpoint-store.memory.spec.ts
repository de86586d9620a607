import { createMemoryCheckpointStore } from '../../src/adapters/memory/checkpoint-store';
import { checkpointStoreContract } from './checkpoint-store.contract';

checkpointStoreContract('memory', async () => ({
  store: createMemoryCheckpointStore(),
  teardown: async () => undefined,
}));
