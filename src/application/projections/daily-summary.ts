import { gmt8DateOf } from '../../domain/reconciliation';
import type { RecordedEvent } from '../../ports';
import { type Projection, change, decodeRecorded, streamParts } from './projection';

export const DAILY_SUMMARY = 'daily_summary';

/**
 * Money moved per GMT+8 day, sub-merchant and currency (the statement's day, reference §5.8),
 * keyed `${date}:${subMchid}:${currency}`. Amounts are integer minor units of `currency`.
 */
export type DailySummaryDoc = {
  readonly date: string;
  readonly subMchid: string;
  readonly currency: string;
  /** Payments WeChat confirmed (OrderSucceeded). */
  readonly gross: number;
  /** Refunds WeChat confirmed (RefundSucceeded). */
  readonly refunds: number;
  readonly net: number;
  readonly paymentCount: number;
  readonly refundCount: number;
};

export const dailySummaryKey = (date: string, subMchid: string, currency: string): string =>
  `${date}:${subMchid}:${currency}`;

interface Movement {
  readonly date: string;
  readonly subMchid: string;
  readonly currency: string;
  readonly kind: 'payment' | 'refund';
  readonly amount: number;
}

/**
 * An increment that depends on the event alone. Applying an event twice would count it twice; the
 * checkpoint committed with the change is what makes redelivery harmless.
 */
const movementOf = (stored: RecordedEvent): Movement | undefined => {
  const decoded = decodeRecorded(stored);
  if (decoded === undefined) return undefined;
  const { subMchid } = streamParts(stored.streamId);
  if (decoded.category === 'order' && decoded.event.type === 'OrderSucceeded') {
    const d = decoded.event.data;
    const date = gmt8DateOf(d.successTime ?? d.observedAt);
    return date === undefined
      ? undefined
      : { date, subMchid, currency: d.amount.currency, kind: 'payment', amount: d.amount.amount };
  }
  if (decoded.category === 'refund' && decoded.event.type === 'RefundSucceeded') {
    const d = decoded.event.data;
    const date = gmt8DateOf(d.successTime ?? d.observedAt);
    return date === undefined
      ? undefined
      : { date, subMchid, currency: d.amount.currency, kind: 'refund', amount: d.amount.amount };
  }
  return undefined;
};

export const dailySummaryProjection: Projection = {
  name: 'daily_summary',
  version: 1,
  collections: [DAILY_SUMMARY],
  project: (stored) => {
    const m = movementOf(stored);
    if (m === undefined) return [];
    return [
      change<DailySummaryDoc>(DAILY_SUMMARY, dailySummaryKey(m.date, m.subMchid, m.currency), (current) => {
        const base = current ?? {
          date: m.date,
          subMchid: m.subMchid,
          currency: m.currency,
          gross: 0,
          refunds: 0,
          net: 0,
          paymentCount: 0,
          refundCount: 0,
        };
        const isPayment = m.kind === 'payment';
        const gross = base.gross + (isPayment ? m.amount : 0);
        const refunds = base.refunds + (isPayment ? 0 : m.amount);
        return {
          ...base,
          gross,
          refunds,
          net: gross - refunds,
          paymentCount: base.paymentCount + (isPayment ? 1 : 0),
          refundCount: base.refundCount + (isPayment ? 0 : 1),
        };
      }),
    ];
  },
};
