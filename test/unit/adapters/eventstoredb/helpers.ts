import { createHash } from 'node:crypto';
import * as E from 'fp-ts/Either';
import {
  createEventStoreDbEventStore,
  type EventStoreDbOptions,
} from '../../../../src/adapters/eventstoredb';
import { type EventStore, type EventToAppend, type RecordedEvent } from '../../../../src/ports/event-store';
import {
  startEsdbEmulator,
  type EsdbEmulator,
  type EsdbEmulatorOptions,
} from '../../../support/esdb-emulator/server';

/** A name-based UUID (v5 layout) from the command that caused the event, as the application derives them. */
export const deterministicId = (seed: string): string => {
  const hex = createHash('sha1').update(seed).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export const anEvent = (seed: string, type = 'Happened'): EventToAppend => ({
  id: deterministicId(seed),
  type,
  data: { seed },
  metadata: {
    correlationId: `corr-${seed}`,
    causationId: `cause-${seed}`,
    recordedAt: '2026-01-01T00:00:00.000Z',
    actor: 'test',
    schemaVersion: 1,
  },
});

export const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left ${JSON.stringify(e.left)}`);
  return e.right;
};

export interface Harness {
  readonly emulator: EsdbEmulator;
  readonly store: EventStore;
  readonly teardown: () => Promise<void>;
}

export const startHarness = async (
  emulatorOptions: EsdbEmulatorOptions = {},
  storeOptions: EventStoreDbOptions = {},
): Promise<Harness> => {
  const emulator = await startEsdbEmulator(emulatorOptions);
  const store = createEventStoreDbEventStore(emulator.connectionString, storeOptions);
  return {
    emulator,
    store,
    teardown: async () => {
      await store.close();
      await emulator.stop();
    },
  };
};

/** Records deliveries; `until(n)` resolves once n have arrived (no sleeping). */
export const recorder = () => {
  const events: RecordedEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    events,
    handler: async (event: RecordedEvent): Promise<void> => {
      events.push(event);
      for (const w of waiters.filter((w) => events.length >= w.n)) w.resolve();
    },
    until: (n: number): Promise<void> =>
      events.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
  };
};

export const signal = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
