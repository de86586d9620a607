import { Order } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, refundNo } from '../shared/examples';
import {
  closed,
  dispatched,
  flagged,
  history,
  notFound,
  observe,
  paid,
  payFailed,
  paying,
  recorded,
  refundReserved,
  reversalAttempted,
  reversalRequested,
  revoked,
  submitted,
  unknown,
} from './examples';

const spec = DeciderSpecification.for(Order.orderDecider);
const DAY = 24 * 3600 * SECOND;

const requestReversal = (ms: number, dueMs = ms): Order.OrderCommand => ({
  type: 'RequestReversal',
  reason: 'Deadline',
  dueAt: at(dueMs),
  at: at(ms),
});
const reversalResult = (
  outcome: Extract<Order.OrderCommand, { type: 'RecordReversalResult' }>['outcome'],
  ms: number,
): Order.OrderCommand => ({ type: 'RecordReversalResult', outcome, at: at(ms) });

describe('Order decide: requesting a reverse', () => {
  it('an unsettled order at its deadline is reversed', () => {
    spec
      .given(history.unknown)
      .when(requestReversal(30 * SECOND))
      .then([reversalRequested(30 * SECOND, 30 * SECOND)]);
  });

  it('a reverse is never due earlier than 15 s after the pay request was sent, whatever was asked', () => {
    // Dispatched 100 ms after submit: the 15 s count from there, not from the submit.
    spec
      .given(history.paying)
      .when(requestReversal(2 * SECOND))
      .then([reversalRequested(2 * SECOND, 15 * SECOND + 100)]);
  });

  it('a pay request sent late (store latency, a retry) pushes the earliest reverse back with it', () => {
    const lateDispatch: Order.OrderEvent = {
      type: 'OrderDispatched',
      data: { dispatchedAt: at(4 * SECOND) },
    };
    spec
      .given([submitted, lateDispatch, ...history.paying.slice(2)])
      .when(requestReversal(10 * SECOND, 16 * SECOND))
      .then([reversalRequested(10 * SECOND, 19 * SECOND)]);
  });

  it('a reverse asked for later than 15 s keeps its own due time', () => {
    spec
      .given(history.paying)
      .when(requestReversal(20 * SECOND, 25 * SECOND))
      .then([reversalRequested(20 * SECOND, 25 * SECOND)]);
  });

  it('an order never dispatched cannot be reversed: it is abandoned instead', () => {
    spec
      .given([submitted])
      .when(requestReversal(20 * SECOND))
      .thenFails('NotDispatched');
  });

  it('asking again while reversing, or once reversed, changes nothing', () => {
    spec
      .given(history.reversing)
      .when(requestReversal(40 * SECOND))
      .thenNothingHappens();
    spec
      .given(history.reversed)
      .when(requestReversal(40 * SECOND))
      .thenNothingHappens();
  });

  it('a paid order can be reversed (which refunds the customer) within 7 days', () => {
    spec
      .given(history.succeeded)
      .when({ type: 'RequestReversal', reason: 'Merchant', dueAt: at(DAY), at: at(DAY) })
      .then([
        {
          type: 'OrderReversalRequested',
          data: { reason: 'Merchant', requestedAt: at(DAY), dueAt: at(DAY) },
        },
      ]);
  });

  it('a paid order older than 7 days cannot be reversed: it is refunded instead', () => {
    spec
      .given(history.succeeded)
      .when(requestReversal(7 * DAY + SECOND))
      .thenFails('IllegalTransition');
  });

  it('a paid order with a refund cannot be reversed', () => {
    spec
      .given([...history.succeeded, refundReserved(refundNo(1), hkd(100), 2 * SECOND)])
      .when(requestReversal(3 * SECOND))
      .thenFails('IllegalTransition');
  });

  it.each([
    ['Failed', history.failed],
    ['Closed', history.closed],
    ['NeedsReview', history.needsReview],
  ])('a %s order cannot be reversed', (_status, given) => {
    spec
      .given(given)
      .when(requestReversal(60 * SECOND))
      .thenFails('IllegalTransition');
  });
});

describe('Order decide: reverse attempts', () => {
  it('an accepted reverse is confirmed by a query shortly after', () => {
    spec
      .given(history.reversing)
      .when(reversalResult({ kind: 'Accepted' }, 31 * SECOND))
      .then([reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND)]);
  });

  it('a rejected reverse keeps WeChat code and message and retries after 5 s, then 10 s', () => {
    spec
      .given(history.reversing)
      .when(reversalResult({ kind: 'Rejected', code: 'SYSTEM_ERROR', message: 'busy' }, 31 * SECOND))
      .then([
        {
          type: 'OrderReversalAttempted',
          data: {
            attempt: 1,
            outcome: 'Rejected',
            observedAt: at(31 * SECOND),
            nextDueAt: at(36 * SECOND),
            code: 'SYSTEM_ERROR',
            message: 'busy',
          },
        },
      ]);
    spec
      .given([...history.reversing, reversalAttempted(1, 'Unknown', 31 * SECOND, 36 * SECOND)])
      .when(reversalResult({ kind: 'Unknown', reason: 'timeout' }, 36 * SECOND))
      .then([
        {
          type: 'OrderReversalAttempted',
          data: {
            attempt: 2,
            outcome: 'Unknown',
            observedAt: at(36 * SECOND),
            nextDueAt: at(46 * SECOND),
            message: 'timeout',
          },
        },
      ]);
  });

  it('a reverse result when no reverse was requested is refused', () => {
    spec
      .given(history.paying)
      .when(reversalResult({ kind: 'Accepted' }, 20 * SECOND))
      .thenFails('IllegalTransition');
  });

  it('the confirming query reporting REVOKED reverses the order', () => {
    spec
      .given([...history.reversing, reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND)])
      .when(observe('query', revoked, 32 * SECOND))
      .then(history.reversed.slice(-2));
  });

  it('a reversed order the customer had paid says so (the reverse refunded them)', () => {
    spec
      .given([
        ...history.reversing,
        recorded('query', paid(), 30 * SECOND),
        reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND),
      ])
      .when(observe('query', revoked, 32 * SECOND))
      .thenEvents((events) =>
        expect(events[1]).toMatchObject({ type: 'OrderReversed', data: { wasPaid: true } }),
      );
  });

  it('the confirming query reporting CLOSED closes the order', () => {
    spec
      .given([...history.reversing, reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND)])
      .when(observe('query', closed, 32 * SECOND))
      .then(history.closed.slice(-2));
  });

  it('PAYERROR while reversing fails the order', () => {
    spec
      .given(history.reversing)
      .when(observe('query', payFailed, 31 * SECOND))
      .thenEvents((events) => expect(events[1]?.type).toBe('OrderFailed'));
  });

  it('reverse and query both reporting not found fail the order: it never existed', () => {
    spec
      .given([...history.reversing, reversalAttempted(1, 'NotFound', 31 * SECOND, 32 * SECOND)])
      .when(observe('query', notFound, 32 * SECOND))
      .then([
        recorded('query', notFound, 32 * SECOND),
        {
          type: 'OrderFailed',
          data: {
            source: 'query',
            code: 'ORDER_NOT_FOUND',
            message: 'WeChat has no such order',
            observedAt: at(32 * SECOND),
          },
        },
      ]);
  });

  it('not found from a query alone, after an accepted reverse, is not evidence of failure', () => {
    spec
      .given([...history.reversing, reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND)])
      .when(observe('query', notFound, 32 * SECOND))
      .then([recorded('query', notFound, 32 * SECOND)]);
  });

  it.each([
    ['paid', paid()],
    ['USERPAYING', paying],
    ['an unclear answer', unknown],
  ])('reported %s while reversing: the reverse goes on', (_name, observation) => {
    spec
      .given(history.reversing)
      .when(observe('query', observation, 31 * SECOND))
      .then([recorded('query', observation, 31 * SECOND)]);
  });
});

describe('Order decide: orders reversed or closed', () => {
  it('a reversed order later reported paid (SUCCESS) goes to review', () => {
    spec
      .given(history.reversed)
      .when(observe('statement', paid(), 3_600 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'PaidAfterReversal' }));
  });

  it('a closed order reported with trade_state REFUND (the reverse refunded it) only records the answer', () => {
    const refunded = { ...paid(), tradeState: 'REFUND' as const };
    spec
      .given(history.closed)
      .when(observe('query', refunded, 60 * SECOND))
      .then([recorded('query', refunded, 60 * SECOND)]);
  });
});

describe('Order decide: review', () => {
  it('anyone may flag an order for review, in any status', () => {
    for (const given of [
      history.paying,
      history.succeeded,
      history.failed,
      history.reversed,
      history.needsReview,
    ]) {
      spec
        .given(given)
        .when({
          type: 'FlagForReview',
          reason: 'SourcesDisagree',
          detail: 'statement differs',
          at: at(60 * SECOND),
        })
        .then([flagged('SourcesDisagree', 60 * SECOND, 'statement differs')]);
    }
  });

  it('an order under review only records new answers', () => {
    spec
      .given(history.needsReview)
      .when(observe('query', paid(), 60 * SECOND))
      .then([recorded('query', paid(), 60 * SECOND)]);
  });

  it('a review is resolved by a named person with a note', () => {
    spec
      .given(history.needsReview)
      .when({
        type: 'ResolveReview',
        resolution: 'Succeeded',
        actor: 'ops:alice',
        note: 'paid 90.00',
        at: at(DAY),
      })
      .then([
        {
          type: 'OrderReviewResolved',
          data: { resolution: 'Succeeded', actor: 'ops:alice', note: 'paid 90.00', resolvedAt: at(DAY) },
        },
      ]);
  });

  it('a review cannot settle as Succeeded an order WeChat never reported paid', () => {
    spec
      .given([submitted, dispatched, flagged('SourcesDisagree', SECOND)])
      .when({ type: 'ResolveReview', resolution: 'Succeeded', actor: 'ops', note: 'x', at: at(DAY) })
      .thenFails('IllegalTransition');
  });

  it('an order not under review cannot be resolved', () => {
    spec
      .given(history.succeeded)
      .when({ type: 'ResolveReview', resolution: 'Failed', actor: 'ops', note: 'x', at: at(DAY) })
      .thenFails('IllegalTransition');
  });
});
