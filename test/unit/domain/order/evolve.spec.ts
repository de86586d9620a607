import fc from 'fast-check';
import { Order } from '../../../../src/domain';
import { orderEventArb } from '../../../properties/event-arbitraries';
import { SECOND, at, hkd, otherTransactionId, refundNo, transactionId } from '../shared/examples';
import {
  ORDER_AMOUNT,
  dispatched,
  flagged,
  history,
  paid,
  paying,
  recorded,
  refundReserved,
  reversalAttempted,
  reversalRequested,
  submitted,
} from './examples';

const fold = (events: readonly Order.OrderEvent[]): Order.OrderState =>
  events.reduce(Order.evolve, Order.initialState());
const active = (events: readonly Order.OrderEvent[]): Order.ActiveOrder => {
  const s = fold(events);
  if (!Order.isActive(s)) throw new Error('expected an order');
  return s;
};
const poll = (dueMs: number): Order.OrderEvent => ({
  type: 'OrderPollScheduled',
  data: { dueAt: at(dueMs), scheduledAt: at(0) },
});

describe('Order evolve', () => {
  it('a new order starts Submitted, with what was submitted and nothing observed', () => {
    expect(active([submitted])).toMatchObject({
      status: 'Submitted',
      amount: ORDER_AMOUNT,
      submittedAt: at(0),
      policy: Order.defaultPayPolicy,
      hasPayAnswer: false,
      observationCount: 0,
      wasSeenPaid: false,
      refunds: {},
    });
  });

  it('a second OrderSubmitted does not reset the order', () => {
    const s = fold([submitted, dispatched]);
    expect(Order.evolve(s, submitted)).toBe(s);
  });

  it('events before OrderSubmitted leave the initial state unchanged', () => {
    expect(fold([dispatched, recorded('query', paid(), SECOND)])).toEqual(Order.initialState());
  });

  it('the pay answer is counted apart from later queries', () => {
    const s = active([...history.paying, recorded('query', paying, 6 * SECOND)]);
    expect(s).toMatchObject({ hasPayAnswer: true, observationCount: 2, lastObservedAt: at(6 * SECOND) });
  });

  it('an answer clears the poll it was waiting for', () => {
    const s = active([...history.paying, poll(6 * SECOND), recorded('query', paying, 6 * SECOND)]);
    expect(s.nextPollAt).toBeUndefined();
    expect(active([...history.paying, poll(6 * SECOND)]).nextPollAt).toBe(at(6 * SECOND));
  });

  it('a paid answer remembers the transaction and the amount WeChat holds, whatever the status', () => {
    const s = active([...history.reversing, recorded('query', paid(hkd(9_000)), 31 * SECOND)]);
    expect(s).toMatchObject({
      status: 'Reversing',
      wasSeenPaid: true,
      transactionId,
      paidAmount: hkd(9_000),
    });
  });

  it('a later report naming another transaction does not replace the recorded one', () => {
    const s = active([
      ...history.succeeded,
      recorded(
        'statement',
        { ...paid(hkd(1), otherTransactionId), successTime: '2026-03-03T00:00:00+08:00' },
        9 * SECOND,
      ),
    ]);
    expect(s).toMatchObject({
      transactionId,
      paidAmount: ORDER_AMOUNT,
      successTime: '2026-03-02T16:00:01+08:00',
    });
  });

  it('OrderSucceeded settles the order with its transaction and paid amount', () => {
    expect(active(history.succeeded)).toMatchObject({
      status: 'Succeeded',
      transactionId,
      paidAmount: ORDER_AMOUNT,
      wasSeenPaid: true,
      successTime: '2026-03-02T16:00:01+08:00',
    });
  });

  it('OrderFailed keeps the failure code and message', () => {
    expect(active(history.failed)).toMatchObject({
      status: 'Failed',
      failure: { code: 'AUTH_CODE_INVALID', message: 'bad code' },
    });
  });

  it('a reverse request starts a fresh reversal and stops polling', () => {
    const s = active([...history.unknown, poll(6 * SECOND), reversalRequested(30 * SECOND, 30 * SECOND)]);
    expect(s.status).toBe('Reversing');
    expect(s.nextPollAt).toBeUndefined();
    expect(s.reversal).toEqual({
      reason: 'Deadline',
      requestedAt: at(30 * SECOND),
      dueAt: at(30 * SECOND),
      attempts: 0,
      isConfirmInconclusive: false,
    });
  });

  it('each reverse attempt is counted with its outcome and next due time', () => {
    const s = active([...history.reversing, reversalAttempted(2, 'Rejected', 40 * SECOND, 50 * SECOND)]);
    expect(s.reversal).toMatchObject({ attempts: 2, lastOutcome: 'Rejected', nextDueAt: at(50 * SECOND) });
  });

  it('an answer after a reverse attempt that is not final makes its confirmation inconclusive', () => {
    const attempted = [...history.reversing, reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND)];
    expect(
      active([...attempted, recorded('query', paying, 32 * SECOND)]).reversal?.isConfirmInconclusive,
    ).toBe(true);
    expect(
      active([
        ...attempted,
        recorded('query', paying, 32 * SECOND),
        reversalAttempted(2, 'Accepted', 40 * SECOND, 41 * SECOND),
      ]).reversal?.isConfirmInconclusive,
    ).toBe(false);
  });

  it('OrderReversed and OrderClosed settle the order', () => {
    expect(active(history.reversed).status).toBe('Reversed');
    expect(active(history.closed).status).toBe('Closed');
  });

  it('review remembers the status it interrupted, even when flagged twice', () => {
    const once = active([...history.succeeded, flagged('SourcesDisagree', 5 * SECOND, 'first')]);
    expect(once.review).toEqual({
      reason: 'SourcesDisagree',
      detail: 'first',
      previousStatus: 'Succeeded',
      flaggedAt: at(5 * SECOND),
    });
    const twice = active([
      ...history.succeeded,
      flagged('SourcesDisagree', 5 * SECOND),
      flagged('AmountMismatch', 6 * SECOND),
    ]);
    expect(twice.review).toMatchObject({ reason: 'AmountMismatch', previousStatus: 'Succeeded' });
  });

  it('a resolved review sets the chosen status and forgets the review', () => {
    const s = active([
      ...history.needsReview,
      {
        type: 'OrderReviewResolved',
        data: { resolution: 'Failed', actor: 'ops', note: 'x', resolvedAt: at(60 * SECOND) },
      },
    ]);
    expect(s.status).toBe('Failed');
    expect(s.review).toBeUndefined();
  });

  it('reservations are tracked per refund number, and their totals exclude released ones', () => {
    const s = active([
      ...history.succeeded,
      refundReserved(refundNo(1), hkd(1_000), 2 * SECOND),
      refundReserved(refundNo(2), hkd(2_000), 3 * SECOND),
      refundReserved(refundNo(3), hkd(3_000), 4 * SECOND),
      {
        type: 'RefundConfirmed',
        data: { outRefundNo: refundNo(1), amount: hkd(1_000), confirmedAt: at(5 * SECOND) },
      },
      {
        type: 'RefundReservationReleased',
        data: { outRefundNo: refundNo(2), reason: 'closed', releasedAt: at(5 * SECOND) },
      },
    ]);
    expect(Order.refundTotals(s)).toEqual({ reserved: 3_000, confirmed: 1_000, count: 3 });
    expect(s.refunds[refundNo(2)]?.status).toBe('released');
  });

  it('releasing or confirming an unknown reservation leaves the state unchanged', () => {
    const s = fold(history.succeeded);
    expect(
      Order.evolve(s, {
        type: 'RefundReservationReleased',
        data: { outRefundNo: refundNo(9), reason: 'x', releasedAt: at(1) },
      }),
    ).toBe(s);
  });

  it('is total: any event on any reachable state gives a state, never an exception (1000 runs)', () => {
    const states = Object.values(history).map(fold);
    fc.assert(
      fc.property(fc.constantFrom(...states), fc.array(orderEventArb, { maxLength: 5 }), (state, events) => {
        const after = events.reduce(Order.evolve, state);
        expect(Object.keys(Order.ORDER_TRANSITIONS)).toContain(after.status);
      }),
      { numRuns: 1_000 },
    );
  });

  it('an order is final only once Succeeded, Failed, Reversed or Closed', () => {
    expect(
      Object.fromEntries(Object.entries(history).map(([name, h]) => [name, Order.isFinal(fold(h))])),
    ).toEqual({
      submitted: false,
      dispatched: false,
      paying: false,
      unknown: false,
      succeeded: true,
      failed: true,
      reversing: false,
      reversed: true,
      closed: true,
      needsReview: false,
    });
  });
});
