import { Order } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, moneyOf, otherTransactionId, transactionId } from '../shared/examples';
import {
  ORDER_AMOUNT,
  closed,
  dispatched,
  history,
  notFound,
  observe,
  paid,
  payFailed,
  paying,
  recorded,
  revoked,
  submitPayment,
  submitted,
  succeeded,
  unknown,
} from './examples';

const spec = DeciderSpecification.for(Order.orderDecider);

describe('Order decide: submitting and dispatching a Quick Pay', () => {
  it('a new payment is recorded as submitted, with its policy and masked auth code', () => {
    spec.given([]).when(submitPayment).then([submitted]);
  });

  it('an attach given on submit is kept on the order', () => {
    spec
      .given([])
      .when({ ...submitPayment, attach: 'table 7' })
      .then([{ type: 'OrderSubmitted', data: { ...submitted.data, attach: 'table 7' } } as Order.OrderEvent]);
  });

  it('the same request submitted again changes nothing', () => {
    spec.given([submitted]).when(submitPayment).thenNothingHappens();
  });

  it('a different request under the same out_trade_no is refused', () => {
    spec
      .given([submitted])
      .when({ ...submitPayment, requestFingerprint: 'fp-other', amount: hkd(1) })
      .thenFails((e) => e._tag === 'OrderAlreadyExists' && e.outTradeNo === submitPayment.outTradeNo);
  });

  it('any command but SubmitPayment on an order that does not exist is refused', () => {
    spec
      .given([])
      .when({ type: 'RecordDispatch', at: at(0) })
      .thenFails('OrderNotFound');
    spec
      .given([])
      .when(observe('query', paying, 0))
      .thenFails('OrderNotFound');
  });

  it('the dispatch is recorded before the pay request is sent', () => {
    spec
      .given([submitted])
      .when({ type: 'RecordDispatch', at: at(100) })
      .then([dispatched]);
  });

  it('a pay request is never dispatched twice', () => {
    spec
      .given([submitted, dispatched])
      .when({ type: 'RecordDispatch', at: at(200) })
      .thenFails('AlreadyDispatched');
  });

  it('an order lost before its pay request was sent fails as never dispatched', () => {
    spec
      .given([submitted])
      .when({ type: 'AbandonUndispatched', at: at(5 * SECOND) })
      .then([
        {
          type: 'OrderFailed',
          data: {
            source: 'dispatch',
            code: 'NOT_DISPATCHED',
            message: 'the pay request was never sent',
            observedAt: at(5 * SECOND),
          },
        },
      ]);
  });

  it('a dispatched order cannot be abandoned: it may exist at WeChat', () => {
    spec
      .given([submitted, dispatched])
      .when({ type: 'AbandonUndispatched', at: at(1) })
      .thenFails('AlreadyDispatched');
  });
});

describe('Order decide: answers while the payment is unsettled', () => {
  it('a pay answer before the dispatch is recorded is refused', () => {
    spec
      .given([submitted])
      .when(observe('pay', paid(), SECOND))
      .thenFails('NotDispatched');
  });

  it('a second answer to the one pay call is refused', () => {
    spec
      .given(history.paying)
      .when(observe('pay', paid(), 2 * SECOND))
      .thenFails((e) => e._tag === 'IllegalTransition');
  });

  it('a paid answer with the ordered amount succeeds the order', () => {
    spec
      .given([submitted, dispatched])
      .when(observe('pay', paid(), SECOND))
      .then([recorded('pay', paid(), SECOND), succeeded('pay', SECOND)]);
  });

  it('a paid answer for another amount goes to review, never to Succeeded', () => {
    spec
      .given([submitted, dispatched])
      .when(observe('pay', paid(hkd(9_000)), SECOND))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['OrderObservationRecorded', 'OrderFlaggedForReview']);
        expect(events[1]?.data).toMatchObject({ reason: 'AmountMismatch' });
      });
  });

  it('a paid answer in another currency goes to review', () => {
    spec
      .given(history.paying)
      .when(observe('query', paid(moneyOf(10_000, 'USD')), 6 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'AmountMismatch' }));
  });

  it('USERPAYING moves a submitted order to Paying', () => {
    spec
      .given([submitted, dispatched])
      .when(observe('pay', paying, SECOND))
      .then([
        recorded('pay', paying, SECOND),
        { type: 'OrderPaying', data: { source: 'pay', tradeState: 'USERPAYING', observedAt: at(SECOND) } },
      ]);
  });

  it('USERPAYING again while Paying only records the answer', () => {
    spec
      .given(history.paying)
      .when(observe('query', paying, 6 * SECOND))
      .then([recorded('query', paying, 6 * SECOND)]);
  });

  it('USERPAYING after an unknown outcome moves the order to Paying', () => {
    spec
      .given(history.unknown)
      .when(observe('query', paying, 6 * SECOND))
      .thenEvents((events) =>
        expect(events.map((e) => e.type)).toEqual(['OrderObservationRecorded', 'OrderPaying']),
      );
  });

  it('a definite failure fails the order', () => {
    spec
      .given(history.paying)
      .when(observe('query', payFailed, 6 * SECOND))
      .then([
        recorded('query', payFailed, 6 * SECOND),
        {
          type: 'OrderFailed',
          data: {
            source: 'query',
            code: 'AUTH_CODE_INVALID',
            message: 'bad code',
            observedAt: at(6 * SECOND),
          },
        },
      ]);
  });

  it('an unclear pay answer (timeout, 5xx, SYSTEMERROR) makes the outcome unknown', () => {
    spec
      .given([submitted, dispatched])
      .when(observe('pay', unknown, SECOND))
      .then(history.unknown.slice(2));
  });

  it('an unclear query answer never settles an unknown order', () => {
    spec
      .given(history.unknown)
      .when(observe('query', unknown, 6 * SECOND))
      .then([recorded('query', unknown, 6 * SECOND)]);
  });

  it('not found while unknown is not evidence of failure: the order stays unknown', () => {
    spec
      .given(history.unknown)
      .when(observe('query', notFound, 6 * SECOND))
      .then([recorded('query', notFound, 6 * SECOND)]);
  });

  it('not found while Paying changes nothing but the record', () => {
    spec
      .given(history.paying)
      .when(observe('query', notFound, 6 * SECOND))
      .then([recorded('query', notFound, 6 * SECOND)]);
  });

  it('REVOKED while unsettled reverses the order (WeChat auto-revokes after 45 s)', () => {
    spec
      .given(history.paying)
      .when(observe('query', revoked, 46 * SECOND))
      .then([
        recorded('query', revoked, 46 * SECOND),
        { type: 'OrderReversed', data: { source: 'query', wasPaid: false, observedAt: at(46 * SECOND) } },
      ]);
  });

  it('CLOSED while unsettled closes the order', () => {
    spec
      .given(history.unknown)
      .when(observe('query', closed, 10 * SECOND))
      .then([
        recorded('query', closed, 10 * SECOND),
        { type: 'OrderClosed', data: { source: 'query', observedAt: at(10 * SECOND) } },
      ]);
  });
});

describe('Order decide: polls', () => {
  it('a poll is scheduled on a dispatched, unsettled order', () => {
    spec
      .given(history.paying)
      .when({ type: 'SchedulePoll', dueAt: at(6 * SECOND), at: at(SECOND) })
      .then([{ type: 'OrderPollScheduled', data: { dueAt: at(6 * SECOND), scheduledAt: at(SECOND) } }]);
  });

  it('scheduling the poll already scheduled changes nothing', () => {
    const scheduled: Order.OrderEvent = {
      type: 'OrderPollScheduled',
      data: { dueAt: at(6 * SECOND), scheduledAt: at(SECOND) },
    };
    spec
      .given([...history.paying, scheduled])
      .when({ type: 'SchedulePoll', dueAt: at(6 * SECOND), at: at(2 * SECOND) })
      .thenNothingHappens();
  });

  it('an order not yet dispatched is never polled', () => {
    spec
      .given([submitted])
      .when({ type: 'SchedulePoll', dueAt: at(5 * SECOND), at: at(0) })
      .thenFails('IllegalTransition');
  });

  it('a settled order is never polled', () => {
    spec
      .given(history.succeeded)
      .when({ type: 'SchedulePoll', dueAt: at(5 * SECOND), at: at(2) })
      .thenFails('IllegalTransition');
  });
});

describe('Order decide: answers about a paid order', () => {
  it('the same transaction reported paid again changes nothing', () => {
    spec
      .given(history.succeeded)
      .when(observe('query', paid(), 5 * SECOND))
      .then([recorded('query', paid(), 5 * SECOND)]);
  });

  it('another transaction reported for a paid order goes to review', () => {
    spec
      .given(history.succeeded)
      .when(observe('statement', paid(ORDER_AMOUNT, otherTransactionId), 5 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'SourcesDisagree' }));
  });

  it('the same transaction reported with another amount goes to review', () => {
    spec
      .given(history.succeeded)
      .when(observe('statement', paid(hkd(9_999), transactionId), 5 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'AmountMismatch' }));
  });

  it.each([
    ['REVOKED', revoked],
    ['CLOSED', closed],
    ['PAYERROR', payFailed],
    ['not found', notFound],
  ])('a paid order reported %s goes to review', (_name, observation) => {
    spec
      .given(history.succeeded)
      .when(observe('query', observation, 5 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'SourcesDisagree' }));
  });

  it.each([
    ['USERPAYING', paying],
    ['an unclear answer', unknown],
  ])('a paid order reported %s only records the answer', (_name, observation) => {
    spec
      .given(history.succeeded)
      .when(observe('query', observation, 5 * SECOND))
      .then([recorded('query', observation, 5 * SECOND)]);
  });

  it('a failed order later reported paid goes to review', () => {
    spec
      .given(history.failed)
      .when(observe('statement', paid(), 60 * SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'PaidAfterFailure' }));
  });

  it('a failed order reported failed again only records the answer', () => {
    spec
      .given(history.failed)
      .when(observe('query', payFailed, 6 * SECOND))
      .then([recorded('query', payFailed, 6 * SECOND)]);
  });
});
