import { type Notification, Order, format, unsafeMoney } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import {
  SECOND,
  at,
  hkd,
  outTradeNo,
  otherTransactionId,
  spMchid,
  subMchid,
  transactionId,
} from '../shared/examples';
import { ORDER_AMOUNT, history, paid } from './examples';

const spec = DeciderSpecification.for(Order.orderDecider);

/** A TRANSACTION.SUCCESS notification that agrees with the order in every fact. */
const agreeing: Notification.NotificationNotice = {
  notificationId: 'EV-P1',
  eventType: 'TRANSACTION.SUCCESS',
  spMchid,
  subMchid,
  outTradeNo,
  transactionId,
  status: 'SUCCESS',
  total: ORDER_AMOUNT,
};

const notified = (
  notice: Notification.NotificationNotice,
  observation: Order.TradeObservation = paid(notice.total, notice.transactionId as typeof transactionId),
): Order.OrderCommand => ({
  type: 'RecordObservation',
  source: 'notification',
  observation,
  notice,
  at: at(5 * SECOND),
});

const fold = (events: readonly Order.OrderEvent[]): Order.OrderState =>
  events.reduce(Order.evolve, Order.initialState());

describe('Order decide: a payment notification is applied only when it agrees with the record', () => {
  it('a notification that agrees settles a paying order', () => {
    spec
      .given(history.paying)
      .when(notified(agreeing))
      .thenEvents((events) =>
        expect(events.map((e) => e.type)).toEqual(['OrderObservationRecorded', 'OrderSucceeded']),
      );
  });

  it('transaction_id is compared only once known', () => {
    spec
      .given(history.paying)
      .when(notified({ ...agreeing, transactionId: otherTransactionId }))
      .thenEvents((events) => expect(events[1]?.type).toBe('OrderSucceeded'));
  });

  it.each<[string, Notification.NotificationNotice, string, string]>([
    ['sp_mchid', { ...agreeing, spMchid: '1900000999' }, spMchid, '1900000999'],
    ['out_trade_no', { ...agreeing, outTradeNo: 'ANOTHER-ORDER' }, outTradeNo, 'ANOTHER-ORDER'],
    ['transaction_id', { ...agreeing, transactionId: otherTransactionId }, transactionId, otherTransactionId],
    ['amount.total', { ...agreeing, total: hkd(9_000) }, format(ORDER_AMOUNT), format(hkd(9_000))],
    ['amount.currency', { ...agreeing, total: unsafeMoney(10_000, 'USD') }, 'HKD', 'USD'],
    [
      'trade_state',
      { ...agreeing, status: 'REFUND' },
      'SUCCESS (announced by TRANSACTION.SUCCESS)',
      'REFUND',
    ],
  ])(
    '%s that disagrees on a paid order: flagged with both values, nothing applied',
    (field, notice, ours, theirs) => {
      const events = spec
        .given(history.succeeded)
        .when(notified(notice))
        .thenEvents((e) => expect(e.map((x) => x.type)).toEqual(['OrderFlaggedForReview']));
      const flag = events[0] as Order.OrderEventOf<'OrderFlaggedForReview'>;
      expect(flag.data.reason).toBe('NotificationContradicts');
      expect(flag.data.detail).toContain(`${field} ours ${ours}, notification ${theirs}`);
      const after = fold([...history.succeeded, ...events]);
      expect(after).toMatchObject({ status: 'NeedsReview', transactionId, paidAmount: ORDER_AMOUNT });
    },
  );

  it('a paying order is not settled by a notification for another amount', () => {
    spec
      .given(history.paying)
      .when(notified({ ...agreeing, total: hkd(1) }))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['OrderFlaggedForReview']);
        expect(fold([...history.paying, ...events])).not.toHaveProperty('transactionId');
      });
  });
});
