import { Refund } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, moneyOf } from '../shared/examples';
import {
  ORDER_TOTAL,
  dispatched,
  history,
  notFoundObs,
  numberUsedObs,
  observe,
  processing,
  recorded,
  rejectedObs,
  requestRefund,
  requested,
  retryableObs,
  unknownObs,
} from './examples';

const spec = DeciderSpecification.for(Refund.refundDecider);
const MINUTE = 60 * SECOND;

describe('Refund decide: requesting a refund', () => {
  it('a refund within the order total is requested, with its policy', () => {
    spec.given([]).when(requestRefund).then([requested]);
  });

  it('the same request again changes nothing', () => {
    spec.given([requested]).when(requestRefund).thenNothingHappens();
  });

  it('another request under the same out_refund_no is refused', () => {
    spec
      .given(history.processing)
      .when({ ...requestRefund, requestFingerprint: 'other' })
      .thenFails((e) => e._tag === 'RefundAlreadyExists' && e.outRefundNo === requestRefund.outRefundNo);
  });

  it('a refund of nothing, or of more than the order total, is refused', () => {
    spec
      .given([])
      .when({ ...requestRefund, amount: hkd(0) })
      .thenFails('InvalidRefundAmount');
    spec
      .given([])
      .when({ ...requestRefund, amount: hkd(10_001) })
      .thenFails('InvalidRefundAmount');
  });

  it('a refund of exactly the order total is requested', () => {
    spec
      .given([])
      .when({ ...requestRefund, amount: ORDER_TOTAL })
      .thenEvents((events) => expect(events[0]?.data).toMatchObject({ amount: ORDER_TOTAL }));
  });

  it('a refund in another currency than the order is a typed error', () => {
    spec
      .given([])
      .when({ ...requestRefund, amount: moneyOf(100, 'USD') })
      .thenFails((e) => e._tag === 'CurrencyMismatch' && e.left === 'HKD' && e.right === 'USD');
  });

  it('a reason given with the refund is kept', () => {
    spec
      .given([])
      .when({ ...requestRefund, reason: 'damaged' })
      .thenEvents((events) => expect(events[0]?.data).toMatchObject({ reason: 'damaged' }));
  });

  it('any other command on a refund that does not exist is refused', () => {
    spec
      .given([])
      .when({ type: 'RecordDispatch', at: at(0) })
      .thenFails('RefundNotFound');
  });
});

describe('Refund decide: submitting', () => {
  it('each submission is recorded, numbered, before it is sent', () => {
    spec
      .given([requested])
      .when({ type: 'RecordDispatch', at: at(100) })
      .then([dispatched(1, 100)]);
  });

  it('a resubmission after an unclear outcome reuses the refund and counts the attempt', () => {
    spec
      .given(history.unknown)
      .when({ type: 'RecordDispatch', at: at(MINUTE) })
      .then([dispatched(2, MINUTE)]);
  });

  it('an answer from submit without a submission is refused', () => {
    spec
      .given([requested])
      .when(observe('submit', processing, SECOND))
      .thenFails((e) => e._tag === 'IllegalTransition');
  });

  it('accepted (PROCESSING) moves the refund to Processing with its refund id', () => {
    spec
      .given(history.dispatched)
      .when(observe('submit', processing, SECOND))
      .then(history.processing.slice(2));
  });

  it('a definite rejection before acceptance rejects the refund, keeping WeChat code and message', () => {
    spec
      .given(history.dispatched)
      .when(observe('submit', rejectedObs, SECOND))
      .then(history.rejected.slice(2));
  });

  it('OUT_REFUND_NO_USED goes to review: the number was used with other parameters', () => {
    spec
      .given(history.dispatched)
      .when(observe('submit', numberUsedObs, SECOND))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'RefundNumberUsed' }));
  });

  it('a retryable rejection (NOT_ENOUGH) is only recorded: the same number is resubmitted later', () => {
    spec
      .given(history.dispatched)
      .when(observe('submit', retryableObs, SECOND))
      .then([recorded('submit', retryableObs, SECOND)]);
  });

  it('an unclear submit answer makes the outcome unknown', () => {
    spec
      .given(history.dispatched)
      .when(observe('submit', unknownObs, SECOND))
      .then(history.unknown.slice(2));
  });

  it('a rejection seen by a query (not the submit) does not reject the refund', () => {
    spec
      .given(history.unknown)
      .when(observe('query', rejectedObs, 6 * SECOND))
      .then([recorded('query', rejectedObs, 6 * SECOND)]);
  });

  it('not found after an unclear submit is only recorded: the saga resubmits the same number', () => {
    spec
      .given(history.unknown)
      .when(observe('query', notFoundObs, 6 * SECOND))
      .then([recorded('query', notFoundObs, 6 * SECOND)]);
  });

  it('a submission is scheduled later (spacing, retry) while the refund is not accepted', () => {
    spec
      .given(history.unknown)
      .when({ type: 'ScheduleSubmit', dueAt: at(2 * MINUTE), reason: 'retryable rejection', at: at(MINUTE) })
      .then([
        {
          type: 'RefundSubmitScheduled',
          data: { dueAt: at(2 * MINUTE), reason: 'retryable rejection', scheduledAt: at(MINUTE) },
        },
      ]);
  });

  it('scheduling the submission already scheduled changes nothing', () => {
    const scheduled: Refund.RefundEvent = {
      type: 'RefundSubmitScheduled',
      data: { dueAt: at(2 * MINUTE), reason: 'spacing', scheduledAt: at(0) },
    };
    spec
      .given([requested, scheduled])
      .when({ type: 'ScheduleSubmit', dueAt: at(2 * MINUTE), reason: 'spacing', at: at(SECOND) })
      .thenNothingHappens();
  });

  it('an accepted refund is never submitted again', () => {
    spec
      .given(history.processing)
      .when({ type: 'RecordDispatch', at: at(MINUTE) })
      .thenFails('IllegalTransition');
    spec
      .given(history.processing)
      .when({ type: 'ScheduleSubmit', dueAt: at(MINUTE), reason: 'x', at: at(MINUTE) })
      .thenFails('IllegalTransition');
  });
});
