import * as t from 'io-ts';
import { type Money, MoneyCodec, format } from '../shared/money';

/**
 * What a verified notification says about a payment or refund, as the decider checks it against the
 * record. WeChat signs the notification, but a valid signature says who sent it, not that it is about
 * what we recorded: a notification is applied only when every fact here agrees with the record.
 */
export const NotificationNoticeCodec = t.readonly(
  t.intersection([
    t.type({
      notificationId: t.string,
      eventType: t.string,
      spMchid: t.string,
      subMchid: t.string,
      outTradeNo: t.string,
      transactionId: t.string,
      /** The status the resource carries (trade_state, or refund_status with CLOSED read as REFUNDCLOSE). */
      status: t.string,
      /** amount.total: what the order was paid. */
      total: MoneyCodec,
    }),
    /** Refund notifications only. */
    t.partial({
      refund: t.readonly(t.type({ outRefundNo: t.string, refundId: t.string, amount: MoneyCodec })),
    }),
  ]),
  'NotificationNotice',
);
export type NotificationNotice = t.TypeOf<typeof NotificationNoticeCodec>;

/** One fact on which the notification and the record disagree, with both values. */
export interface NoticeMismatch {
  readonly field: string;
  readonly ours: string;
  readonly theirs: string;
}

/** The resource statuses each event type announces. */
const STATUSES_OF_EVENT: Readonly<Record<string, readonly string[]>> = {
  'TRANSACTION.SUCCESS': ['SUCCESS'],
  'REFUND.SUCCESS': ['SUCCESS'],
  'REFUND.CLOSED': ['CLOSED', 'REFUNDCLOSE'],
  'REFUND.ABNORMAL': ['ABNORMAL'],
};

export const textMismatch = (
  field: string,
  ours: string | undefined,
  theirs: string,
): readonly NoticeMismatch[] => (ours === undefined || ours === theirs ? [] : [{ field, ours, theirs }]);

/** Currency first: amounts in different currencies are not comparable. */
export const moneyMismatch = (field: string, ours: Money, theirs: Money): readonly NoticeMismatch[] => {
  if (ours.currency !== theirs.currency)
    return [{ field: 'amount.currency', ours: ours.currency, theirs: theirs.currency }];
  return ours.amount === theirs.amount ? [] : [{ field, ours: format(ours), theirs: format(theirs) }];
};

/** event_type and the status in the resource must say the same thing. */
export const statusMismatch = (
  field: 'trade_state' | 'refund_status',
  n: NotificationNotice,
): readonly NoticeMismatch[] => {
  const announced = STATUSES_OF_EVENT[n.eventType];
  if (announced === undefined)
    return [{ field: 'event_type', ours: 'a known event type', theirs: n.eventType }];
  return announced.includes(n.status)
    ? []
    : [{ field, ours: `${announced[0] ?? ''} (announced by ${n.eventType})`, theirs: n.status }];
};

const MAX_VALUE = 64;
const clip = (s: string): string => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s);

/** The review detail: every field that disagrees, ours and theirs. */
export const describeMismatches = (notificationId: string, mismatches: readonly NoticeMismatch[]): string =>
  `notification ${clip(notificationId)} contradicts the record: ${mismatches
    .map((m) => `${m.field} ours ${clip(m.ours)}, notification ${clip(m.theirs)}`)
    .join('; ')}`;
