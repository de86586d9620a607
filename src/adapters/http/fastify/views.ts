import type {
  PaymentStatus,
  PaymentView,
  ReconciliationView,
  RefundStatusView,
  RefundView,
  ReviewItem,
} from '../../../ports/payment-api';
import type { Settlement } from '../../../ports/wechat-pay-gateway';

/**
 * The merchant API's JSON: WeChat's snake_case names so users recognise them (docs/architecture.md), amounts as
 * integer minor units beside their currency. Optional values are omitted, never null.
 */

type Json = Record<string, unknown>;

const optional = (key: string, value: unknown): Json => (value === undefined ? {} : { [key]: value });

const FINAL_PAYMENT: ReadonlySet<PaymentStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'REVERSED',
  'CLOSED',
  'NEEDS_REVIEW',
]);
// ABNORMAL is not final: the refund goes to review and WeChat may still pay it out or close it.
const FINAL_REFUND: ReadonlySet<RefundStatusView> = new Set([
  'SUCCEEDED',
  'CLOSED',
  'REJECTED',
  'NEEDS_REVIEW',
]);

/** 200 once the outcome is known, 202 while WeChat is still deciding (docs/openapi.yaml). */
export const paymentHttpStatus = (view: PaymentView): 200 | 202 =>
  FINAL_PAYMENT.has(view.status) ? 200 : 202;
export const refundHttpStatus = (view: RefundView): 200 | 202 => (FINAL_REFUND.has(view.status) ? 200 : 202);

export const refundJson = (r: RefundView): Json => ({
  sub_mchid: r.subMchid,
  out_trade_no: r.outTradeNo,
  out_refund_no: r.outRefundNo,
  status: r.status,
  amount: { refund: r.amount.amount, currency: r.amount.currency },
  ...optional('refund_id', r.refundId),
  ...optional('reason', r.reason),
  requested_at: r.requestedAt,
  ...optional('success_time', r.successTime),
  ...optional('rejection', r.rejection),
  ...optional('review', r.review),
});

export const paymentJson = (p: PaymentView): Json => ({
  sp_mchid: p.spMchid,
  sub_mchid: p.subMchid,
  out_trade_no: p.outTradeNo,
  status: p.status,
  amount: { total: p.amount.amount, currency: p.amount.currency },
  description: p.description,
  auth_code_masked: p.authCodeMasked,
  ...optional('transaction_id', p.transactionId),
  ...optional('success_time', p.successTime),
  refunded_total: p.refundedTotal.amount,
  pending_refund_total: p.pendingRefundTotal.amount,
  ...optional('failure', p.failure),
  ...optional('review', p.review),
  submitted_at: p.submittedAt,
  refunds: p.refunds.map(refundJson),
});

export const reconciliationJson = (r: ReconciliationView): Json => ({
  sp_mchid: r.spMchid,
  date: r.date,
  statement_sha1: r.statementSha1,
  reconciled_at: r.reconciledAt,
  counts: r.counts,
  lines: r.lines.map((l) => ({
    kind: l.kind,
    classification: l.classification,
    sub_mchid: l.subMchid,
    ...optional('out_trade_no', l.outTradeNo),
    ...optional('transaction_id', l.transactionId),
    ...optional('out_refund_no', l.outRefundNo),
    ...optional('refund_id', l.refundId),
    ...optional('ours', l.ours),
    ...optional('theirs', l.theirs),
  })),
  ...optional('unknown_columns', r.unknownColumns),
});

export const settlementJson = (s: Settlement): Json => ({
  batch_id: s.batchId,
  ...optional('settlement_date', s.settlementDate),
  ...optional('trade_start_date', s.tradeStartDate),
  ...optional('trade_end_date', s.tradeEndDate),
  ...optional('wallet_region', s.walletRegion),
  amount: s.amount,
});

export const reviewJson = (r: ReviewItem): Json => ({
  kind: r.kind,
  stream_id: r.streamId,
  sub_mchid: r.subMchid,
  out_trade_no: r.outTradeNo,
  ...optional('out_refund_no', r.outRefundNo),
  reason: r.reason,
  detail: r.detail,
  flagged_at: r.flaggedAt,
  awaits: r.awaits,
  ...optional(
    'janitor',
    r.janitor && {
      attempts: r.janitor.attempts,
      ...optional('last_attempt_at', r.janitor.lastAttemptAt),
      ...optional('last_outcome', r.janitor.lastOutcome),
      ...optional('next_attempt_at', r.janitor.nextAttemptAt),
    },
  ),
});
