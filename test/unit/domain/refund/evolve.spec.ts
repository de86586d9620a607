import fc from 'fast-check';
import { Refund } from '../../../../src/domain';
import { refundEventArb } from '../../../properties/event-arbitraries';
import { SECOND, at, refundId } from '../shared/examples';
import {
  REFUND_AMOUNT,
  dispatched,
  flagged,
  history,
  processing,
  recorded,
  requested,
  retryableObs,
  unknownObs,
} from './examples';

const fold = (events: readonly Refund.RefundEvent[]): Refund.RefundState =>
  events.reduce(Refund.evolve, Refund.initialState());
const active = (events: readonly Refund.RefundEvent[]): Refund.ActiveRefund => {
  const s = fold(events);
  if (!Refund.isActive(s)) throw new Error('expected a refund');
  return s;
};
const MINUTE = 60 * SECOND;
const pollScheduled = (dueMs: number): Refund.RefundEvent => ({
  type: 'RefundPollScheduled',
  data: { dueAt: at(dueMs), scheduledAt: at(0) },
});

describe('Refund evolve', () => {
  it('a new refund starts Requested, never submitted', () => {
    expect(active([requested])).toMatchObject({
      status: 'Requested',
      amount: REFUND_AMOUNT,
      requestedAt: at(0),
      attempts: 0,
      isAwaitingAnswer: false,
      unknownPolls: 0,
      processingPolls: 0,
    });
  });

  it('a second RefundRequested does not reset the refund', () => {
    const s = fold(history.processing);
    expect(Refund.evolve(s, requested)).toBe(s);
  });

  it('a submission awaits its answer and cancels any scheduled submit or poll', () => {
    const s = active([
      requested,
      { type: 'RefundSubmitScheduled', data: { dueAt: at(MINUTE), reason: 'spacing', scheduledAt: at(0) } },
      pollScheduled(MINUTE),
      dispatched(1, MINUTE),
    ]);
    expect(s).toMatchObject({ attempts: 1, lastDispatchedAt: at(MINUTE), isAwaitingAnswer: true });
    expect(s.submitDueAt).toBeUndefined();
    expect(s.nextPollAt).toBeUndefined();
  });

  it('only the submit answer ends the wait for it; a query does not', () => {
    expect(active([...history.dispatched, recorded('query', unknownObs, SECOND)]).isAwaitingAnswer).toBe(
      true,
    );
    expect(active([...history.dispatched, recorded('submit', retryableObs, SECOND)])).toMatchObject({
      isAwaitingAnswer: false,
      lastObservation: 'Retryable',
      lastObservedAt: at(SECOND),
    });
  });

  it('the refund id is kept from the first answer that carries it', () => {
    expect(active([...history.dispatched, recorded('submit', processing, SECOND)]).refundId).toBe(refundId);
    expect(active(history.processing)).toMatchObject({ status: 'Processing', refundId });
  });

  it('polls are counted apart while unclear and while processing', () => {
    const unclear = active([...history.unknown, pollScheduled(6 * SECOND)]);
    expect(unclear).toMatchObject({ unknownPolls: 1, processingPolls: 0, nextPollAt: at(6 * SECOND) });
    const proc = active([
      ...history.processing,
      pollScheduled(MINUTE),
      recorded('query', processing, MINUTE),
      pollScheduled(6 * MINUTE),
    ]);
    expect(proc).toMatchObject({ unknownPolls: 0, processingPolls: 2, nextPollAt: at(6 * MINUTE) });
  });

  it('settling events set their status and stop polling', () => {
    expect(active(history.succeeded)).toMatchObject({
      status: 'Succeeded',
      successTime: '2026-03-02T16:05:00+08:00',
    });
    expect(active(history.closed).status).toBe('Closed');
    expect(active(history.abnormal).status).toBe('Abnormal');
    expect(active(history.rejected).status).toBe('Rejected');
    expect(
      active([...history.processing, pollScheduled(MINUTE), ...history.closed.slice(-1)]).nextPollAt,
    ).toBeUndefined();
  });

  it('review stops every timer, and its resolution sets the chosen status', () => {
    const s = active([
      ...history.unknown,
      pollScheduled(6 * SECOND),
      flagged('StuckProcessing', 7 * SECOND, 'stuck'),
    ]);
    expect(s).toMatchObject({
      status: 'NeedsReview',
      review: { reason: 'StuckProcessing', detail: 'stuck' },
    });
    expect(s.nextPollAt).toBeUndefined();
    const resolved = active([
      ...history.needsReview,
      {
        type: 'RefundReviewResolved',
        data: { resolution: 'Succeeded', actor: 'ops', note: 'x', resolvedAt: at(MINUTE) },
      },
    ]);
    expect(resolved.status).toBe('Succeeded');
    expect(resolved.review).toBeUndefined();
  });

  it('events before RefundRequested leave the initial state unchanged', () => {
    expect(fold([dispatched(1, 0), recorded('query', processing, 1)])).toEqual(Refund.initialState());
  });

  it('is total: any event on any reachable state gives a state, never an exception (1000 runs)', () => {
    const states = Object.values(history).map(fold);
    fc.assert(
      fc.property(fc.constantFrom(...states), fc.array(refundEventArb, { maxLength: 5 }), (state, events) => {
        expect(Object.keys(Refund.REFUND_TRANSITIONS)).toContain(events.reduce(Refund.evolve, state).status);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a refund is final only once Succeeded, Closed or Rejected', () => {
    expect(
      Object.fromEntries(Object.entries(history).map(([name, h]) => [name, Refund.isFinal(fold(h))])),
    ).toEqual({
      requested: false,
      dispatched: false,
      processing: false,
      unknown: false,
      succeeded: true,
      closed: true,
      abnormal: false,
      rejected: true,
      needsReview: false,
    });
  });
});
