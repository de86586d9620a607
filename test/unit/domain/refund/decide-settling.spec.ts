import { Refund } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, refundId } from '../shared/examples';
import {
  abnormalObs,
  closedObs,
  flagged,
  history,
  notFoundObs,
  observe,
  processing,
  recorded,
  succeededObs,
  unknownObs,
} from './examples';

const spec = DeciderSpecification.for(Refund.refundDecider);
const MINUTE = 60 * SECOND;

describe('Refund decide: settling', () => {
  const succeededEvent: Refund.RefundEvent = {
    type: 'RefundSucceeded',
    data: {
      source: 'query',
      refundId,
      amount: hkd(2_500),
      observedAt: at(MINUTE),
      successTime: '2026-03-02T16:05:00+08:00',
    },
  };

  it('a processing refund is polled', () => {
    spec
      .given(history.processing)
      .when({ type: 'SchedulePoll', dueAt: at(MINUTE), at: at(SECOND) })
      .then([{ type: 'RefundPollScheduled', data: { dueAt: at(MINUTE), scheduledAt: at(SECOND) } }]);
  });

  it('SUCCESS for the requested amount succeeds the refund', () => {
    spec
      .given(history.processing)
      .when(observe('query', succeededObs(), MINUTE))
      .then([recorded('query', succeededObs(), MINUTE), succeededEvent]);
  });

  it('SUCCESS can arrive before the submit answer (a notification racing it)', () => {
    spec
      .given(history.dispatched)
      .when(observe('notification', succeededObs(), MINUTE))
      .thenEvents((events) => expect(events[1]?.type).toBe('RefundSucceeded'));
  });

  it('SUCCESS for another amount goes to review', () => {
    spec
      .given(history.processing)
      .when(observe('notification', succeededObs(hkd(2_400)), MINUTE))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'AmountMismatch' }));
  });

  it('REFUNDCLOSE / CLOSED closes the refund', () => {
    spec
      .given(history.processing)
      .when(observe('query', closedObs, MINUTE))
      .then(history.closed.slice(-2));
  });

  it('ABNORMAL marks the refund abnormal; it may still succeed or close', () => {
    spec
      .given(history.processing)
      .when(observe('query', abnormalObs, MINUTE))
      .then(history.abnormal.slice(-2));
    spec
      .given(history.abnormal)
      .when(observe('query', succeededObs(), 2 * MINUTE))
      .thenEvents((events) => expect(events[1]?.type).toBe('RefundSucceeded'));
    spec
      .given(history.abnormal)
      .when(observe('query', closedObs, 2 * MINUTE))
      .thenEvents((events) => expect(events[1]?.type).toBe('RefundClosed'));
  });

  it('an accepted refund later reported not found goes to review', () => {
    spec
      .given(history.processing)
      .when(observe('query', notFoundObs, MINUTE))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'SourcesDisagree' }));
  });

  it('PROCESSING again, or an unclear query, only records the answer', () => {
    spec
      .given(history.processing)
      .when(observe('query', processing, MINUTE))
      .then([recorded('query', processing, MINUTE)]);
    spec
      .given(history.processing)
      .when(observe('query', unknownObs, MINUTE))
      .then([recorded('query', unknownObs, MINUTE)]);
  });

  it('a succeeded refund reported SUCCESS again (a duplicate notification) changes nothing', () => {
    spec
      .given(history.succeeded)
      .when(observe('notification', succeededObs(), 2 * MINUTE))
      .then([recorded('notification', succeededObs(), 2 * MINUTE)]);
  });

  it.each([
    ['CLOSED', closedObs],
    ['ABNORMAL', abnormalObs],
    ['not found', notFoundObs],
    ['SUCCESS for another amount', succeededObs(hkd(1))],
  ])('a succeeded refund reported %s goes to review', (_name, observation) => {
    spec
      .given(history.succeeded)
      .when(observe('query', observation, 2 * MINUTE))
      .thenEvents((events) => expect(events[1]?.type).toBe('RefundFlaggedForReview'));
  });

  it.each([
    ['closed', history.closed],
    ['rejected', history.rejected],
  ])('a %s refund later reported SUCCESS goes to review', (_name, given) => {
    spec
      .given(given)
      .when(observe('notification', succeededObs(), 2 * MINUTE))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'SourcesDisagree' }));
  });

  it.each([
    ['PROCESSING', processing],
    ['ABNORMAL', abnormalObs],
  ])('a rejected refund later reported %s goes to review: it exists after all', (_name, observation) => {
    spec
      .given(history.rejected)
      .when(observe('query', observation, 2 * MINUTE))
      .thenEvents((events) => expect(events[1]?.data).toMatchObject({ reason: 'SourcesDisagree' }));
  });

  it('a closed refund reported closed again only records the answer', () => {
    spec
      .given(history.closed)
      .when(observe('notification', closedObs, 2 * MINUTE))
      .then([recorded('notification', closedObs, 2 * MINUTE)]);
  });
});

describe('Refund decide: review', () => {
  it('anyone may flag a refund for review', () => {
    spec
      .given(history.processing)
      .when({ type: 'FlagForReview', reason: 'StuckProcessing', detail: 'a day', at: at(MINUTE) })
      .then([flagged('StuckProcessing', MINUTE, 'a day')]);
  });

  it('a refund under review only records answers', () => {
    spec
      .given(history.needsReview)
      .when(observe('query', succeededObs(), 2 * MINUTE))
      .then([recorded('query', succeededObs(), 2 * MINUTE)]);
  });

  it('a review is resolved by a named person with a note', () => {
    spec
      .given(history.needsReview)
      .when({
        type: 'ResolveReview',
        resolution: 'Closed',
        actor: 'ops:bob',
        note: 'bank returned it',
        at: at(MINUTE),
      })
      .then([
        {
          type: 'RefundReviewResolved',
          data: { resolution: 'Closed', actor: 'ops:bob', note: 'bank returned it', resolvedAt: at(MINUTE) },
        },
      ]);
  });

  it('a refund not under review cannot be resolved', () => {
    spec
      .given(history.processing)
      .when({ type: 'ResolveReview', resolution: 'Closed', actor: 'ops', note: 'x', at: at(MINUTE) })
      .thenFails('IllegalTransition');
  });
});
