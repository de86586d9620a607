import {
  END,
  EventStoreDBClient,
  jsonEvent,
  NO_STREAM,
  WrongExpectedVersionError,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { makeUuid, uuidToString } from '../../../support/esdb-emulator/wire';
import { startEsdbEmulator, type EsdbEmulator } from '../../../support/esdb-emulator/server';

/**
 * The emulator against the raw client: the wire details an emulator most easily gets wrong
 * (reference "Trickiest parts"). These check the test double itself, not the adapter.
 */
describe('ESDB emulator speaks the protocol @eventstore/db-client 6.2.1 expects', () => {
  let emulator: EsdbEmulator;
  let client: EventStoreDBClient;
  const start = async (batchAppend: boolean) => {
    emulator = await startEsdbEmulator({ batchAppend });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  };
  afterEach(async () => {
    await client.dispose();
    await emulator.stop();
  });

  it.each([
    ['BatchAppend', true, '/event_store.client.streams.Streams/BatchAppend'],
    ['Append', false, '/event_store.client.streams.Streams/Append'],
  ])('the client appends over %s, asking for server features once', async (_name, batchAppend, path) => {
    await start(batchAppend);
    await client.appendToStream('s', jsonEvent({ type: 'A', data: {} }));
    await client.appendToStream('s', jsonEvent({ type: 'B', data: {} }));
    const features = emulator.calls.filter((c) => c.endsWith('/GetSupportedMethods'));
    expect(features).toHaveLength(1);
    expect(emulator.calls.filter((c) => c === path).length).toBeGreaterThanOrEqual(1);
    expect(emulator.calls.some((c) => c.endsWith(batchAppend ? '/Append' : '/BatchAppend'))).toBe(false);
  });

  it.each([
    ['BatchAppend (packed google.rpc.Status)', true],
    ['Append (AppendResp oneof)', false],
  ])('WrongExpectedVersion over %s reaches the client with the same fields', async (_name, batchAppend) => {
    await start(batchAppend);
    await client.appendToStream('s', [
      jsonEvent({ type: 'A', data: {} }),
      jsonEvent({ type: 'B', data: {} }),
    ]);
    const failure = await client
      .appendToStream('s', jsonEvent({ type: 'C', data: {} }), { expectedRevision: NO_STREAM })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(WrongExpectedVersionError);
    expect(failure).toMatchObject({ streamName: 's', expectedVersion: 'no_stream', actualVersion: 1n });
  });

  it('a subscription from END delivers the first event written after it, not the second', async () => {
    await start(true);
    await client.appendToStream('s', jsonEvent({ type: 'Old', data: {} }));
    const subscription = client.subscribeToAll({ fromPosition: END });
    const confirmed = new Promise((resolve) => subscription.once('confirmation', resolve));
    const received: ResolvedEvent[] = [];
    const first = new Promise<void>((resolve) =>
      subscription.on('data', (e: ResolvedEvent) => {
        received.push(e);
        resolve();
      }),
    );
    await confirmed;
    await client.appendToStream('s', jsonEvent({ type: 'New1', data: {} }));
    await first;
    await subscription.unsubscribe();
    expect(received.map((e) => e.event?.type)).toEqual(['New1']);
  });

  it('positions are sparse and increasing, never the index in the log', async () => {
    await start(true);
    await client.appendToStream(
      's',
      [1, 2, 3].map((n) => jsonEvent({ type: `E${n}`, data: { n } })),
    );
    const positions: bigint[] = [];
    for await (const e of client.readAll()) positions.push(e.event?.position?.commit ?? -1n);
    expect(positions).toHaveLength(3);
    const gaps = positions.slice(1).map((p, i) => p - (positions[i] ?? 0n));
    expect(gaps.every((gap) => gap > 1n)).toBe(true);
    expect(positions[0]).toBeGreaterThan(2n);
  });

  it('accepts both UUID encodings: the string form 6.2.1 sends and the structured form of other clients', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(uuidToString(makeUuid(id, false))).toBe(id);
    expect(uuidToString(makeUuid(id, true))).toBe(id);
    expect(makeUuid(id, true).getStructured()?.getMostSignificantBits()).toBe(
      BigInt.asIntN(64, BigInt('0x0f8fad5bd9cb469f')).toString(),
    );
  });
});
