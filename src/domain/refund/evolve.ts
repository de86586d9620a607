import type { RefundEvent } from './events';
import { type ActiveRefund, type RefundState, isActive } from './state';

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
      return {
        ...without(s, 'nextPollAt'),
        ...refundId,
        isAwaitingAnswer: event.data.source === 'submit' ? false : s.isAwaitingAnswer,
        lastObservedAt: event.data.observedAt,
        lastObservation: o.kind,
      };
    }
    case 'RefundProcessing':
      return {
        ...s,
        status: 'Processing',
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
      return { ...without(s, 'nextPollAt'), status: 'Abnormal' };
    case 'RefundRejected':
      return {
        ...without(s, 'nextPollAt'),
        status: 'Rejected',
        rejection: { code: event.data.code, message: event.data.message },
      };
    case 'RefundSubmitScheduled':
      return { ...s, submitDueAt: event.data.dueAt };
    case 'RefundPollScheduled':
      return s.status === 'Processing'
        ? { ...s, nextPollAt: event.data.dueAt, processingPolls: s.processingPolls + 1 }
        : { ...s, nextPollAt: event.data.dueAt, unknownPolls: s.unknownPolls + 1 };
    case 'RefundFlaggedForReview':
      return {
        ...without(s, 'nextPollAt', 'submitDueAt'),
        status: 'NeedsReview',
        review: { reason: event.data.reason, detail: event.data.detail },
      };
    case 'RefundReviewResolved':
      return { ...without(s, 'review'), status: event.data.resolution };
  }
};
