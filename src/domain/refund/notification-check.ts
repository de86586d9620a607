import {
  type NotificationNotice,
  type NoticeMismatch,
  describeMismatches,
  moneyMismatch,
  statusMismatch,
  textMismatch,
} from '../notification/notice';
import type { RefundEvent } from './events';
import type { ActiveRefund } from './state';

/**
 * A refund notification is applied only when it is about this refund in every fact: merchant,
 * payment, refund numbers, refund_id once known, currency and both amounts, and an event type that
 * matches the status it carries. Lists every field that disagrees, with both values.
 */
export const refundNoticeMismatches = (s: ActiveRefund, n: NotificationNotice): readonly NoticeMismatch[] => [
  ...textMismatch('sp_mchid', s.spMchid, n.spMchid),
  ...textMismatch('sub_mchid', s.subMchid, n.subMchid),
  ...textMismatch('out_trade_no', s.outTradeNo, n.outTradeNo),
  ...textMismatch('transaction_id', s.transactionId, n.transactionId),
  ...(n.refund === undefined
    ? [{ field: 'out_refund_no', ours: s.outRefundNo, theirs: 'none (not a refund notification)' }]
    : [
        ...textMismatch('out_refund_no', s.outRefundNo, n.refund.outRefundNo),
        // Known once WeChat accepted the refund; never replaced by another.
        ...textMismatch('refund_id', s.refundId, n.refund.refundId),
        ...moneyMismatch('amount.refund', s.amount, n.refund.amount),
      ]),
  ...moneyMismatch('amount.total', s.orderTotal, n.total),
  ...statusMismatch('refund_status', n),
];

/** Undefined when all agree; otherwise the review detail. */
export const refundNoticeContradiction = (s: ActiveRefund, n: NotificationNotice): string | undefined => {
  const mismatches = refundNoticeMismatches(s, n);
  return mismatches.length === 0 ? undefined : describeMismatches(n.notificationId, mismatches);
};

/** The review a contradicting notice leads to, carrying the notice; undefined when it agrees. */
export const refundNoticeFlag = (
  s: ActiveRefund,
  n: NotificationNotice,
  at: string,
): RefundEvent | undefined => {
  const detail = refundNoticeContradiction(s, n);
  return detail === undefined
    ? undefined
    : {
        type: 'RefundFlaggedForReview',
        data: { reason: 'NotificationContradicts', detail, observedAt: at, notice: n },
      };
};
