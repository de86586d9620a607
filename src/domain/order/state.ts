import { addMillis } from '../shared/events';
import type { Money } from '../shared/money';
import type {
  MaskedAuthCode,
  OutRefundNo,
  OutTradeNo,
  SpMchid,
  SubMchid,
  TransactionId,
} from '../shared/ids';
import type { PayPolicy } from './policy';
import type { ObservationSource, ReversalReason, ReviewReason, TradeObservation } from './events';

export type OrderStatus =
  | 'Submitted'
  | 'Paying'
  | 'Unknown'
  | 'Succeeded'
  | 'Failed'
  | 'Reversing'
  | 'Reversed'
  | 'Closed'
  | 'NeedsReview';

export interface RefundReservation {
  readonly amount: Money;
  readonly status: 'reserved' | 'confirmed' | 'released';
  readonly reservedAt: string;
  readonly requestFingerprint: string;
  readonly reason?: string;
}

export interface Reversal {
  readonly reason: ReversalReason;
  readonly requestedAt: string;
  readonly dueAt: string;
  readonly attempts: number;
  readonly lastOutcome?: 'Accepted' | 'Rejected' | 'Unknown' | 'NotFound';
  readonly nextDueAt?: string;
  /** A confirming query came back since the last attempt without a final answer. */
  readonly isConfirmInconclusive: boolean;
}

/**
 * The janitor's work on an order in review for an unclear outcome: one attempt is one query (for an
 * order being reversed, a reverse first, then the query that confirms it).
 */
export interface JanitorProgress {
  /** Queries made since the flag. */
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  /** A reverse sent in the current attempt, awaiting its confirming query. */
  readonly reversedAt?: string;
  /** The latest answer recorded since the flag, from any source: the evidence a resolution rests on. */
  readonly evidence?: {
    readonly source: ObservationSource;
    readonly observation: TradeObservation;
    readonly observedAt: string;
  };
}

export interface ActiveOrder {
  readonly status: OrderStatus;
  readonly spMchid: SpMchid;
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly amount: Money;
  readonly description: string;
  readonly attach?: string;
  readonly authCodeMasked: MaskedAuthCode;
  readonly requestFingerprint: string;
  readonly submittedAt: string;
  readonly policy: PayPolicy;
  readonly dispatchedAt?: string;
  readonly hasPayAnswer: boolean;
  /** Time of the last recorded answer from WeChat: the base for the next poll. */
  readonly lastObservedAt?: string;
  /** The last recorded answer itself, and where it came from. */
  readonly lastObservation?: TradeObservation;
  readonly lastObservationSource?: ObservationSource;
  readonly observationCount: number;
  readonly nextPollAt?: string;
  readonly transactionId?: TransactionId;
  readonly paidAmount?: Money;
  readonly successTime?: string;
  /** WeChat reported the order paid at some point (even while we were reversing it). */
  readonly wasSeenPaid: boolean;
  readonly failure?: { readonly code: string; readonly message: string };
  readonly reversal?: Reversal;
  readonly review?: {
    readonly reason: ReviewReason;
    readonly detail: string;
    readonly previousStatus: OrderStatus;
    readonly flaggedAt: string;
    /** Present only for a reason the janitor works on (an unclear outcome). */
    readonly janitor?: JanitorProgress;
  };
  readonly refunds: Readonly<Record<OutRefundNo, RefundReservation>>;
}

export type OrderState = { readonly status: 'Initial' } | ActiveOrder;

export const initialState = (): OrderState => ({ status: 'Initial' });

/**
 * Reasons that mean "WeChat's answer was unclear", not "WeChat's answers contradict each other or
 * us": the janitor keeps asking and resolves these itself; every other reason waits for an operator.
 */
export const JANITOR_MANAGED_REASONS: readonly ReviewReason[] = ['OutcomeUnclear'];
export const isJanitorManaged = (reason: ReviewReason): boolean => JANITOR_MANAGED_REASONS.includes(reason);

/** The earliest a reverse may be sent: the policy's minimum (15 s) after the pay request went out. */
export const earliestReverseAt = (s: ActiveOrder): string =>
  addMillis(s.dispatchedAt ?? s.submittedAt, s.policy.minReverseAfterMs);

export const isActive = (s: OrderState): s is ActiveOrder => s.status !== 'Initial';

export const FINAL_STATUSES: readonly OrderStatus[] = ['Succeeded', 'Failed', 'Reversed', 'Closed'];
export const isFinal = (s: OrderState): boolean => isActive(s) && FINAL_STATUSES.includes(s.status);

/** Sums in minor units of the order's currency (reservations are always in that currency). */
export const refundTotals = (
  s: ActiveOrder,
): { readonly reserved: number; readonly confirmed: number; readonly count: number } =>
  Object.values(s.refunds).reduce(
    (acc, r) => ({
      reserved: acc.reserved + (r.status === 'reserved' ? r.amount.amount : 0),
      confirmed: acc.confirmed + (r.status === 'confirmed' ? r.amount.amount : 0),
      count: acc.count + 1,
    }),
    { reserved: 0, confirmed: 0, count: 0 },
  );
