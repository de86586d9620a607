import {
  type NotificationNotice,
  type NoticeMismatch,
  describeMismatches,
  moneyMismatch,
  statusMismatch,
  textMismatch,
} from '../notification/notice';
import type { OrderEvent } from './events';
import type { ActiveOrder } from './state';

/**
 * A payment notification is applied only when it is about this order in every fact: merchant,
 * out_trade_no, transaction_id once known, currency and total, and an event type that matches the
 * trade_state it carries. Lists every field that disagrees, with both values.
 */
export const orderNoticeMismatches = (s: ActiveOrder, n: NotificationNotice): readonly NoticeMismatch[] => [
  ...textMismatch('sp_mchid', s.spMchid, n.spMchid),
  ...textMismatch('sub_mchid', s.subMchid, n.subMchid),
  ...textMismatch('out_trade_no', s.outTradeNo, n.outTradeNo),
  ...textMismatch('transaction_id', s.transactionId, n.transactionId),
  ...(n.refund === undefined
    ? []
    : [{ field: 'out_refund_no', ours: 'none (a payment)', theirs: n.refund.outRefundNo }]),
  ...moneyMismatch('amount.total', s.paidAmount ?? s.amount, n.total),
  ...statusMismatch('trade_state', n),
];

/** Undefined when all agree; otherwise the review detail. */
export const orderNoticeContradiction = (s: ActiveOrder, n: NotificationNotice): string | undefined => {
  const mismatches = orderNoticeMismatches(s, n);
  return mismatches.length === 0 ? undefined : describeMismatches(n.notificationId, mismatches);
};

/** The review a contradicting notice leads to, carrying the notice; undefined when it agrees. */
export const orderNoticeFlag = (
  s: ActiveOrder,
  n: NotificationNotice,
  at: string,
): OrderEvent | undefined => {
  const detail = orderNoticeContradiction(s, n);
  return detail === undefined
    ? undefined
    : {
        type: 'OrderFlaggedForReview',
        data: { reason: 'NotificationContradicts', detail, observedAt: at, notice: n },
      };
};
