import type { Money } from '../shared/money';
import type { MaskedAuthCode, OutRefundNo, OutTradeNo, SpMchid, SubMchid } from '../shared/ids';
import type { PayPolicy } from './policy';
import type { NotificationNotice } from '../notification/notice';
import type { ObservationSource, ReversalReason, ReviewReason, TradeObservation } from './events';

/** What callers ask of an order. Every command carries its time (`at`, ISO 8601): the domain reads no clock. */
export type OrderCommand =
  | {
      readonly type: 'SubmitPayment';
      readonly spMchid: SpMchid;
      readonly subMchid: SubMchid;
      readonly outTradeNo: OutTradeNo;
      readonly amount: Money;
      readonly description: string;
      readonly attach?: string;
      readonly authCodeMasked: MaskedAuthCode;
      readonly requestFingerprint: string;
      readonly policy: PayPolicy;
      readonly at: string;
    }
  /** The pay request is about to be sent: recorded first, so it is never sent twice. */
  | { readonly type: 'RecordDispatch'; readonly at: string }
  /** The process lost the pay request before sending it (the auth code is never stored). */
  | { readonly type: 'AbandonUndispatched'; readonly at: string }
  | {
      readonly type: 'RecordObservation';
      readonly source: Exclude<ObservationSource, 'reverse'>;
      readonly observation: TradeObservation;
      /** With source 'notification': what it says, checked against the record before anything is applied. */
      readonly notice?: NotificationNotice;
      readonly at: string;
    }
  | { readonly type: 'SchedulePoll'; readonly dueAt: string; readonly at: string }
  | {
      readonly type: 'RequestReversal';
      readonly reason: ReversalReason;
      readonly dueAt: string;
      readonly at: string;
    }
  | {
      readonly type: 'RecordReversalResult';
      readonly outcome:
        | { readonly kind: 'Accepted' }
        | { readonly kind: 'NotFound' }
        | { readonly kind: 'Unknown'; readonly reason: string }
        | { readonly kind: 'Rejected'; readonly code: string; readonly message: string };
      readonly at: string;
    }
  | {
      readonly type: 'FlagForReview';
      readonly reason: ReviewReason;
      readonly detail: string;
      readonly at: string;
    }
  | {
      readonly type: 'ResolveReview';
      readonly resolution: 'Succeeded' | 'Failed' | 'Reversed' | 'Closed';
      readonly actor: string;
      readonly note: string;
      readonly at: string;
    }
  | {
      readonly type: 'ReserveRefund';
      readonly outRefundNo: OutRefundNo;
      readonly amount: Money;
      readonly reason?: string;
      readonly requestFingerprint: string;
      readonly at: string;
    }
  | {
      readonly type: 'ReleaseRefund';
      readonly outRefundNo: OutRefundNo;
      readonly reason: string;
      readonly at: string;
    }
  | {
      readonly type: 'ConfirmRefund';
      readonly outRefundNo: OutRefundNo;
      readonly amount: Money;
      readonly at: string;
    };

export type OrderCommandType = OrderCommand['type'];
