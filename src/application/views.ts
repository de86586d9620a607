import { Order, Refund, zero } from '../domain';
import type { PaymentStatus, PaymentView, RefundStatusView, RefundView } from '../ports';

/** The status table of docs/architecture.md: one vocabulary from domain state to merchant API. */
export const PAYMENT_STATUS: Readonly<Record<Order.OrderStatus, PaymentStatus>> = {
  Submitted: 'SUBMITTED',
  Paying: 'PAYING',
  Unknown: 'UNKNOWN',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  Reversing: 'REVERSING',
  Reversed: 'REVERSED',
  Closed: 'CLOSED',
  NeedsReview: 'NEEDS_REVIEW',
};

export const REFUND_STATUS: Readonly<Record<Refund.RefundStatus, RefundStatusView>> = {
  Requested: 'REQUESTED',
  Processing: 'PROCESSING',
  Unknown: 'UNKNOWN',
  Succeeded: 'SUCCEEDED',
  Closed: 'CLOSED',
  Abnormal: 'ABNORMAL',
  Rejected: 'REJECTED',
  NeedsReview: 'NEEDS_REVIEW',
};

export const refundView = (s: Refund.ActiveRefund): RefundView => ({
  subMchid: s.subMchid,
  outTradeNo: s.outTradeNo,
  outRefundNo: s.outRefundNo,
  status: REFUND_STATUS[s.status],
  amount: s.amount,
  requestedAt: s.requestedAt,
  ...(s.refundId !== undefined ? { refundId: s.refundId } : {}),
  ...(s.reason !== undefined ? { reason: s.reason } : {}),
  ...(s.successTime !== undefined ? { successTime: s.successTime } : {}),
  ...(s.rejection ? { rejection: s.rejection } : {}),
  ...(s.review ? { review: { reason: s.review.reason, detail: s.review.detail } } : {}),
});

export const paymentView = (s: Order.ActiveOrder, refunds: readonly RefundView[]): PaymentView => {
  const totals = Order.refundTotals(s);
  const currency = s.amount.currency;
  return {
    spMchid: s.spMchid,
    subMchid: s.subMchid,
    outTradeNo: s.outTradeNo,
    status: PAYMENT_STATUS[s.status],
    amount: s.amount,
    description: s.description,
    authCodeMasked: s.authCodeMasked,
    submittedAt: s.submittedAt,
    refundedTotal: { ...zero(currency), amount: totals.confirmed as typeof s.amount.amount },
    pendingRefundTotal: { ...zero(currency), amount: totals.reserved as typeof s.amount.amount },
    refunds,
    ...(s.transactionId !== undefined ? { transactionId: s.transactionId } : {}),
    ...(s.successTime !== undefined ? { successTime: s.successTime } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
    ...(s.review ? { review: { reason: s.review.reason, detail: s.review.detail } } : {}),
  };
};

/** A cashier needs one of these: the payment will not change by itself any more. */
export const isSettledForCashier = (s: Order.OrderState): boolean =>
  Order.isActive(s) && (Order.isFinal(s) || s.status === 'NeedsReview');

/** A merchant waiting on a refund needs one of these: it will not change by itself any more. */
export const isRefundSettledForMerchant = (s: Refund.RefundState): boolean =>
  Refund.isActive(s) && (Refund.isFinal(s) || s.status === 'NeedsReview');
