import { addMillis } from '../shared/events';
import type { RefundReviewReason } from './events';
import { type RefundState, isActive } from './state';

/**
 * The refund saga's next step from the refund's own state. Spacing between refunds of one order
 * (≥ 60 s, reference §5.5) needs the other refunds' dispatch times, so the runner may move a
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
        return {
          kind: 'ScheduleSubmit',
          dueAt: addMillis(base, p.retryAfterMs),
          reason: 'retryable rejection',
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
    default:
      return NONE;
  }
};
