import type { Money } from '../shared/money';
import type { OutRefundNo, OutTradeNo, SpMchid, SubMchid, TransactionId } from '../shared/ids';
import type { RefundObservation, RefundReviewReason, RefundSource } from './events';
import type { RefundPolicy } from './policy';
import type { NotificationNotice } from '../notification/notice';

/** What callers ask of a refund. Every command carries its time (`at`): the domain reads no clock. */
export type RefundCommand =
  | {
      readonly type: 'RequestRefund';
      readonly spMchid: SpMchid;
      readonly subMchid: SubMchid;
      readonly outTradeNo: OutTradeNo;
      readonly transactionId: TransactionId;
      readonly outRefundNo: OutRefundNo;
      readonly amount: Money;
      readonly orderTotal: Money;
      readonly reason?: string;
      readonly requestFingerprint: string;
      readonly policy: RefundPolicy;
      readonly at: string;
    }
  /** The refund request is about to be sent (again, with the same out_refund_no). */
  | { readonly type: 'RecordDispatch'; readonly at: string }
  | {
      readonly type: 'RecordObservation';
      readonly source: RefundSource;
      readonly observation: RefundObservation;
      /** With source 'notification': what it says, checked against the record before anything is applied. */
      readonly notice?: NotificationNotice;
      readonly at: string;
    }
  | { readonly type: 'ScheduleSubmit'; readonly dueAt: string; readonly reason: string; readonly at: string }
  | { readonly type: 'SchedulePoll'; readonly dueAt: string; readonly at: string }
  | {
      readonly type: 'FlagForReview';
      readonly reason: RefundReviewReason;
      readonly detail: string;
      readonly at: string;
    }
  | {
      readonly type: 'ResolveReview';
      readonly resolution: 'Succeeded' | 'Closed' | 'Rejected';
      readonly actor: string;
      readonly note: string;
      readonly at: string;
    };
