import type * as T from 'fp-ts/Task';
import type * as TE from 'fp-ts/TaskEither';
import type { DomainError } from '../domain/shared/errors';
import type { Money } from '../domain/shared/money';
import type { AppId, AuthCode, OutRefundNo, OutTradeNo, StatementDate, SubMchid } from '../domain/shared/ids';
import type { IncomingNotification, NotificationError } from './notification-verifier';
import type { SceneInfo, Settlement, SettlementQuery } from './wechat-pay-gateway';

/**
 * The core's driving port: what the merchant API (or an embedding platform) asks of it.
 * Inputs are already decoded and typed; views use the merchant API's status vocabulary (docs/architecture.md).
 */

export type PaymentStatus =
  | 'SUBMITTED'
  | 'PAYING'
  | 'UNKNOWN'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'REVERSING'
  | 'REVERSED'
  | 'CLOSED'
  | 'NEEDS_REVIEW';

export type RefundStatusView =
  'REQUESTED' | 'PROCESSING' | 'UNKNOWN' | 'SUCCEEDED' | 'CLOSED' | 'ABNORMAL' | 'REJECTED' | 'NEEDS_REVIEW';

export interface RefundView {
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly outRefundNo: string;
  readonly status: RefundStatusView;
  readonly amount: Money;
  readonly refundId?: string;
  readonly reason?: string;
  readonly requestedAt: string;
  readonly successTime?: string;
  readonly rejection?: { readonly code: string; readonly message: string };
  readonly review?: { readonly reason: string; readonly detail: string };
}

export interface PaymentView {
  readonly spMchid: string;
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly status: PaymentStatus;
  readonly amount: Money;
  readonly description: string;
  readonly authCodeMasked: string;
  readonly transactionId?: string;
  readonly successTime?: string;
  /** Refunds confirmed by WeChat. */
  readonly refundedTotal: Money;
  /** Refunds reserved and not yet settled. */
  readonly pendingRefundTotal: Money;
  readonly failure?: { readonly code: string; readonly message: string };
  readonly review?: { readonly reason: string; readonly detail: string };
  readonly submittedAt: string;
  readonly refunds: readonly RefundView[];
}

export interface CreatePaymentInput {
  readonly subMchid: SubMchid;
  readonly subAppid?: AppId;
  readonly outTradeNo: OutTradeNo;
  readonly authCode: AuthCode;
  readonly amount: Money;
  readonly description: string;
  readonly attach?: string;
  readonly goodsTag?: string;
  readonly merchantCategoryCode?: string;
  readonly sceneInfo?: SceneInfo;
}

export interface CreateRefundInput {
  readonly subMchid: SubMchid;
  readonly outTradeNo: OutTradeNo;
  readonly outRefundNo: OutRefundNo;
  readonly amount: Money;
  readonly reason?: string;
}

/** Who is asking, for event metadata and logs. */
export interface RequestContext {
  readonly actor: string;
  readonly correlationId: string;
}

export type ReconciliationClass =
  'matched' | 'amount_mismatch' | 'status_mismatch' | 'missing_here' | 'missing_at_wechat';

export interface ReconciliationLine {
  readonly kind: 'payment' | 'refund';
  readonly classification: ReconciliationClass;
  readonly subMchid: string;
  readonly outTradeNo?: string;
  readonly transactionId?: string;
  readonly outRefundNo?: string;
  readonly refundId?: string;
  readonly ours?: { readonly amount: number; readonly currency: string; readonly status: string };
  readonly theirs?: { readonly amount: number; readonly currency: string; readonly status: string };
}

export interface ReconciliationView {
  readonly spMchid: string;
  readonly date: StatementDate;
  readonly statementSha1: string;
  readonly reconciledAt: string;
  readonly counts: Readonly<Record<ReconciliationClass, number>>;
  readonly lines: readonly ReconciliationLine[];
  /** Statement header names the client did not know; their values were kept, not matched. */
  readonly unknownColumns?: readonly string[];
}

export interface ReviewItem {
  readonly kind: 'payment' | 'refund';
  readonly streamId: string;
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly reason: string;
  readonly detail: string;
  readonly flaggedAt: string;
  /** Who moves the item on: the janitor (an unclear outcome it keeps asking about) or an operator. */
  readonly awaits: 'janitor' | 'operator';
  /** What the janitor tried, and when it tries next (janitor items only). */
  readonly janitor?: ReviewJanitor;
}

export interface ReviewJanitor {
  readonly attempts: number;
  readonly lastAttemptAt?: string;
  readonly lastOutcome?: string;
  /** Absent once the janitor's schedule is exhausted: only an operator moves the item on then. */
  readonly nextAttemptAt?: string;
}

export type ApiError =
  | { readonly _tag: 'DomainRejected'; readonly error: DomainError }
  | { readonly _tag: 'NotFound'; readonly resource: 'payment' | 'refund' | 'reconciliation' }
  | { readonly _tag: 'InvalidRequest'; readonly detail: string }
  | { readonly _tag: 'Unavailable'; readonly message: string }
  | {
      readonly _tag: 'GatewayFailed';
      readonly outcome: string;
      readonly code?: string;
      readonly message: string;
    }
  | { readonly _tag: 'NotificationRejected'; readonly error: NotificationError }
  /** WeChat cannot give that day's statement yet (day not closed, not generated, none yet). */
  | { readonly _tag: 'StatementNotReady'; readonly message: string; readonly availableFrom?: string }
  /** The day is outside the range WeChat serves statements for (the last 180 days). */
  | { readonly _tag: 'StatementOutOfRange'; readonly message: string }
  /** No platform certificate or public key is held yet, so no pay may be sent: try again shortly. */
  | { readonly _tag: 'PlatformTrustPending'; readonly retryAfterSeconds: number };

/** An operator's resolution of a NeedsReview payment or refund: the status it really ends in, and why. */
export interface ResolveReviewInput<Resolution extends string> {
  readonly resolution: Resolution;
  /** Evidence and reasoning; kept in the event with the actor. */
  readonly note: string;
}

export interface Readiness {
  readonly store: boolean;
  readonly certificates: boolean;
}

export interface PaymentApi {
  /**
   * Idempotent by subMchid + outTradeNo: the same input returns the same payment; a different
   * input under the same number is `DomainRejected(OrderAlreadyExists)`. With `waitMs`, holds the
   * answer until the payment is final or the time is up.
   */
  readonly createPayment: (
    input: CreatePaymentInput,
    context: RequestContext,
    waitMs?: number,
  ) => TE.TaskEither<ApiError, PaymentView>;
  readonly getPayment: (subMchid: SubMchid, outTradeNo: OutTradeNo) => TE.TaskEither<ApiError, PaymentView>;
  readonly waitForPayment: (
    subMchid: SubMchid,
    outTradeNo: OutTradeNo,
    waitMs: number,
  ) => TE.TaskEither<ApiError, PaymentView>;
  /** Cancel: reverse the payment (refunds it if it was paid, within 7 days and before any refund). */
  readonly reversePayment: (
    subMchid: SubMchid,
    outTradeNo: OutTradeNo,
    context: RequestContext,
  ) => TE.TaskEither<ApiError, PaymentView>;
  /**
   * Idempotent by outRefundNo. With `waitMs`, holds the answer until the refund is settled for the
   * merchant (see `waitForRefund`) or the time is up.
   */
  readonly createRefund: (
    input: CreateRefundInput,
    context: RequestContext,
    waitMs?: number,
  ) => TE.TaskEither<ApiError, RefundView>;
  readonly getRefund: (subMchid: SubMchid, outRefundNo: OutRefundNo) => TE.TaskEither<ApiError, RefundView>;
  /**
   * Resolves once the refund will not change by itself any more: SUCCEEDED, CLOSED, REJECTED, or
   * NEEDS_REVIEW (an operator decides). ABNORMAL is not settled: the core flags it for review at
   * once. At the timeout it resolves with the refund as it then is.
   */
  readonly waitForRefund: (
    subMchid: SubMchid,
    outRefundNo: OutRefundNo,
    waitMs: number,
  ) => TE.TaskEither<ApiError, RefundView>;
  readonly listRefunds: (
    subMchid: SubMchid,
    outTradeNo: OutTradeNo,
  ) => TE.TaskEither<ApiError, readonly RefundView[]>;
  readonly reconcile: (
    date: StatementDate,
    context: RequestContext,
  ) => TE.TaskEither<ApiError, ReconciliationView>;
  readonly getReconciliation: (date: StatementDate) => TE.TaskEither<ApiError, ReconciliationView>;
  readonly settlements: (query: SettlementQuery) => TE.TaskEither<ApiError, readonly Settlement[]>;
  readonly reviewQueue: () => TE.TaskEither<ApiError, readonly ReviewItem[]>;
  /** Only a payment in NEEDS_REVIEW; SUCCEEDED needs a WeChat transaction id on record. */
  readonly resolvePaymentReview: (
    subMchid: SubMchid,
    outTradeNo: OutTradeNo,
    input: ResolveReviewInput<'SUCCEEDED' | 'FAILED' | 'REVERSED' | 'CLOSED'>,
    context: RequestContext,
  ) => TE.TaskEither<ApiError, PaymentView>;
  /** Only a refund in NEEDS_REVIEW; the order's reservation then follows (confirmed or released). */
  readonly resolveRefundReview: (
    subMchid: SubMchid,
    outRefundNo: OutRefundNo,
    input: ResolveReviewInput<'SUCCEEDED' | 'CLOSED' | 'REJECTED'>,
    context: RequestContext,
  ) => TE.TaskEither<ApiError, RefundView>;
  /** Verifies, records durably, then applies; resolves only after the notification is recorded. */
  readonly receiveNotification: (
    notification: IncomingNotification,
  ) => TE.TaskEither<ApiError, { readonly id: string }>;
  readonly readiness: () => T.Task<Readiness>;
}
