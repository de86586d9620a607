import * as E from 'fp-ts/Either';
import { createMemoryEventStore } from '../../../../../src/adapters/memory/event-store';
import {
  decodePublicEvent,
  parseStreamId,
  type PublicEvent,
} from '../../../../../src/application/projections/public';
import type { RecordedEvent } from '../../../../../src/ports';
import { busyDay } from '../scenarios';
import { unmatched } from './support';

const recorded = (streamId: string, type: string, data: unknown): RecordedEvent => ({
  streamId,
  revision: 0,
  position: 7,
  id: '00000000-0000-4000-8000-000000000000',
  type,
  data,
  metadata: unmatched('x').metadata,
});

describe('decodePublicEvent', () => {
  it('decodes every event of a realistic day, each with the identity its stream name encodes', async () => {
    const w = await busyDay(undefined);
    const log = await w.store.readAll()();
    if (E.isLeft(log)) throw new Error(log.left.message);
    const decoded = log.right.map((r) => decodePublicEvent(r));
    expect(decoded.every(E.isRight)).toBe(true);
    const events = decoded.flatMap((d) => (E.isRight(d) && d.right !== undefined ? [d.right] : []));
    expect(events).toHaveLength(log.right.length);

    const submitted = events.find(
      (e): e is Extract<PublicEvent, { type: 'OrderSubmitted' }> => e.type === 'OrderSubmitted',
    );
    expect(submitted?.stream).toEqual({ kind: 'order', subMchid: '1900000109', outTradeNo: 'T1' });
    expect(submitted?.data.amount).toEqual({ amount: 10_000, currency: 'HKD' });
    expect(events.find((e) => e.type === 'RefundRequested')?.stream).toEqual({
      kind: 'refund',
      subMchid: '1900000109',
      outRefundNo: 'R1',
    });
    expect(events.find((e) => e.kind === 'reconciliation')?.stream).toEqual({
      kind: 'reconciliation',
      spMchid: '1900000100',
      date: '20260302',
    });
  });

  it('reports an event of a public stream that does not decode, with where it is', () => {
    expect(decodePublicEvent(recorded('notification-n1', 'NotificationUnmatched', { reason: 1 }))).toEqual(
      E.left(expect.objectContaining({ _tag: 'UndecodableEvent', streamId: 'notification-n1', position: 7 })),
    );
    expect(decodePublicEvent(recorded('order-notdigits:T1', 'OrderDispatched', {}))).toEqual(
      E.left(expect.objectContaining({ message: 'the stream name does not parse' })),
    );
    expect(decodePublicEvent(recorded('order-1900000109:T1', 'NoSuchEvent', {}))).toEqual(
      E.left(expect.objectContaining({ _tag: 'UndecodableEvent', type: 'NoSuchEvent' })),
    );
  });

  it('leaves streams that are not public to others', () => {
    expect(decodePublicEvent(recorded('lease-7', 'LeaseClaimed', {}))).toEqual(E.right(undefined));
  });
});

describe('parseStreamId', () => {
  it('reads the identity back from each kind of stream name', () => {
    expect(parseStreamId('order-1900000109:T-1')).toEqual({
      kind: 'order',
      subMchid: '1900000109',
      outTradeNo: 'T-1',
    });
    expect(parseStreamId('refund-1900000109:R|1')).toEqual({
      kind: 'refund',
      subMchid: '1900000109',
      outRefundNo: 'R|1',
    });
    expect(parseStreamId('notification-abc_1')).toEqual({ kind: 'notification', notificationId: 'abc_1' });
    expect(parseStreamId('reconciliation-1900000100:20260302')).toEqual({
      kind: 'reconciliation',
      spMchid: '1900000100',
      date: '20260302',
    });
    expect(parseStreamId('reconciliation-1900000100:2026-03-02')).toBeUndefined();
    expect(parseStreamId('$stats')).toBeUndefined();
  });

  it('decodes an event as the store reads it back', async () => {
    const store = createMemoryEventStore();
    await store.append('notification-x', [unmatched('x')], 'no-stream')();
    const log = await store.readAll()();
    expect(E.isRight(log) && decodePublicEvent(log.right[0] as RecordedEvent)).toEqual(
      E.right(
        expect.objectContaining({
          kind: 'notification',
          data: { reason: 'x', observedAt: expect.any(String) },
        }),
      ),
    );
  });
});
