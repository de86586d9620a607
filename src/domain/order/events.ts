import * as t from 'io-ts';
import { MoneyCodec } from '../shared/money';
import {
  MaskedAuthCodeCodec,
  OutRefundNoCodec,
  OutTradeNoCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
} from '../shared/ids';
import { defineEvent, IsoDateTimeCodec } from '../shared/events';
import { NotificationNoticeCodec } from '../notification/notice';
import { PayPolicyCodec } from './policy';

/**
 * Order stream events (`order-{subMchid}:{outTradeNo}`). Every gateway answer is recorded before
 * anything acts on it, so the stream is both the order's history and its saga's inputs.
 */

/** A classified observation of WeChat's view of the order, from any source. */
export const TradeObservationCodec = t.union([
  t.type({
    kind: t.literal('Paid'),
    transactionId: TransactionIdCodec,
    amount: MoneyCodec,
    tradeState: t.keyof({ SUCCESS: null, REFUND: null }),
    successTime: t.union([t.string, t.undefined]),
  }),
  t.type({ kind: t.literal('Paying'), tradeState: t.keyof({ USERPAYING: null, NOTPAY: null }) }),
  t.type({ kind: t.literal('PayFailed'), code: t.string, message: t.string }),
  t.type({ kind: t.literal('Revoked') }),
  t.type({ kind: t.literal('Closed') }),
  t.type({ kind: t.literal('NotFound') }),
  t.type({ kind: t.literal('Unknown'), reason: t.string }),
]);
export type TradeObservation = t.TypeOf<typeof TradeObservationCodec>;

export const ObservationSourceCodec = t.keyof({
  pay: null,
  query: null,
  notification: null,
  statement: null,
  reverse: null,
});
export type ObservationSource = t.TypeOf<typeof ObservationSourceCodec>;

export const ReviewReasonCodec = t.keyof({
  AmountMismatch: null,
  PaidAfterReversal: null,
  PaidAfterFailure: null,
  SourcesDisagree: null,
  ReversalFailed: null,
  /** WeChat's answers stayed unclear: the janitor keeps asking and resolves it when one is final. */
  OutcomeUnclear: null,
  /** A verified notification disagrees with the record: nothing applied, an operator decides. */
  NotificationContradicts: null,
});
export type ReviewReason = t.TypeOf<typeof ReviewReasonCodec>;

export const ReversalReasonCodec = t.keyof({ Deadline: null, Merchant: null, PaidAfterAbandon: null });
export type ReversalReason = t.TypeOf<typeof ReversalReasonCodec>;

export const OrderSubmitted = defineEvent(
  'OrderSubmitted',
  1,
  {
    spMchid: SpMchidCodec,
    subMchid: SubMchidCodec,
    outTradeNo: OutTradeNoCodec,
    amount: MoneyCodec,
    description: t.string,
    authCodeMasked: MaskedAuthCodeCodec,
    /** Fingerprint of the merchant's request (auth code included, hashed): same request → same order. */
    requestFingerprint: t.string,
    submittedAt: IsoDateTimeCodec,
    /** The saga policy in force, recorded so replay re-runs decisions against what was decided then. */
    policy: PayPolicyCodec,
  },
  { attach: t.string },
);
export const OrderDispatched = defineEvent('OrderDispatched', 1, { dispatchedAt: IsoDateTimeCodec });
export const OrderPaying = defineEvent('OrderPaying', 1, {
  source: ObservationSourceCodec,
  tradeState: t.keyof({ USERPAYING: null, NOTPAY: null }),
  observedAt: IsoDateTimeCodec,
});
export const OrderOutcomeUnknown = defineEvent('OrderOutcomeUnknown', 1, {
  source: ObservationSourceCodec,
  reason: t.string,
  observedAt: IsoDateTimeCodec,
});
export const OrderSucceeded = defineEvent(
  'OrderSucceeded',
  1,
  {
    source: ObservationSourceCodec,
    transactionId: TransactionIdCodec,
    amount: MoneyCodec,
    observedAt: IsoDateTimeCodec,
  },
  { successTime: t.string },
);
export const OrderFailed = defineEvent('OrderFailed', 1, {
  source: t.keyof({
    pay: null,
    query: null,
    notification: null,
    statement: null,
    reverse: null,
    dispatch: null,
  }),
  code: t.string,
  message: t.string,
  observedAt: IsoDateTimeCodec,
});
/** Every answer about the order (pay, query, notification, statement), recorded before it is acted on. */
export const OrderObservationRecorded = defineEvent('OrderObservationRecorded', 1, {
  source: ObservationSourceCodec,
  observation: TradeObservationCodec,
  observedAt: IsoDateTimeCodec,
});
export const OrderPollScheduled = defineEvent('OrderPollScheduled', 1, {
  dueAt: IsoDateTimeCodec,
  scheduledAt: IsoDateTimeCodec,
});
export const OrderReversalRequested = defineEvent('OrderReversalRequested', 1, {
  reason: ReversalReasonCodec,
  requestedAt: IsoDateTimeCodec,
  /** Never earlier than 15 s after the pay request was sent (dispatch). */
  dueAt: IsoDateTimeCodec,
});
export const OrderReversalAttempted = defineEvent(
  'OrderReversalAttempted',
  1,
  {
    attempt: t.number,
    outcome: t.keyof({ Accepted: null, Rejected: null, Unknown: null, NotFound: null }),
    observedAt: IsoDateTimeCodec,
    /** When the next step (retry, or the confirming query) is due. */
    nextDueAt: IsoDateTimeCodec,
  },
  { code: t.string, message: t.string },
);
export const OrderReversed = defineEvent('OrderReversed', 1, {
  source: ObservationSourceCodec,
  /** The customer had paid, so the reverse refunded them (reference §5.3). */
  wasPaid: t.boolean,
  observedAt: IsoDateTimeCodec,
});
export const OrderClosed = defineEvent('OrderClosed', 1, {
  source: ObservationSourceCodec,
  observedAt: IsoDateTimeCodec,
});
export const OrderFlaggedForReview = defineEvent(
  'OrderFlaggedForReview',
  1,
  {
    reason: ReviewReasonCodec,
    detail: t.string,
    observedAt: IsoDateTimeCodec,
  },
  /** NotificationContradicts: what the notification stated, so replay can recompute the verdict. */
  { notice: NotificationNoticeCodec },
);
export const OrderReviewResolved = defineEvent('OrderReviewResolved', 1, {
  resolution: t.keyof({ Succeeded: null, Failed: null, Reversed: null, Closed: null }),
  actor: t.string,
  note: t.string,
  resolvedAt: IsoDateTimeCodec,
});
export const RefundReserved = defineEvent(
  'RefundReserved',
  1,
  {
    outRefundNo: OutRefundNoCodec,
    amount: MoneyCodec,
    reservedAt: IsoDateTimeCodec,
    requestFingerprint: t.string,
  },
  { reason: t.string },
);
export const RefundReservationReleased = defineEvent('RefundReservationReleased', 1, {
  outRefundNo: OutRefundNoCodec,
  reason: t.string,
  releasedAt: IsoDateTimeCodec,
});
export const RefundConfirmed = defineEvent('RefundConfirmed', 1, {
  outRefundNo: OutRefundNoCodec,
  amount: MoneyCodec,
  confirmedAt: IsoDateTimeCodec,
});

export const ORDER_EVENTS = [
  OrderSubmitted,
  OrderDispatched,
  OrderPaying,
  OrderOutcomeUnknown,
  OrderSucceeded,
  OrderFailed,
  OrderObservationRecorded,
  OrderPollScheduled,
  OrderReversalRequested,
  OrderReversalAttempted,
  OrderReversed,
  OrderClosed,
  OrderFlaggedForReview,
  OrderReviewResolved,
  RefundReserved,
  RefundReservationReleased,
  RefundConfirmed,
] as const;

export const OrderEventCodec = t.union([
  OrderSubmitted.codec,
  OrderDispatched.codec,
  OrderPaying.codec,
  OrderOutcomeUnknown.codec,
  OrderSucceeded.codec,
  OrderFailed.codec,
  OrderObservationRecorded.codec,
  OrderPollScheduled.codec,
  OrderReversalRequested.codec,
  OrderReversalAttempted.codec,
  OrderReversed.codec,
  OrderClosed.codec,
  OrderFlaggedForReview.codec,
  OrderReviewResolved.codec,
  RefundReserved.codec,
  RefundReservationReleased.codec,
  RefundConfirmed.codec,
]);
export type OrderEvent = t.TypeOf<typeof OrderEventCodec>;
export type OrderEventType = OrderEvent['type'];
export type OrderEventOf<K extends OrderEventType> = Extract<OrderEvent, { type: K }>;
