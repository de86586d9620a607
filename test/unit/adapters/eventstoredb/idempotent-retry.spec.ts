import * as E from 'fp-ts/Either';
import { anEvent, deterministicId, right, startHarness, type Harness } from './helpers';

/**
 * The application derives event ids from the command, so a command retried after a lost answer
 * sends the same ids: the server recognises them and writes nothing twice, on both append paths.
 */
describe.each([
  ['BatchAppend', true],
  ['Append only', false],
])(
  'EventStoreDB idempotent retry with deterministic ids (protocol-level, emulator, %s)',
  (_mode, batchAppend) => {
    let harness: Harness;
    beforeEach(async () => {
      harness = await startHarness({ batchAppend });
    });
    afterEach(async () => harness.teardown());

    const path = batchAppend
      ? '/event_store.client.streams.Streams/BatchAppend'
      : '/event_store.client.streams.Streams/Append';

    it('the same command appended twice is written once, and the retry reports the same result', async () => {
      const command = 'submit-payment:1900000109:T1';
      const events = [anEvent(`${command}#0`, 'OrderSubmitted'), anEvent(`${command}#1`, 'OrderDispatched')];
      expect(events[0]?.id).toBe(deterministicId(`${command}#0`));

      const first = right(await harness.store.append('order-1900000109:T1', events, 'no-stream')());
      const retry = await harness.store.append('order-1900000109:T1', events, 'no-stream')();

      expect(retry).toEqual(E.right(first));
      const stored = right(await harness.store.readStream('order-1900000109:T1')());
      expect(stored.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(harness.emulator.calls).toContain(path);
    });

    it('a retry at an exact revision after later writes by the same command is still idempotent', async () => {
      right(await harness.store.append('order-2', [anEvent('open')], 'no-stream')());
      const next = [anEvent('pay')];
      const first = right(await harness.store.append('order-2', next, 0)());
      expect(await harness.store.append('order-2', next, 0)()).toEqual(E.right(first));
      expect(right(await harness.store.readAll()()).map((e) => e.id)).toEqual([
        deterministicId('open'),
        deterministicId('pay'),
      ]);
    });

    it('a different command at the same revision is a conflict, not a silent success', async () => {
      right(await harness.store.append('order-3', [anEvent('open')], 'no-stream')());
      right(await harness.store.append('order-3', [anEvent('pay')], 0)());
      expect(await harness.store.append('order-3', [anEvent('refund')], 0)()).toEqual(
        E.left({ _tag: 'WrongExpectedVersion', streamId: 'order-3', expected: 0, actual: 1 }),
      );
    });

    it('metadata is stored as custom metadata with $correlationId and $causationId for the server', async () => {
      right(await harness.store.append('order-4', [anEvent('open')], 'no-stream')());
      const [stored] = harness.emulator.log.stream('order-4') ?? [];
      const custom: unknown = JSON.parse(Buffer.from(stored?.customMetadata ?? []).toString('utf8'));
      expect(custom).toMatchObject({
        correlationId: 'corr-open',
        $correlationId: 'corr-open',
        $causationId: 'cause-open',
      });
      const [read] = right(await harness.store.readStream('order-4')());
      expect(read?.metadata).toEqual(anEvent('open').metadata);
    });
  },
);
