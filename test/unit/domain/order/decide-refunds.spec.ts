import { Order } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, moneyOf, refundNo } from '../shared/examples';
import { flagged, history, observe, paid, recorded, refundReserved, reserveRefund } from './examples';

const spec = DeciderSpecification.for(Order.orderDecider);
const DAY = 24 * 3600 * SECOND;
const r1 = refundNo(1);
const r2 = refundNo(2);

const released = (outRefundNo = r1, ms = 10 * SECOND): Order.OrderEvent => ({
  type: 'RefundReservationReleased',
  data: { outRefundNo, reason: 'refund closed', releasedAt: at(ms) },
});
const confirmed = (amount = hkd(4_000), outRefundNo = r1, ms = 10 * SECOND): Order.OrderEvent => ({
  type: 'RefundConfirmed',
  data: { outRefundNo, amount, confirmedAt: at(ms) },
});
const release = (outRefundNo = r1, ms = 10 * SECOND): Order.OrderCommand => ({
  type: 'ReleaseRefund',
  outRefundNo,
  reason: 'refund closed',
  at: at(ms),
});
const confirm = (amount = hkd(4_000), outRefundNo = r1, ms = 10 * SECOND): Order.OrderCommand => ({
  type: 'ConfirmRefund',
  outRefundNo,
  amount,
  at: at(ms),
});
const withReservation = [...history.succeeded, refundReserved(r1, hkd(4_000), 5 * SECOND)];

describe('Order decide: reserving refunds on the order (the consistency boundary)', () => {
  it('a refund within the paid total is reserved', () => {
    spec
      .given(history.succeeded)
      .when(reserveRefund(r1, hkd(4_000), 5 * SECOND))
      .then([refundReserved(r1, hkd(4_000), 5 * SECOND)]);
  });

  it('a reason given with the refund is kept', () => {
    spec
      .given(history.succeeded)
      .when({ ...reserveRefund(r1, hkd(1), 5 * SECOND), reason: 'damaged' } as Order.OrderCommand)
      .thenEvents((events) => expect(events[0]?.data).toMatchObject({ reason: 'damaged' }));
  });

  it('refunds up to exactly the paid total are reserved', () => {
    spec
      .given(withReservation)
      .when(reserveRefund(r2, hkd(6_000), 6 * SECOND))
      .then([refundReserved(r2, hkd(6_000), 6 * SECOND)]);
  });

  it('refund beyond the paid total is refused', () => {
    spec
      .given(withReservation)
      .when(reserveRefund(r2, hkd(6_001), 6 * SECOND))
      .thenFails(
        (e) => e._tag === 'RefundExceedsPaidTotal' && e.refundable === 6_000 && e.requested === 6_001,
      );
  });

  it('confirmed refunds count against the paid total', () => {
    spec
      .given([...withReservation, confirmed()])
      .when(reserveRefund(r2, hkd(6_001), 20 * SECOND))
      .thenFails('RefundExceedsPaidTotal');
  });

  it('a released reservation no longer counts against the paid total', () => {
    spec
      .given([...withReservation, released()])
      .when(reserveRefund(r2, hkd(10_000), 20 * SECOND))
      .then([refundReserved(r2, hkd(10_000), 20 * SECOND)]);
  });

  it('a refund in another currency is a typed error', () => {
    spec
      .given(history.succeeded)
      .when(reserveRefund(r1, moneyOf(100, 'USD'), 5 * SECOND))
      .thenFails((e) => e._tag === 'CurrencyMismatch' && e.left === 'HKD' && e.right === 'USD');
  });

  it('a refund of nothing is refused', () => {
    spec
      .given(history.succeeded)
      .when(reserveRefund(r1, hkd(0), 5 * SECOND))
      .thenFails('InvalidRefundAmount');
  });

  it('the same refund request again changes nothing', () => {
    spec
      .given(withReservation)
      .when(reserveRefund(r1, hkd(4_000), 6 * SECOND))
      .thenNothingHappens();
  });

  it('another request under a refund number already used is refused', () => {
    spec
      .given(withReservation)
      .when({
        ...reserveRefund(r1, hkd(1_000), 6 * SECOND),
        requestFingerprint: 'other',
      } as Order.OrderCommand)
      .thenFails((e) => e._tag === 'RefundNumberConflict' && e.outRefundNo === r1);
  });

  it('the 51st refund of an order is refused (at most 50, reference §5.5)', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => refundReserved(refundNo(100 + i), hkd(1), 5 * SECOND));
    spec
      .given([...history.succeeded, ...fifty])
      .when(reserveRefund(r1, hkd(1), 6 * SECOND))
      .thenFails((e) => e._tag === 'TooManyRefunds' && e.limit === 50);
  });

  it('an order paid more than a year ago cannot be refunded', () => {
    spec
      .given(history.succeeded)
      .when(reserveRefund(r1, hkd(1), 366 * DAY))
      .thenFails('RefundWindowExpired');
  });

  it('an order paid 364 days ago can still be refunded', () => {
    spec
      .given(history.succeeded)
      .when(reserveRefund(r1, hkd(1), 364 * DAY))
      .then([refundReserved(r1, hkd(1), 364 * DAY)]);
  });

  it.each([
    ['Paying', history.paying],
    ['Unknown', history.unknown],
    ['Failed', history.failed],
    ['Reversing', history.reversing],
    ['Reversed', history.reversed],
    ['Closed', history.closed],
    ['NeedsReview', history.needsReview],
  ])('an order %s cannot be refunded', (_status, given) => {
    spec
      .given(given)
      .when(reserveRefund(r1, hkd(1), 60 * SECOND))
      .thenFails('IllegalTransition');
  });

  it('after an amount mismatch resolved as Succeeded, refunds are capped by what WeChat reports paid', () => {
    const resolved: Order.OrderEvent = {
      type: 'OrderReviewResolved',
      data: { resolution: 'Succeeded', actor: 'ops', note: 'accept 90.00', resolvedAt: at(DAY) },
    };
    spec
      .given([...history.needsReview, resolved])
      .when(reserveRefund(r1, hkd(10_000), DAY + SECOND))
      .thenFails((e) => e._tag === 'RefundExceedsPaidTotal' && e.refundable === 9_000);
  });
});

describe('Order decide: releasing and confirming reservations', () => {
  it('a refund that ended without paying out releases its reservation', () => {
    spec.given(withReservation).when(release()).then([released()]);
  });

  it('releasing twice changes nothing', () => {
    spec
      .given([...withReservation, released()])
      .when(release())
      .thenNothingHappens();
  });

  it('a refund that succeeded confirms its reservation', () => {
    spec.given(withReservation).when(confirm()).then([confirmed()]);
  });

  it('confirming twice changes nothing', () => {
    spec
      .given([...withReservation, confirmed()])
      .when(confirm())
      .thenNothingHappens();
  });

  it('a confirmed refund cannot be released: the money has left', () => {
    spec
      .given([...withReservation, confirmed()])
      .when(release())
      .thenFails('IllegalTransition');
  });

  it('a released refund cannot be confirmed', () => {
    spec
      .given([...withReservation, released()])
      .when(confirm())
      .thenFails('IllegalTransition');
  });

  it('confirming another amount than reserved is refused', () => {
    spec
      .given(withReservation)
      .when(confirm(hkd(4_001)))
      .thenFails(
        (e) => e._tag === 'AmountMismatch' && e.expected === '40.00 HKD' && e.actual === '40.01 HKD',
      );
  });

  it('releasing or confirming an unknown reservation is refused', () => {
    spec.given(withReservation).when(release(r2)).thenFails('RefundReservationNotFound');
    spec
      .given(withReservation)
      .when(confirm(hkd(1), r2))
      .thenFails('RefundReservationNotFound');
  });

  it('a reservation still settles while the order is under review', () => {
    const review = [...withReservation, flagged('SourcesDisagree', 6 * SECOND)];
    spec.given(review).when(release()).then([released()]);
    spec.given(review).when(confirm()).then([confirmed()]);
  });

  it.each(['Failed', 'Reversed', 'Closed'] as const)(
    'a reservation still settles after a review resolved the order as %s',
    (resolution) => {
      const resolved: Order.OrderEvent[] = [
        ...withReservation,
        flagged('SourcesDisagree', 6 * SECOND),
        {
          type: 'OrderReviewResolved',
          data: { resolution, actor: 'ops', note: 'x', resolvedAt: at(7 * SECOND) },
        },
      ];
      const state = resolved.reduce(Order.evolve, Order.initialState());
      spec
        .given(resolved)
        .when(release())
        .thenEvents((events) => {
          expect(events).toEqual([released()]);
          expect(events.every((e) => Order.isAllowed(state, e.type))).toBe(true);
        });
    },
  );

  it('a paid order with refunds only records further answers', () => {
    spec
      .given(withReservation)
      .when(observe('query', paid(), 20 * SECOND))
      .then([recorded('query', paid(), 20 * SECOND)]);
  });
});
