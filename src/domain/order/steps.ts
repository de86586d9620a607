import { addMillis } from '../shared/events';
import type { ReviewReason } from './events';
import { type OrderState, isActive } from './state';

/**
 * The pay saga's next step, computed from the order's state alone (its recorded inputs and the
 * policy recorded at submit). The saga runner executes it; `replay --verify` recomputes it for
 * every recorded saga decision and reports any difference.
 */
export type PayStep =
  | { readonly kind: 'None' }
  | { readonly kind: 'Dispatch' }
  | { readonly kind: 'SchedulePoll'; readonly dueAt: string }
  | { readonly kind: 'Query'; readonly dueAt: string }
  | { readonly kind: 'RequestReversal'; readonly dueAt: string }
  | { readonly kind: 'Reverse'; readonly dueAt: string }
  | { readonly kind: 'FlagForReview'; readonly reason: ReviewReason; readonly detail: string };

const NONE: PayStep = { kind: 'None' };
const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

export const nextPayStep = (state: OrderState): PayStep => {
  if (!isActive(state)) return NONE;
  const s = state;
  const p = s.policy;
  switch (s.status) {
    case 'Submitted':
    case 'Paying':
    case 'Unknown': {
      if (s.dispatchedAt === undefined) return { kind: 'Dispatch' };
      if (s.nextPollAt !== undefined) return { kind: 'Query', dueAt: s.nextPollAt };
      // No answer to the pay call at all means the process stopped while it was in flight: poll, never resend.
      const base = s.lastObservedAt ?? s.dispatchedAt;
      const queries = s.observationCount - (s.hasPayAnswer ? 1 : 0);
      const candidate = addMillis(base, queries === 0 ? p.firstPollAfterMs : p.pollIntervalMs);
      const deadline = addMillis(s.submittedAt, p.deadlineMs);
      if (Date.parse(candidate) <= Date.parse(deadline)) return { kind: 'SchedulePoll', dueAt: candidate };
      // The customer has until the deadline to confirm (§7.1); the reverse waits for it, and for 15 s (§5.3).
      const earliest = later(deadline, addMillis(s.submittedAt, p.minReverseAfterMs));
      return { kind: 'RequestReversal', dueAt: later(base, earliest) };
    }
    case 'Reversing': {
      const r = s.reversal;
      if (!r) return NONE;
      if (r.attempts === 0) return { kind: 'Reverse', dueAt: r.dueAt };
      const awaitsConfirmation =
        (r.lastOutcome === 'Accepted' || r.lastOutcome === 'NotFound') && !r.isConfirmInconclusive;
      if (awaitsConfirmation && r.nextDueAt !== undefined) return { kind: 'Query', dueAt: r.nextDueAt };
      const delays = p.reverseRetryDelaysMs;
      if (r.attempts >= delays.length) {
        return {
          kind: 'FlagForReview',
          reason: 'ReversalFailed',
          detail: `reverse not confirmed after ${r.attempts} attempt(s); last outcome ${r.lastOutcome ?? 'none'}`,
        };
      }
      if (r.isConfirmInconclusive && s.lastObservedAt !== undefined) {
        return { kind: 'Reverse', dueAt: addMillis(s.lastObservedAt, delays[r.attempts - 1] ?? 0) };
      }
      return { kind: 'Reverse', dueAt: r.nextDueAt ?? r.dueAt };
    }
    default:
      return NONE;
  }
};
