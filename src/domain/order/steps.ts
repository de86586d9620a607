import { equals } from '../shared/money';
import { addMillis, millisBetween } from '../shared/events';
import { janitorDelayMs } from '../shared/janitor';
import type { ReviewReason } from './events';
import { REVERSE_WINDOW_MS } from './policy';
import { type ActiveOrder, type OrderState, earliestReverseAt, isActive, isJanitorManaged } from './state';

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
  | { readonly kind: 'FlagForReview'; readonly reason: ReviewReason; readonly detail: string }
  /** The janitor settles a review with the verified answer recorded since the flag. */
  | {
      readonly kind: 'ResolveReview';
      readonly resolution: 'Succeeded' | 'Failed' | 'Reversed' | 'Closed';
      readonly note: string;
    };

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
      // The customer has until the deadline to confirm; the reverse waits for it, and for 15 s after dispatch.
      const earliest = later(deadline, earliestReverseAt(s));
      return { kind: 'RequestReversal', dueAt: later(base, earliest) };
    }
    case 'Reversing':
      return reversingStep(s);
    case 'NeedsReview':
      return janitorStep(s);
    default:
      return NONE;
  }
};

/**
 * Reverse, retrying after each delay of the policy (the last one included); an accepted reverse is
 * confirmed by a query. Before any flag the order is queried once more: a final answer settles it
 * (decide), a payment made meanwhile earns one more reverse (which now refunds it), and only an
 * answer that is still unclear goes to review.
 */
const reversingStep = (s: ActiveOrder): PayStep => {
  const r = s.reversal;
  if (!r) return NONE;
  if (r.attempts === 0) return { kind: 'Reverse', dueAt: r.dueAt };
  const delays = s.policy.reverseRetryDelaysMs;
  const isConfirming = r.lastOutcome === 'Accepted' || r.lastOutcome === 'NotFound';
  const isExhausted = r.attempts >= delays.length;
  if (!r.isConfirmInconclusive) {
    // Nothing asked since the last attempt: confirm it, retry it, or (no retry left) the query before a flag.
    const due = r.nextDueAt ?? r.dueAt;
    return isConfirming || isExhausted ? { kind: 'Query', dueAt: due } : { kind: 'Reverse', dueAt: due };
  }
  const askedAt = s.lastObservedAt ?? r.nextDueAt ?? r.dueAt;
  if (!isExhausted) return { kind: 'Reverse', dueAt: addMillis(askedAt, delays[r.attempts - 1] ?? 0) };
  // A notification that came in meanwhile is no substitute for the query we make before any flag.
  if (s.lastObservationSource !== 'query') return { kind: 'Query', dueAt: r.nextDueAt ?? askedAt };
  if (s.lastObservation?.kind === 'Paid' && r.attempts === delays.length) {
    // The customer finished paying while we reversed: the reverse that was refused can now refund them.
    return { kind: 'Reverse', dueAt: askedAt };
  }
  const lastQuery = s.lastObservation?.kind ?? 'none';
  const detail = `reverse not confirmed after ${r.attempts} attempt(s); last outcome ${r.lastOutcome ?? 'none'}, last query ${lastQuery}`;
  // A definite refusal will not change by asking again: an operator decides. Anything else stays unclear.
  return r.lastOutcome === 'Rejected'
    ? { kind: 'FlagForReview', reason: 'ReversalFailed', detail }
    : { kind: 'FlagForReview', reason: 'OutcomeUnclear', detail };
};

/**
 * The janitor: an order in review for an unclear outcome is asked again on the janitor schedule
 * (for an order we were reversing: the reverse again while the 7-day window allows, then the
 * confirming query) until a verified final answer settles it. Contradictions are left to an operator.
 */
const janitorStep = (s: ActiveOrder): PayStep => {
  const review = s.review;
  const j = review?.janitor;
  if (!review || !j || !isJanitorManaged(review.reason)) return NONE;
  const isReversing = review.previousStatus === 'Reversing' && s.reversal !== undefined;
  const resolution = resolutionOf(s, isReversing);
  if (resolution) return resolution;
  if (j.reversedAt !== undefined) {
    return { kind: 'Query', dueAt: addMillis(j.reversedAt, s.policy.confirmAfterMs) };
  }
  const delay = janitorDelayMs(j.attempts, 'order');
  if (delay === undefined) return NONE;
  const dueAt = addMillis(j.lastAttemptAt ?? review.flaggedAt, delay);
  return isReversing && isWithinReverseWindow(s, dueAt)
    ? { kind: 'Reverse', dueAt }
    : { kind: 'Query', dueAt };
};

const isWithinReverseWindow = (s: ActiveOrder, at: string): boolean =>
  millisBetween(s.dispatchedAt ?? s.submittedAt, at) <= REVERSE_WINDOW_MS;

/** What the evidence recorded since the flag proves, if it is final. */
const resolutionOf = (s: ActiveOrder, isReversing: boolean): PayStep | undefined => {
  const evidence = s.review?.janitor?.evidence;
  if (!evidence) return undefined;
  const o = evidence.observation;
  const by = `${evidence.source} answer at ${evidence.observedAt}`;
  switch (o.kind) {
    case 'Revoked':
      return { kind: 'ResolveReview', resolution: 'Reversed', note: `WeChat reports REVOKED (${by})` };
    case 'Closed':
      return { kind: 'ResolveReview', resolution: 'Closed', note: `WeChat reports CLOSED (${by})` };
    case 'PayFailed':
      return { kind: 'ResolveReview', resolution: 'Failed', note: `WeChat reports ${o.code} (${by})` };
    case 'NotFound':
      // The janitor's reverse and its query both say WeChat has no such order: the pay never created one.
      return evidence.source === 'query' && isReversing && s.reversal?.lastOutcome === 'NotFound'
        ? {
            kind: 'ResolveReview',
            resolution: 'Failed',
            note: `reverse and query both report no such order (${by})`,
          }
        : undefined;
    case 'Paid':
      // Paid while we reverse: the next reverse refunds it, as long as the window allows one.
      if (isReversing && isWithinReverseWindow(s, evidence.observedAt)) return undefined;
      // A different amount or transaction is a contradiction (decide flags it); only agreement settles.
      return equals(o.amount, s.amount) && o.transactionId === s.transactionId
        ? {
            kind: 'ResolveReview',
            resolution: 'Succeeded',
            note: `WeChat reports ${o.tradeState}, transaction ${o.transactionId} (${by})`,
          }
        : undefined;
    default:
      return undefined;
  }
};
