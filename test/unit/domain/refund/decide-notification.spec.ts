import { type Notification, Refund, format, unsafeMoney } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, outTradeNo, refundId, spMchid, subMchid, transactionId } from '../shared/examples';
import {
  ORDER_TOTAL,
  REFUND_AMOUNT,
  closedObs,
  history,
  outRefundNo,
  recorded,
  succeededObs,
} from './examples';

const spec = DeciderSpecification.for(Refund.refundDecider);
const MINUTE = 60 * SECOND;

/** A REFUND.SUCCESS notification that agrees with the refund in every fact. */
const agreeing: Notification.NotificationNotice = {
  notificationId: 'EV-1',
  eventType: 'REFUND.SUCCESS',
  spMchid,
  subMchid,
  outTradeNo,
  transactionId,
  status: 'SUCCESS',
  total: ORDER_TOTAL,
  refund: { outRefundNo, refundId, amount: REFUND_AMOUNT },
};

const notified = (
  notice: Notification.NotificationNotice,
  observation: Refund.RefundObservation = succeededObs(),
): Refund.RefundCommand => ({
  type: 'RecordObservation',
  source: 'notification',
  observation,
  notice,
  at: at(MINUTE),
});

const fold = (events: readonly Refund.RefundEvent[]): Refund.RefundState =>
  events.reduce(Refund.evolve, Refund.initialState());

const withRefund = (change: Partial<NonNullable<Notification.NotificationNotice['refund']>>) => ({
  ...agreeing,
  refund: { ...agreeing.refund!, ...change },
});

describe('Refund decide: a notification is applied only when it agrees with the record', () => {
  it('a notification that agrees in every fact settles the refund', () => {
    spec
      .given(history.processing)
      .when(notified(agreeing))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['RefundObservationRecorded', 'RefundSucceeded']);
      });
  });

  it('refund_id is compared only once known: a first notification may name it', () => {
    spec
      .given(history.dispatched)
      .when(notified(withRefund({ refundId: '50300000012026030299999999999' as typeof refundId })))
      .thenEvents((events) => expect(events[1]?.type).toBe('RefundSucceeded'));
  });

  // Each row: the notice, the field, our value and theirs as the review detail must show them.
  const otherRefundId = '50300000012026030299999999999' as typeof refundId;
  it.each<[string, Notification.NotificationNotice, string, string]>([
    ['sp_mchid', { ...agreeing, spMchid: '1900000999' }, spMchid, '1900000999'],
    ['sub_mchid', { ...agreeing, subMchid: '1900000888' }, subMchid, '1900000888'],
    ['out_trade_no', { ...agreeing, outTradeNo: 'ANOTHER-ORDER' }, outTradeNo, 'ANOTHER-ORDER'],
    [
      'transaction_id',
      { ...agreeing, transactionId: '4200000001202603029999999999' },
      transactionId,
      '4200000001202603029999999999',
    ],
    ['out_refund_no', withRefund({ outRefundNo: 'REFUND-OTHER' }), outRefundNo, 'REFUND-OTHER'],
    ['refund_id', withRefund({ refundId: otherRefundId }), refundId, otherRefundId],
    ['amount.refund', withRefund({ amount: hkd(2_600) }), format(REFUND_AMOUNT), format(hkd(2_600))],
    ['amount.currency', withRefund({ amount: unsafeMoney(2_500, 'USD') }), 'HKD', 'USD'],
    ['amount.total', { ...agreeing, total: hkd(12_000) }, format(ORDER_TOTAL), format(hkd(12_000))],
    [
      'refund_status',
      { ...agreeing, status: 'REFUNDCLOSE' },
      'SUCCESS (announced by REFUND.SUCCESS)',
      'REFUNDCLOSE',
    ],
  ])('%s that disagrees: flagged with both values, nothing applied', (field, notice, ours, theirs) => {
    const events = spec
      .given(history.processing)
      .when(notified(notice, notice.status === 'REFUNDCLOSE' ? closedObs : succeededObs()))
      .thenEvents((e) => expect(e.map((x) => x.type)).toEqual(['RefundFlaggedForReview']));
    const flag = events[0] as Refund.RefundEventOf<'RefundFlaggedForReview'>;
    expect(flag.data.reason).toBe('NotificationContradicts');
    expect(flag.data.detail).toContain(`${field} ours ${ours}, notification ${theirs}`);
    expect(flag.data.detail).toContain('EV-1');
    const after = fold([...history.processing, ...events]);
    // Neither succeeded nor closed: the saga confirms or releases the reservation only on those.
    expect(after).toMatchObject({ status: 'NeedsReview', refundId });
  });

  it('REFUND.CLOSED carrying SUCCESS is a contradiction too', () => {
    spec
      .given(history.processing)
      .when(notified({ ...agreeing, eventType: 'REFUND.CLOSED' }))
      .thenEvents(([flag]) =>
        expect(flag).toMatchObject({
          type: 'RefundFlaggedForReview',
          data: {
            reason: 'NotificationContradicts',
            detail: expect.stringContaining(
              'refund_status ours CLOSED (announced by REFUND.CLOSED), notification SUCCESS',
            ),
          },
        }),
      );
  });

  it('every field that disagrees is listed, not only the first', () => {
    spec
      .given(history.processing)
      .when(notified({ ...agreeing, spMchid: '1900000999', total: hkd(1) }))
      .thenEvents(([flag]) => {
        const detail = (flag as Refund.RefundEventOf<'RefundFlaggedForReview'>).data.detail;
        expect(detail).toContain('sp_mchid ours 1900000100, notification 1900000999');
        expect(detail).toContain(`amount.total ours ${format(ORDER_TOTAL)}, notification ${format(hkd(1))}`);
      });
  });

  it('a succeeded refund keeps its refund_id when a notification names another', () => {
    const events = spec
      .given(history.succeeded)
      .when(notified(withRefund({ refundId: otherRefundId })))
      .thenEvents((e) => expect(e.map((x) => x.type)).toEqual(['RefundFlaggedForReview']));
    expect(fold([...history.succeeded, ...events])).toMatchObject({ refundId });
  });

  it('without a notice (a query), the observation is applied as before', () => {
    spec
      .given(history.processing)
      .when({ type: 'RecordObservation', source: 'query', observation: succeededObs(), at: at(MINUTE) })
      .thenEvents((events) =>
        expect(events).toEqual([
          recorded('query', succeededObs(), MINUTE),
          expect.objectContaining({ type: 'RefundSucceeded' }),
        ]),
      );
  });
});
