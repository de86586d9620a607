import type { Money } from '../shared/money';
import type { OutRefundNo, OutTradeNo, RefundId, SpMchid, SubMchid, TransactionId } from '../shared/ids';
import type { RefundObservation, RefundReviewReason } from './events';
import type { RefundPolicy } from './policy';

export type RefundStatus =
  'Requested' | 'Processing' | 'Unknown' | 'Succeeded' | 'Closed' | 'Abnormal' | 'Rejected' | 'NeedsReview';

export interface ActiveRefund {
  readonly status: RefundStatus;
  readonly spMchid: SpMchid;
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly transactionId: TransactionId;
  readonly outRefundNo: OutRefundNo;
  readonly amount: Money;
  readonly orderTotal: Money;
  readonly reason?: string;
  readonly requestedAt: string;
  readonly requestFingerprint: string;
  readonly policy: RefundPolicy;
  readonly attempts: number;
  readonly lastDispatchedAt?: string;
  /** Dispatched, and no answer to that submission recorded yet. */
  readonly isAwaitingAnswer: boolean;
  readonly refundId?: RefundId;
  readonly successTime?: string;
  readonly lastObservedAt?: string;
  readonly lastObservation?: RefundObservation['kind'];
  readonly submitDueAt?: string;
  readonly nextPollAt?: string;
  readonly unknownPolls: number;
  readonly processingPolls: number;
  readonly rejection?: { readonly code: string; readonly message: string };
  readonly review?: { readonly reason: RefundReviewReason; readonly detail: string };
  /** Submissions refused "for now" (Retryable) so far: drives the back-off and its bound. */
  readonly retryableRefusals: number;
  readonly lastRefusal?: { readonly code: string; readonly message: string };
  /** WeChat has said the refund exists (PROCESSING, SUCCESS, REFUNDCLOSE or ABNORMAL, from any source). */
  readonly accepted: boolean;
  /** Present while in review for an unclear outcome: the janitor's progress on it. */
  readonly janitor?: JanitorProgress;
}

export interface JanitorProgress {
  /** When the item was flagged: the first attempt is scheduled from here. */
  readonly since: string;
  /** Index into the janitor schedule of attempt 0 (a week of PROCESSING polls already done starts later). */
  readonly offset: number;
  /** Answers the janitor got (queries and resubmissions). */
  readonly attempts: number;
  readonly lastAttemptAt?: string;
}

export type RefundState = { readonly status: 'Initial' } | ActiveRefund;

export const initialState = (): RefundState => ({ status: 'Initial' });
export const isActive = (s: RefundState): s is ActiveRefund => s.status !== 'Initial';

export const FINAL_REFUND_STATUSES: readonly RefundStatus[] = ['Succeeded', 'Closed', 'Rejected'];
export const isFinal = (s: RefundState): boolean => isActive(s) && FINAL_REFUND_STATUSES.includes(s.status);
