import * as t from 'io-ts';
import { MoneyCodec } from '../shared/money';
import { OutRefundNoCodec, OutTradeNoCodec, SubMchidCodec } from '../shared/ids';
import { defineEvent, IsoDateTimeCodec } from '../shared/events';

/**
 * Notification streams (`notification-{id}`, WeChat's notification id). A verified notification is
 * recorded here before it is acknowledged and before it is applied, so a redelivery (same id) is
 * recognised and a crash between recording and applying loses nothing. Only decrypted, non-secret
 * facts are kept: never the ciphertext, the plaintext, or a key.
 */
export const NotificationReceived = defineEvent(
  'NotificationReceived',
  1,
  {
    notificationId: t.string,
    eventType: t.string,
    createTime: t.string,
    receivedAt: IsoDateTimeCodec,
    subMchid: SubMchidCodec,
    outTradeNo: OutTradeNoCodec,
    transactionId: t.string,
    /** SUCCESS / REFUNDCLOSE / ABNORMAL for refunds, trade_state for transactions. */
    status: t.string,
    /** The refund amount for refunds, the paid total for transactions. */
    amount: MoneyCodec,
  },
  {
    outRefundNo: OutRefundNoCodec,
    refundId: t.string,
    spMchid: t.string,
    /** Refunds: amount.total, the order's paid total as WeChat states it. */
    total: MoneyCodec,
    successTime: t.string,
    /** SHA-256 of the facts above (receipt time excluded): a reused id with other content differs. */
    digest: t.string,
  },
);

/** A field on which a later notification with the same id differs from the first. */
export const NotificationDifferenceCodec = t.type({
  field: t.string,
  recorded: t.string,
  received: t.string,
});
export type NotificationDifference = t.TypeOf<typeof NotificationDifferenceCodec>;

/**
 * A notification reusing the id of one already recorded, with different content. It is kept as
 * evidence and never applied: the first content stands.
 */
export const NotificationConflicted = defineEvent('NotificationConflicted', 1, {
  notificationId: t.string,
  digest: t.string,
  eventType: t.string,
  receivedAt: IsoDateTimeCodec,
  differences: t.readonlyArray(NotificationDifferenceCodec),
});

/**
 * A verified notification whose decrypted resource does not decode. What WeChat said is not lost:
 * the decoding error and whatever ids could be read are kept, and the order or refund they name is
 * queried at once.
 */
export const NotificationUndecodable = defineEvent(
  'NotificationUndecodable',
  1,
  {
    notificationId: t.string,
    eventType: t.string,
    createTime: t.string,
    receivedAt: IsoDateTimeCodec,
    error: t.string,
    digest: t.string,
  },
  {
    spMchid: t.string,
    subMchid: t.string,
    outTradeNo: t.string,
    transactionId: t.string,
    outRefundNo: t.string,
    refundId: t.string,
  },
);

/** Nothing of ours matches it: kept for reconciliation, never applied. Ends the notification's work. */
export const NotificationUnmatched = defineEvent('NotificationUnmatched', 1, {
  reason: t.string,
  observedAt: IsoDateTimeCodec,
});

/**
 * The notification's work is done on its target: applied, flagged as contradicting, or (undecodable)
 * the target queried. One without this (or NotificationUnmatched) is applied again at start.
 */
export const NotificationApplied = defineEvent('NotificationApplied', 1, {
  target: t.string,
  outcome: t.keyof({ Applied: null, Contradicts: null, Queried: null, Refused: null }),
  appliedAt: IsoDateTimeCodec,
});

export const NotificationEventCodec = t.union([
  NotificationReceived.codec,
  NotificationConflicted.codec,
  NotificationUndecodable.codec,
  NotificationUnmatched.codec,
  NotificationApplied.codec,
]);
export type NotificationEvent = t.TypeOf<typeof NotificationEventCodec>;
export type NotificationEventOf<K extends NotificationEvent['type']> = Extract<
  NotificationEvent,
  { type: K }
>;
export const NOTIFICATION_EVENTS = [
  NotificationReceived,
  NotificationConflicted,
  NotificationUndecodable,
  NotificationUnmatched,
  NotificationApplied,
] as const;

export const notificationStreamId = (notificationId: string): string =>
  `notification-${notificationId.replace(/[^0-9A-Za-z_\-]/g, '_')}`;
