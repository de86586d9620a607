import { addMillis } from '../shared/events';
import { janitorDelayMs } from '../shared/janitor';
import type { RefundReviewReason } from './events';
import { retryDelayMs } from './policy';
import { type ActiveRefund, type RefundState, isActive } from './state';

/**
 * The refund saga's next step from the refund's own state. Spacing between refunds of one order
 * (WeChat asks for at least a minute) needs the other refunds' dispatch times, so the runner may move a
 * `Submit` later by recording a ScheduleSubmit; every other decision is a function of this state.
 */
export type RefundStep =
  | { readonly kind: 'None' }
  | { readonly kind: 'Submit'; readonly dueAt: string }
  | { readonly kind: 'ScheduleSubmit'; readonly dueAt: string; readonly reason: string }
  | { readonly kind: 'SchedulePoll'; readonly dueAt: string }
  | { readonly kind: 'Query'; readonly dueAt: string }
  | { readonly kind: 'FlagForReview'; readonly reason: RefundReviewReason; readonly detail: string };

const NONE: RefundStep = { kind: 'None' };

export const nextRefundStep = (state: RefundState): RefundStep => {
  if (!isActive(state)) return NONE;
  const s = state;
  const p = s.policy;
  switch (s.status) {
    case 'Requested':
    case 'Unknown': {
      if (s.nextPollAt !== undefined) return { kind: 'Query', dueAt: s.nextPollAt };
      if (s.submitDueAt !== undefined) return { kind: 'Submit', dueAt: s.submitDueAt };
      if (s.attempts === 0) return { kind: 'Submit', dueAt: s.requestedAt };
      const dispatchedAt = s.lastDispatchedAt ?? s.requestedAt;
      // An answer recorded before the latest dispatch says nothing about that dispatch: a process
      // that stopped before the new answer came resolves it by querying, never by a stale retry.
      const isCurrent =
        s.lastObservedAt !== undefined && Date.parse(s.lastObservedAt) >= Date.parse(dispatchedAt);
      const base = isCurrent && s.lastObservedAt !== undefined ? s.lastObservedAt : dispatchedAt;
      const lastObservation = isCurrent ? s.lastObservation : undefined;
      if (lastObservation === 'Retryable') {
        const refusals = s.retryableRefusals;
        if (p.maxRetryableRefusals !== undefined && refusals >= p.maxRetryableRefusals) {
          const last = s.lastRefusal !== undefined ? ` (last: ${s.lastRefusal.code})` : '';
          return {
            kind: 'FlagForReview',
            reason: 'RetriesExhausted',
            detail: `refused for now ${refusals} times${last}; the janitor resubmits the same out_refund_no`,
          };
        }
        return {
          kind: 'ScheduleSubmit',
          dueAt: addMillis(base, retryDelayMs(p, refusals)),
          reason: RETRYABLE_REJECTION,
        };
      }
      // Confirmed absent after an unclear submit: resubmitting the same out_refund_no is safe (§5.5).
      if (lastObservation === 'NotFound') return { kind: 'Submit', dueAt: base };
      const delay = p.unknownQueryDelaysMs[s.unknownPolls];
      if (delay === undefined) {
        return {
          kind: 'FlagForReview',
          reason: 'StuckProcessing',
          detail: `no answer after ${s.unknownPolls} queries`,
        };
      }
      return { kind: 'SchedulePoll', dueAt: addMillis(base, delay) };
    }
    case 'Processing': {
      if (s.nextPollAt !== undefined) return { kind: 'Query', dueAt: s.nextPollAt };
      const delay = p.pollDelaysMs[s.processingPolls];
      if (delay === undefined) {
        return {
          kind: 'FlagForReview',
          reason: 'StuckProcessing',
          detail: `still PROCESSING after ${s.processingPolls} queries`,
        };
      }
      return { kind: 'SchedulePoll', dueAt: addMillis(s.lastObservedAt ?? s.requestedAt, delay) };
    }
    case 'Abnormal':
      // The money is neither back with the customer nor refused: hold the reservation and ask again.
      return {
        kind: 'FlagForReview',
        reason: 'Abnormal',
        detail:
          `WeChat reports the refund ABNORMAL${s.refundId !== undefined ? ` (refund_id ${s.refundId})` : ''}; ` +
          'the reservation is held until WeChat or an operator decides',
      };
    case 'NeedsReview':
      return janitorStep(s);
    default:
      return NONE;
  }
};

/** Reason recorded on a ScheduleSubmit decided by the step function (replay re-checks these). */
export const RETRYABLE_REJECTION = 'retryable rejection';

/**
 * The janitor, for a refund in review for an unclear outcome: on `janitorDelayMs`'s schedule, query
 * it; or, when WeChat has never accepted it and last said "not found" or "not now", resubmit the same
 * out_refund_no (WeChat treats it as the same refund, so this cannot refund twice). The decider
 * resolves the item when a verified answer settles it. Contradictions get no step: an operator decides.
 */
const janitorStep = (s: ActiveRefund): RefundStep => {
  const j = s.janitor;
  if (j === undefined) return NONE;
  if (s.nextPollAt !== undefined) {
    return janitorResubmits(s)
      ? { kind: 'Submit', dueAt: s.nextPollAt }
      : { kind: 'Query', dueAt: s.nextPollAt };
  }
  const delay = janitorDelayMs(j.offset + j.attempts, 'refund');
  // Schedule exhausted (a year): only an operator can move the item on.
  if (delay === undefined) return NONE;
  return { kind: 'SchedulePoll', dueAt: addMillis(j.lastAttemptAt ?? j.since, delay) };
};

export const janitorResubmits = (s: ActiveRefund): boolean =>
  !s.accepted && (s.lastObservation === 'Retryable' || s.lastObservation === 'NotFound');

/**
 * What a refund's state means for its reservation on the order: WeChat paid it out (confirm), or
 * it ended without paying (release). Anything else, review and ABNORMAL included, holds the
 * reservation, so that amount cannot be refunded twice while WeChat or an operator decides.
 */
export const reservationSettlement = (s: RefundState): 'confirm' | 'release' | undefined => {
  if (!isActive(s)) return undefined;
  switch (s.status) {
    case 'Succeeded':
      return 'confirm';
    case 'Closed':
    case 'Rejected':
      return 'release';
    default:
      return undefined;
  }
};
