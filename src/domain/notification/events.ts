import * as t from 'io-ts';
import { MoneyCodec } from '../shared/money';
import { OutRefundNoCodec, OutTradeNoCodec, SubMchidCodec } from '../shared/ids';
import { defineEvent, IsoDateTimeCodec } from '../shared/events';

/**
 * Notification streams (`notification-{id}`, WeChat's notification id). A verified notification is
 * recorded here before it is applied, so the acknowledgement follows durable recording and a
 * redelivery (same id) is recognised. Only decrypted, non-secret facts are kept.
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
    amount: MoneyCodec,
  },
  { outRefundNo: OutRefundNoCodec, refundId: t.string },
);

/** Nothing of ours matches it: kept for reconciliation, never applied. */
export const NotificationUnmatched = defineEvent('NotificationUnmatched', 1, {
  reason: t.string,
  observedAt: IsoDateTimeCodec,
});

export const NotificationEventCodec = t.union([NotificationReceived.codec, NotificationUnmatched.codec]);
export type NotificationEvent = t.TypeOf<typeof NotificationEventCodec>;
export const NOTIFICATION_EVENTS = [NotificationReceived, NotificationUnmatched] as const;

export const notificationStreamId = (notificationId: string): string =>
  `notification-${notificationId.replace(/[^0-9A-Za-z_\-]/g, '_')}`;
