import * as t from 'io-ts';
import { MoneyCodec } from '../shared/money';
import {
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
} from '../shared/ids';
import { defineEvent, IsoDateTimeCodec } from '../shared/events';
import { NotificationNoticeCodec } from '../notification/notice';
import { RefundPolicyCodec } from './policy';

/** Refund stream events (`refund-{subMchid}:{outRefundNo}`). The reservation lives on the order stream. */

/** A classified answer about the refund, from any source. */
export const RefundObservationCodec = t.union([
  t.type({ kind: t.literal('Processing'), refundId: t.union([RefundIdCodec, t.undefined]) }),
  t.type({
    kind: t.literal('Succeeded'),
    refundId: RefundIdCodec,
    amount: MoneyCodec,
    successTime: t.union([t.string, t.undefined]),
  }),
  t.type({ kind: t.literal('Closed'), refundId: t.union([RefundIdCodec, t.undefined]) }),
  t.type({ kind: t.literal('Abnormal'), refundId: t.union([RefundIdCodec, t.undefined]) }),
  t.type({ kind: t.literal('Rejected'), code: t.string, message: t.string }),
  /** Refused for now (NOT_ENOUGH, BIZERR_NEED_RETRY, FREQUENCY_LIMITED, 429): resubmit with the same number later. */
  t.type({ kind: t.literal('Retryable'), code: t.string, message: t.string }),
  t.type({ kind: t.literal('NotFound') }),
  t.type({ kind: t.literal('Unknown'), reason: t.string }),
]);
export type RefundObservation = t.TypeOf<typeof RefundObservationCodec>;

export const RefundSourceCodec = t.keyof({ submit: null, query: null, notification: null, statement: null });
export type RefundSource = t.TypeOf<typeof RefundSourceCodec>;

export const RefundReviewReasonCodec = t.keyof({
  RefundNumberUsed: null,
  AmountMismatch: null,
  SourcesDisagree: null,
  StuckProcessing: null,
  /** A verified notification disagrees with the record: nothing applied, an operator decides. */
  NotificationContradicts: null,
  /** WeChat reports the refund ABNORMAL (e.g. the card or account cannot take it back). */
  Abnormal: null,
  /** Refused "for now" (NOT_ENOUGH, FREQUENCY_LIMITED, 429) more times than the policy allows. */
  RetriesExhausted: null,
});
export type RefundReviewReason = t.TypeOf<typeof RefundReviewReasonCodec>;

/**
 * Reasons that mean WeChat's answer is not clear yet: the janitor keeps asking on its schedule and
 * resolves the item itself once a verified answer settles it. Every other reason is a contradiction
 * between sources, and only an operator can decide it.
 */
export const JANITOR_REFUND_REVIEW_REASONS: readonly RefundReviewReason[] = [
  'StuckProcessing',
  'Abnormal',
  'RetriesExhausted',
];
export const isJanitorManagedRefundReason = (reason: string): boolean =>
  (JANITOR_REFUND_REVIEW_REASONS as readonly string[]).includes(reason);

export const RefundRequested = defineEvent(
  'RefundRequested',
  1,
  {
    spMchid: SpMchidCodec,
    subMchid: SubMchidCodec,
    outTradeNo: OutTradeNoCodec,
    transactionId: TransactionIdCodec,
    outRefundNo: OutRefundNoCodec,
    amount: MoneyCodec,
    orderTotal: MoneyCodec,
    requestedAt: IsoDateTimeCodec,
    requestFingerprint: t.string,
    policy: RefundPolicyCodec,
  },
  { reason: t.string },
);
export const RefundDispatched = defineEvent('RefundDispatched', 1, {
  attempt: t.number,
  dispatchedAt: IsoDateTimeCodec,
});
export const RefundObservationRecorded = defineEvent('RefundObservationRecorded', 1, {
  source: RefundSourceCodec,
  observation: RefundObservationCodec,
  observedAt: IsoDateTimeCodec,
});
export const RefundProcessing = defineEvent(
  'RefundProcessing',
  1,
  { source: RefundSourceCodec, observedAt: IsoDateTimeCodec },
  { refundId: RefundIdCodec },
);
export const RefundOutcomeUnknown = defineEvent('RefundOutcomeUnknown', 1, {
  source: RefundSourceCodec,
  reason: t.string,
  observedAt: IsoDateTimeCodec,
});
export const RefundSucceeded = defineEvent(
  'RefundSucceeded',
  1,
  { source: RefundSourceCodec, refundId: RefundIdCodec, amount: MoneyCodec, observedAt: IsoDateTimeCodec },
  { successTime: t.string },
);
export const RefundClosed = defineEvent(
  'RefundClosed',
  1,
  { source: RefundSourceCodec, observedAt: IsoDateTimeCodec },
  { refundId: RefundIdCodec },
);
export const RefundAbnormal = defineEvent(
  'RefundAbnormal',
  1,
  { source: RefundSourceCodec, observedAt: IsoDateTimeCodec },
  { refundId: RefundIdCodec },
);
export const RefundRejected = defineEvent('RefundRejected', 1, {
  code: t.string,
  message: t.string,
  observedAt: IsoDateTimeCodec,
});
export const RefundSubmitScheduled = defineEvent('RefundSubmitScheduled', 1, {
  dueAt: IsoDateTimeCodec,
  reason: t.string,
  scheduledAt: IsoDateTimeCodec,
});
export const RefundPollScheduled = defineEvent('RefundPollScheduled', 1, {
  dueAt: IsoDateTimeCodec,
  scheduledAt: IsoDateTimeCodec,
});
export const RefundFlaggedForReview = defineEvent(
  'RefundFlaggedForReview',
  1,
  {
    reason: RefundReviewReasonCodec,
    detail: t.string,
    observedAt: IsoDateTimeCodec,
  },
  /** NotificationContradicts: what the notification stated, so replay can recompute the verdict. */
  { notice: NotificationNoticeCodec },
);
export const RefundReviewResolved = defineEvent('RefundReviewResolved', 1, {
  resolution: t.keyof({ Succeeded: null, Closed: null, Rejected: null }),
  actor: t.string,
  note: t.string,
  resolvedAt: IsoDateTimeCodec,
});

export const RefundEventCodec = t.union([
  RefundRequested.codec,
  RefundDispatched.codec,
  RefundObservationRecorded.codec,
  RefundProcessing.codec,
  RefundOutcomeUnknown.codec,
  RefundSucceeded.codec,
  RefundClosed.codec,
  RefundAbnormal.codec,
  RefundRejected.codec,
  RefundSubmitScheduled.codec,
  RefundPollScheduled.codec,
  RefundFlaggedForReview.codec,
  RefundReviewResolved.codec,
]);
export type RefundEvent = t.TypeOf<typeof RefundEventCodec>;
export type RefundEventType = RefundEvent['type'];
export type RefundEventOf<K extends RefundEventType> = Extract<RefundEvent, { type: K }>;

export const REFUND_EVENTS = [
  RefundRequested,
  RefundDispatched,
  RefundObservationRecorded,
  RefundProcessing,
  RefundOutcomeUnknown,
  RefundSucceeded,
  RefundClosed,
  RefundAbnormal,
  RefundRejected,
  RefundSubmitScheduled,
  RefundPollScheduled,
  RefundFlaggedForReview,
  RefundReviewResolved,
] as const;
