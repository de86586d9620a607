import type { OrderEvent, OrderEventOf } from './events';
import { type ActiveOrder, type OrderState, isActive, isJanitorManaged } from './state';

/**
 * Folds one event into the state. Total: an event that does not fit the state (which `decide`
 * never produces and replay reports) leaves the state unchanged rather than throwing.
 */
export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  if (event.type === 'OrderSubmitted') {
    if (isActive(state)) return state;
    const d = event.data;
    return {
      status: 'Submitted',
      spMchid: d.spMchid,
      subMchid: d.subMchid,
      outTradeNo: d.outTradeNo,
      amount: d.amount,
      description: d.description,
      ...(d.attach !== undefined ? { attach: d.attach } : {}),
      authCodeMasked: d.authCodeMasked,
      requestFingerprint: d.requestFingerprint,
      submittedAt: d.submittedAt,
      policy: d.policy,
      hasPayAnswer: false,
      observationCount: 0,
      wasSeenPaid: false,
      refunds: {},
    };
  }
  if (!isActive(state)) return state;
  return evolveActive(state, event);
};

const withoutPoll = (s: ActiveOrder): ActiveOrder => {
  const { nextPollAt: _dropped, ...rest } = s;
  return rest;
};

/** An answer recorded while the janitor works on the order: its evidence, and a query is an attempt. */
const withJanitorEvidence = (
  s: ActiveOrder,
  d: OrderEventOf<'OrderObservationRecorded'>['data'],
): Pick<ActiveOrder, 'review'> | Record<string, never> => {
  const j = s.status === 'NeedsReview' ? s.review?.janitor : undefined;
  if (!s.review || !j) return {};
  const evidence = { source: d.source, observation: d.observation, observedAt: d.observedAt };
  if (d.source !== 'query') return { review: { ...s.review, janitor: { ...j, evidence } } };
  const { reversedAt: _done, ...rest } = j;
  return {
    review: {
      ...s.review,
      janitor: { ...rest, attempts: j.attempts + 1, lastAttemptAt: d.observedAt, evidence },
    },
  };
};

const evolveActive = (s: ActiveOrder, event: OrderEvent): ActiveOrder => {
  switch (event.type) {
    case 'OrderSubmitted':
      return s;
    case 'OrderDispatched':
      return { ...s, dispatchedAt: event.data.dispatchedAt };
    case 'OrderObservationRecorded': {
      const o = event.data.observation;
      const base: ActiveOrder = {
        ...withoutPoll(s),
        hasPayAnswer: s.hasPayAnswer || event.data.source === 'pay',
        lastObservedAt: event.data.observedAt,
        lastObservation: o,
        lastObservationSource: event.data.source,
        observationCount: s.observationCount + 1,
        ...withJanitorEvidence(s, event.data),
      };
      const afterPaid: ActiveOrder =
        o.kind === 'Paid'
          ? {
              ...base,
              wasSeenPaid: true,
              // The first report stands: a later one that contradicts it goes to review (decide)
              // and must not quietly replace the transaction refunds are made against.
              transactionId: s.transactionId ?? o.transactionId,
              // What WeChat holds caps every refund, even when it differs from what was ordered
              // and a review later settles the order as Succeeded.
              paidAmount: s.paidAmount ?? o.amount,
              ...(s.successTime === undefined && o.successTime !== undefined
                ? { successTime: o.successTime }
                : {}),
            }
          : base;
      // A reverse awaiting confirmation: an answer that is not final makes the confirmation inconclusive.
      return afterPaid.reversal && afterPaid.status === 'Reversing' && event.data.source !== 'reverse'
        ? { ...afterPaid, reversal: { ...afterPaid.reversal, isConfirmInconclusive: true } }
        : afterPaid;
    }
    case 'OrderPaying':
      return { ...s, status: 'Paying' };
    case 'OrderOutcomeUnknown':
      return { ...s, status: 'Unknown' };
    case 'OrderSucceeded':
      return {
        ...withoutPoll(s),
        status: 'Succeeded',
        transactionId: event.data.transactionId,
        paidAmount: event.data.amount,
        wasSeenPaid: true,
        ...(event.data.successTime !== undefined ? { successTime: event.data.successTime } : {}),
      };
    case 'OrderFailed':
      return {
        ...withoutPoll(s),
        status: 'Failed',
        failure: { code: event.data.code, message: event.data.message },
      };
    case 'OrderPollScheduled':
      return { ...s, nextPollAt: event.data.dueAt };
    case 'OrderReversalRequested':
      return {
        ...withoutPoll(s),
        status: 'Reversing',
        reversal: {
          reason: event.data.reason,
          requestedAt: event.data.requestedAt,
          dueAt: event.data.dueAt,
          attempts: 0,
          isConfirmInconclusive: false,
        },
      };
    case 'OrderReversalAttempted':
      return s.reversal
        ? {
            ...s,
            ...(s.review?.janitor
              ? {
                  review: {
                    ...s.review,
                    janitor: { ...s.review.janitor, reversedAt: event.data.observedAt },
                  },
                }
              : {}),
            reversal: {
              ...s.reversal,
              attempts: event.data.attempt,
              lastOutcome: event.data.outcome,
              nextDueAt: event.data.nextDueAt,
              isConfirmInconclusive: false,
            },
          }
        : s;
    case 'OrderReversed':
      return { ...withoutPoll(s), status: 'Reversed' };
    case 'OrderClosed':
      return { ...withoutPoll(s), status: 'Closed' };
    case 'OrderFlaggedForReview':
      return {
        ...withoutPoll(s),
        status: 'NeedsReview',
        review: {
          reason: event.data.reason,
          detail: event.data.detail,
          previousStatus: s.status === 'NeedsReview' ? (s.review?.previousStatus ?? s.status) : s.status,
          flaggedAt: event.data.observedAt,
          ...(isJanitorManaged(event.data.reason) ? { janitor: { attempts: 0 } } : {}),
        },
      };
    case 'OrderReviewResolved': {
      const { review: _resolved, ...rest } = s;
      return { ...rest, status: event.data.resolution };
    }
    case 'RefundReserved':
      return {
        ...s,
        refunds: {
          ...s.refunds,
          [event.data.outRefundNo]: {
            amount: event.data.amount,
            status: 'reserved',
            reservedAt: event.data.reservedAt,
            requestFingerprint: event.data.requestFingerprint,
            ...(event.data.reason !== undefined ? { reason: event.data.reason } : {}),
          },
        },
      };
    case 'RefundReservationReleased':
    case 'RefundConfirmed': {
      const r = s.refunds[event.data.outRefundNo];
      if (!r) return s;
      const status = event.type === 'RefundConfirmed' ? 'confirmed' : 'released';
      return { ...s, refunds: { ...s.refunds, [event.data.outRefundNo]: { ...r, status } } };
    }
  }
};
