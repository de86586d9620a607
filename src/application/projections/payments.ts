import type { Money, Order } from '../../domain';
import { gmt8DateOf } from '../../domain/reconciliation';
import type { PaymentStatus, RecordedEvent } from '../../ports';
import { type Projection, change, decodeRecorded } from './projection';

export const PAYMENTS = 'payments';

export type ReservationDoc = {
  readonly amount: number;
  readonly status: 'reserved' | 'confirmed' | 'released';
};

/** One order, keyed `${subMchid}:${outTradeNo}`, in the merchant API's status vocabulary (docs/architecture.md). */
export type PaymentDoc = {
  readonly streamId: string;
  readonly spMchid: string;
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly status: PaymentStatus;
  readonly amount: Money;
  readonly description: string;
  readonly authCodeMasked: string;
  readonly paidAmount?: Money;
  /** Refunds confirmed by WeChat. */
  readonly refundedTotal: Money;
  /** Refunds reserved on the order and not yet settled either way. */
  readonly pendingRefundTotal: Money;
  readonly reservations: Readonly<Record<string, ReservationDoc>>;
  /** WeChat reported it paid at some point (a reverse then refunded it, reference §5.3). */
  readonly wasPaid: boolean;
  readonly transactionId?: string;
  readonly submittedAt: string;
  readonly successTime?: string;
  readonly updatedAt: string;
  /** GMT+8 day of the payment (yyyyMMdd), the statement it belongs to; set once WeChat reports it paid. */
  readonly date?: string;
  readonly failure?: { readonly code: string; readonly message: string };
  readonly review?: { readonly reason: string; readonly detail: string };
};

export const paymentKey = (subMchid: string, outTradeNo: string): string => `${subMchid}:${outTradeNo}`;

const STATUS_OF: Partial<Record<Order.OrderEventType, PaymentStatus>> = {
  OrderPaying: 'PAYING',
  OrderOutcomeUnknown: 'UNKNOWN',
  OrderSucceeded: 'SUCCEEDED',
  OrderFailed: 'FAILED',
  OrderReversalRequested: 'REVERSING',
  OrderReversed: 'REVERSED',
  OrderClosed: 'CLOSED',
  OrderFlaggedForReview: 'NEEDS_REVIEW',
};

const RESOLUTION: Readonly<
  Record<Order.OrderEventOf<'OrderReviewResolved'>['data']['resolution'], PaymentStatus>
> = {
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  Reversed: 'REVERSED',
  Closed: 'CLOSED',
};

const withTotals = (doc: PaymentDoc, reservations: Readonly<Record<string, ReservationDoc>>): PaymentDoc => {
  const total = (status: ReservationDoc['status']): number =>
    Object.values(reservations).reduce((sum, r) => sum + (r.status === status ? r.amount : 0), 0);
  return {
    ...doc,
    reservations,
    refundedTotal: { ...doc.amount, amount: total('confirmed') } as Money,
    pendingRefundTotal: { ...doc.amount, amount: total('reserved') } as Money,
  };
};

const paidOn = (doc: PaymentDoc, successTime: string | undefined, observedAt: string): PaymentDoc => {
  const time = successTime ?? doc.successTime ?? observedAt;
  const date = doc.date ?? gmt8DateOf(time);
  return {
    ...doc,
    wasPaid: true,
    ...(successTime !== undefined ? { successTime } : {}),
    ...(date !== undefined ? { date } : {}),
  };
};

const evolveDoc = (doc: PaymentDoc, event: Order.OrderEvent): PaymentDoc => {
  const status = STATUS_OF[event.type];
  const next: PaymentDoc = status !== undefined ? { ...doc, status } : doc;
  switch (event.type) {
    case 'OrderObservationRecorded': {
      const o = event.data.observation;
      return o.kind === 'Paid'
        ? { ...paidOn(next, o.successTime, event.data.observedAt), transactionId: o.transactionId }
        : next;
    }
    case 'OrderSucceeded':
      return {
        ...paidOn(next, event.data.successTime, event.data.observedAt),
        transactionId: event.data.transactionId,
        paidAmount: event.data.amount,
      };
    case 'OrderFailed':
      return { ...next, failure: { code: event.data.code, message: event.data.message } };
    case 'OrderReversed':
      return event.data.wasPaid ? { ...next, wasPaid: true } : next;
    case 'OrderFlaggedForReview':
      return { ...next, review: { reason: event.data.reason, detail: event.data.detail } };
    case 'OrderReviewResolved': {
      const { review: _resolved, ...rest } = next;
      return { ...rest, status: RESOLUTION[event.data.resolution] };
    }
    case 'RefundReserved':
      return withTotals(next, {
        ...next.reservations,
        [event.data.outRefundNo]: { amount: event.data.amount.amount, status: 'reserved' },
      });
    case 'RefundReservationReleased':
    case 'RefundConfirmed': {
      const r = next.reservations[event.data.outRefundNo];
      if (r === undefined) return next;
      const status = event.type === 'RefundConfirmed' ? 'confirmed' : 'released';
      return withTotals(next, { ...next.reservations, [event.data.outRefundNo]: { ...r, status } });
    }
    default:
      return next;
  }
};

const created = (streamId: string, event: Order.OrderEventOf<'OrderSubmitted'>, at: string): PaymentDoc => {
  const d = event.data;
  const zero = { ...d.amount, amount: 0 } as Money;
  return {
    streamId,
    spMchid: d.spMchid,
    subMchid: d.subMchid,
    outTradeNo: d.outTradeNo,
    status: 'SUBMITTED',
    amount: d.amount,
    description: d.description,
    authCodeMasked: d.authCodeMasked,
    refundedTotal: zero,
    pendingRefundTotal: zero,
    reservations: {},
    wasPaid: false,
    submittedAt: d.submittedAt,
    updatedAt: at,
  };
};

export const paymentsProjection: Projection = {
  name: 'payments',
  version: 1,
  collections: [PAYMENTS],
  project: (stored: RecordedEvent) => {
    const decoded = decodeRecorded(stored);
    if (decoded?.category !== 'order') return [];
    const event = decoded.event;
    const { streamId } = stored;
    const at = stored.metadata.recordedAt;
    // The key comes from the stream id, so events after the first need nothing but the document.
    const rest = streamId.slice('order-'.length);
    return [
      change<PaymentDoc>(PAYMENTS, rest, (current) => {
        if (event.type === 'OrderSubmitted') return current ?? created(streamId, event, at);
        return current === undefined ? undefined : { ...evolveDoc(current, event), updatedAt: at };
      }),
    ];
  },
};
