import * as E from 'fp-ts/Either';
import { checkConnectionString, createEventStoreDbEventStore } from '../../../../src/adapters/eventstoredb';
import { type StoreUnavailable } from '../../../../src/ports/event-store';
import { startEsdbEmulator } from '../../../support/esdb-emulator/server';
import { anEvent, signal } from './helpers';

/** A node that does not answer is a StoreUnavailable on every operation, never an exception. */
describe('EventStoreDB adapter with no server listening (protocol-level)', () => {
  const deadAddress = async (): Promise<string> => {
    const emulator = await startEsdbEmulator();
    await emulator.stop();
    return emulator.connectionString;
  };

  it('append, reads and ping report StoreUnavailable; a subscription gives up through onError', async () => {
    const delays: number[] = [];
    const store = createEventStoreDbEventStore(await deadAddress(), {
      reconnect: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 50 },
      delay: async (ms) => {
        delays.push(ms);
      },
    });
    try {
      const unavailable = { _tag: 'StoreUnavailable', message: expect.stringMatching(/unavailable/i) };
      expect(await store.append('order-1', [anEvent('a')], 'no-stream')()).toEqual(E.left(unavailable));
      expect(await store.readStream('order-1')()).toEqual(E.left(unavailable));
      expect(await store.readAll()()).toEqual(E.left(unavailable));
      expect(await store.ping()()).toEqual(E.left(unavailable));

      const failed = signal();
      const errors: StoreUnavailable[] = [];
      store.subscribeToAll(async () => undefined, {
        onError: (error) => {
          errors.push(error);
          failed.resolve();
        },
      });
      await failed.promise;
      expect(errors).toEqual([
        { _tag: 'StoreUnavailable', message: expect.stringContaining('gave up after 2') },
      ]);
      expect(delays).toEqual([50, 50]);
    } finally {
      await store.close();
    }
  });
});

describe('EventStoreDB connection strings', () => {
  it('a malformed one is a Left naming the problem, before any store is built', () => {
    expect(checkConnectionString('esdb://127.0.0.1:2113?tls=maybe')).toEqual(
      E.left(expect.stringContaining('invalid EventStoreDB connection string: Unexpected "maybe"')),
    );
    expect(
      checkConnectionString('esdb+discover://esdb.example.com:2113?tls=true&nodePreference=leader'),
    ).toEqual(E.right(undefined));
  });
});
