import { randomUUID } from 'node:crypto';
import { createMemoryEventStore } from '../../src/adapters/memory/event-store';
import { eventStoreContract } from './event-store.contract';

const systemEvent = (type: string) => ({
  id: randomUUID(),
  type,
  data: {},
  metadata: {
    correlationId: 'c',
    causationId: 'c',
    recordedAt: '2026-01-01T00:00:00.000Z',
    actor: 'system',
    schemaVersion: 1,
  },
});

eventStoreContract('memory', async () => {
  const store = createMemoryEventStore();
  return {
    store,
    teardown: () => store.close(),
    // The memory store accepts any write, so system events go in through its own append.
    injectSystemEvent: async () => {
      await store.append('$stats-memory', [systemEvent('StatsCollected')], 'any')();
      await store.append('order-1:system', [systemEvent('$metadata')], 'any')();
    },
  };
});
