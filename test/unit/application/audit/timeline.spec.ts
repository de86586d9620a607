import * as E from 'fp-ts/Either';
import { OrderAggregate } from '../../../../src/application/aggregate';
import { auditTimeline, formatTimeline } from '../../../../src/application/audit';
import { handleCommand } from '../../../../src/application/command-handler';
import type { EventStore } from '../../../../src/ports';
import { at, busyDay, hkd, MINUTE, refundIdOf, subMchid, tradeNo, txn } from '../projections/scenarios';
import { logOf, unwrap } from '../projections/support';

const notification = async (store: EventStore, id: string, outTradeNo: string, extra: object = {}) => {
  const appended = await store.append(
    `notification-${id}`,
    [
      {
        id: `evt-${id}`,
        type: 'NotificationReceived',
        data: {
          notificationId: id,
          eventType: 'REFUND.SUCCESS',
          createTime: '2026-03-02T16:11:02+08:00',
          receivedAt: at(11 * MINUTE),
          subMchid,
          outTradeNo,
          transactionId: txn(1),
          status: 'SUCCESS',
          amount: { amount: 3_000, currency: 'HKD' },
          outRefundNo: 'R1',
          refundId: refundIdOf(1),
          ...extra,
        },
        metadata: {
          correlationId: `n-${id}`,
          causationId: `n-${id}`,
          recordedAt: at(11 * MINUTE),
          actor: 'wechat',
          schemaVersion: 1,
        },
      },
    ],
    'no-stream',
  )();
  if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
  return `evt-${id}`;
};

const world = async () => {
  const w = await busyDay();
  const causeId = await notification(w.store, 'N1', 'T1');
  await notification(w.store, 'N2', 'T2');
  // A command caused by the notification: its events name the notification event as their cause.
  const handled = await handleCommand(
    w.store,
    OrderAggregate,
    `order-${subMchid}:T1`,
    {
      type: 'RecordObservation',
      source: 'notification',
      observation: {
        kind: 'Paid',
        transactionId: txn(1),
        amount: hkd(10_000),
        tradeState: 'REFUND',
        successTime: at(900),
      },
      at: at(11 * MINUTE),
    },
    {
      commandId: 'cmd-from-N1',
      correlationId: 'n-N1',
      causationId: causeId,
      actor: 'wechat',
      now: at(11 * MINUTE),
    },
  )();
  if (E.isLeft(handled)) throw new Error(JSON.stringify(handled.left));
  return w;
};

describe('auditTimeline', () => {
  it('merges the order, its refunds and its notifications in log order, and nothing else', async () => {
    const w = await world();
    const entries = await unwrap(auditTimeline(w.store, subMchid, 'T1'));
    const streams = new Set(entries.map((e) => e.streamId));
    expect([...streams].sort()).toEqual([
      'notification-N1',
      `order-${subMchid}:T1`,
      `refund-${subMchid}:R1`,
      `refund-${subMchid}:R2`,
      `refund-${subMchid}:R4`,
    ]);
    const positions = entries.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const log = await logOf(w.store);
    expect(entries).toHaveLength(log.filter((e) => streams.has(e.streamId)).length);
  });

  it('links each event to its cause when the cause is an event of the timeline', async () => {
    const w = await world();
    const entries = await unwrap(auditTimeline(w.store, subMchid, 'T1'));
    const cause = entries.find((e) => e.streamId === 'notification-N1');
    const caused = entries.filter((e) => e.causationId === 'evt-N1');
    expect(caused.length).toBeGreaterThan(0);
    for (const e of caused)
      expect(e.causedBy).toEqual({ position: cause?.position, type: 'NotificationReceived' });
    const submitted = entries[0];
    expect(submitted).toMatchObject({
      type: 'OrderSubmitted',
      revision: 0,
      actor: 'cashier-1',
      causationId: 'cmd-1',
    });
    expect(submitted?.causedBy).toBeUndefined();
  });

  it('says which payment it could not find', async () => {
    const w = await world();
    expect(await auditTimeline(w.store, subMchid, tradeNo('NOPE'))()).toEqual(
      E.left({ _tag: 'PaymentNotFound', subMchid, outTradeNo: 'NOPE' }),
    );
  });
});

describe('formatTimeline', () => {
  it('prints one line per event, with the gateway answers and their outcome marked', async () => {
    const w = await world();
    const entries = await unwrap(auditTimeline(w.store, subMchid, 'T1'));
    const lines = formatTimeline(entries).split('\n');
    expect(lines).toHaveLength(entries.length);
    expect(lines[0]).toMatch(
      /^#\d+ \S+ order-1900000109:T1@0 {4}OrderSubmitted: submitted 100\.00 HKD "Kowloon coffee", auth code 134567\*{8}1234 \[cashier-1, cause cmd-1\]$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /<< OrderObservationRecorded: pay answered: paid 4200000001202603020000000001 100\.00 HKD \(SUCCESS\)/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /<< RefundObservationRecorded: submit answered: rejected INVALID_REQUEST: refund refused/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/<< NotificationReceived: REFUND\.SUCCESS SUCCESS refund R1 30\.00 HKD/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/notification answered: .*after #\d+\]$/));
  });
});
