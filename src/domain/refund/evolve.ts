import { janitorDelayMs } from '../shared/janitor';
import { type RefundEvent, type RefundObservation, isJanitorManagedRefundReason } from './events';
import { type ActiveRefund, type JanitorProgress, type RefundState, isActive } from './state';

const DAY = 24 * 3_600_000;

/**
 * Where a refund already polled through the PROCESSING schedule (about a week) joins the janitor's
 * schedule: at its daily part, so the item is not queried hourly for another week.
 */
export const JANITOR_DAILY_FROM: number = (() => {
  let n = 0;
  while (janitorDelayMs(n, 'refund') !== undefined && janitorDelayMs(n, 'refund') !== DAY) n += 1;
  return n;
})();

const ACCEPTED_KINDS: readonly RefundObservation['kind'][] = [
  'Processing',
  'Succeeded',
  'Closed',
  'Abnormal',
];

const janitorOnObservation = (
  s: ActiveRefund,
  source: string,
  observedAt: string,
): { readonly janitor?: JanitorProgress } =>
  s.janitor === undefined || s.status !== 'NeedsReview' || source === 'notification' || source === 'statement'
    ? {}
    : { janitor: { ...s.janitor, attempts: s.janitor.attempts + 1, lastAttemptAt: observedAt } };

/** Total: an event that does not fit the state leaves it unchanged (replay reports such events). */
export const evolve = (state: RefundState, event: RefundEvent): RefundState => {
  if (event.type === 'RefundRequested') {
    if (isActive(state)) return state;
    const { requestedAt, reason, ...d } = event.data;
    return {
      ...d,
      status: 'Requested',
      requestedAt,
      ...(reason !== undefined ? { reason } : {}),
      attempts: 0,
      isAwaitingAnswer: false,
      unknownPolls: 0,
      processingPolls: 0,
      retryableRefusals: 0,
      accepted: false,
    };
  }
  if (!isActive(state)) return state;
  return evolveActive(state, event);
};

const without = <K extends keyof ActiveRefund>(s: ActiveRefund, ...keys: K[]): ActiveRefund => {
  const copy: Record<string, unknown> = { ...s };
  for (const k of keys) delete copy[k];
  return copy as unknown as ActiveRefund;
};

const evolveActive = (s: ActiveRefund, event: RefundEvent): ActiveRefund => {
  switch (event.type) {
    case 'RefundRequested':
      return s;
    case 'RefundDispatched':
      return {
        ...without(s, 'submitDueAt', 'nextPollAt'),
        attempts: event.data.attempt,
        lastDispatchedAt: event.data.dispatchedAt,
        isAwaitingAnswer: true,
      };
    case 'RefundObservationRecorded': {
      const o = event.data.observation;
      const refundId = 'refundId' in o && o.refundId !== undefined ? { refundId: o.refundId } : {};
      const refused = event.data.source === 'submit' && o.kind === 'Retryable';
      return {
        ...without(s, 'nextPollAt'),
        ...refundId,
        isAwaitingAnswer: event.data.source === 'submit' ? false : s.isAwaitingAnswer,
        lastObservedAt: event.data.observedAt,
        lastObservation: o.kind,
        ...(refused
          ? {
              retryableRefusals: s.retryableRefusals + 1,
              lastRefusal: { code: o.code, message: o.message },
            }
          : {}),
        accepted: s.accepted || ACCEPTED_KINDS.includes(o.kind),
        ...janitorOnObservation(s, event.data.source, event.data.observedAt),
      };
    }
    case 'RefundProcessing':
      return {
        ...s,
        status: 'Processing',
        accepted: true,
        ...(event.data.refundId !== undefined ? { refundId: event.data.refundId } : {}),
      };
    case 'RefundOutcomeUnknown':
      return { ...s, status: 'Unknown' };
    case 'RefundSucceeded':
      return {
        ...without(s, 'nextPollAt'),
        status: 'Succeeded',
        refundId: event.data.refundId,
        ...(event.data.successTime !== undefined ? { successTime: event.data.successTime } : {}),
      };
    case 'RefundClosed':
      return { ...without(s, 'nextPollAt'), status: 'Closed' };
    case 'RefundAbnormal':
      return { ...without(s, 'nextPollAt'), status: 'Abnormal', accepted: true };
    case 'RefundRejected':
      return {
        ...without(s, 'nextPollAt'),
        status: 'Rejected',
        rejection: { code: event.data.code, message: event.data.message },
      };
    case 'RefundSubmitScheduled':
      return { ...s, submitDueAt: event.data.dueAt };
    case 'RefundPollScheduled':
      // In review, the janitor's schedule counts answers (JanitorProgress.attempts), not schedules.
      if (s.status === 'NeedsReview') return { ...s, nextPollAt: event.data.dueAt };
      return s.status === 'Processing'
        ? { ...s, nextPollAt: event.data.dueAt, processingPolls: s.processingPolls + 1 }
        : { ...s, nextPollAt: event.data.dueAt, unknownPolls: s.unknownPolls + 1 };
    case 'RefundFlaggedForReview': {
      const { reason, detail, observedAt } = event.data;
      // A contradiction found while the janitor works on an item takes it away from the janitor.
      const janitor: JanitorProgress | undefined = isJanitorManagedRefundReason(reason)
        ? {
            since: observedAt,
            offset: s.status === 'Processing' && reason === 'StuckProcessing' ? JANITOR_DAILY_FROM : 0,
            attempts: 0,
          }
        : undefined;
      return {
        ...without(s, 'nextPollAt', 'submitDueAt', 'janitor'),
        status: 'NeedsReview',
        review: { reason, detail },
        ...(janitor !== undefined ? { janitor } : {}),
      };
    }
    case 'RefundReviewResolved':
      return { ...without(s, 'review', 'janitor', 'nextPollAt'), status: event.data.resolution };
  }
};
