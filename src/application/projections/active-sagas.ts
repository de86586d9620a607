import { Order, Refund } from '../../domain';
import type { RecordedEvent } from '../../ports';
import { type Projection, change, decodeRecorded } from './projection';

export const ACTIVE_SAGAS = 'active_sagas';

/**
 * Which sagas may still have work to do, keyed by stream id: the saga runner lists the non-final
 * ones at start and resumes them (durable timers, issue 6 §3).
 */
export type ActiveSagaDoc = {
  readonly streamId: string;
  readonly kind: 'order' | 'refund';
  readonly isFinal: boolean;
  readonly status: string;
  /** Orders only: refunds reserved and not yet confirmed or released (the link to the refund saga). */
  readonly reservedRefunds: readonly string[];
  /** In review for an unclear outcome, which the janitor keeps working on: not final. */
  readonly awaitsJanitor?: boolean;
};

const FINAL_ORDER: readonly Order.OrderStatus[] = [
  'Succeeded',
  'Failed',
  'Reversed',
  'Closed',
  'NeedsReview',
];
/** ABNORMAL is not final (it goes to review); NeedsReview is final only for a contradiction. */
const FINAL_REFUND: readonly Refund.RefundStatus[] = ['Succeeded', 'Closed', 'Rejected', 'NeedsReview'];

const ORDER_STATUS_OF: Partial<Record<Order.OrderEventType, Order.OrderStatus>> = {
  OrderSubmitted: 'Submitted',
  OrderPaying: 'Paying',
  OrderOutcomeUnknown: 'Unknown',
  OrderSucceeded: 'Succeeded',
  OrderFailed: 'Failed',
  OrderReversalRequested: 'Reversing',
  OrderReversed: 'Reversed',
  OrderClosed: 'Closed',
  OrderFlaggedForReview: 'NeedsReview',
};

const REFUND_STATUS_OF: Partial<Record<Refund.RefundEventType, Refund.RefundStatus>> = {
  RefundRequested: 'Requested',
  RefundProcessing: 'Processing',
  RefundOutcomeUnknown: 'Unknown',
  RefundSucceeded: 'Succeeded',
  RefundClosed: 'Closed',
  RefundAbnormal: 'Abnormal',
  RefundRejected: 'Rejected',
  RefundFlaggedForReview: 'NeedsReview',
};

const orderDoc = (
  streamId: string,
  current: ActiveSagaDoc | undefined,
  e: Order.OrderEvent,
): ActiveSagaDoc => {
  const status =
    e.type === 'OrderReviewResolved'
      ? e.data.resolution
      : (ORDER_STATUS_OF[e.type] ?? (current?.status as Order.OrderStatus | undefined) ?? 'Submitted');
  const reserved = current?.reservedRefunds ?? [];
  const reservedRefunds =
    e.type === 'RefundReserved'
      ? [...reserved.filter((n) => n !== e.data.outRefundNo), e.data.outRefundNo]
      : e.type === 'RefundConfirmed' || e.type === 'RefundReservationReleased'
        ? reserved.filter((n) => n !== e.data.outRefundNo)
        : reserved;
  // A review for an unclear outcome is not final: the janitor's saga resumes on restart.
  const awaitsJanitor =
    status === 'NeedsReview' &&
    (e.type === 'OrderFlaggedForReview'
      ? Order.isJanitorManaged(e.data.reason)
      : current?.awaitsJanitor === true);
  return {
    streamId,
    kind: 'order',
    status,
    reservedRefunds,
    ...(awaitsJanitor ? { awaitsJanitor } : {}),
    isFinal: FINAL_ORDER.includes(status) && reservedRefunds.length === 0 && !awaitsJanitor,
  };
};

const refundDoc = (
  streamId: string,
  current: ActiveSagaDoc | undefined,
  e: Refund.RefundEvent,
): ActiveSagaDoc => {
  const status =
    e.type === 'RefundReviewResolved'
      ? e.data.resolution
      : (REFUND_STATUS_OF[e.type] ?? (current?.status as Refund.RefundStatus | undefined) ?? 'Requested');
  const awaitsJanitor =
    e.type === 'RefundFlaggedForReview'
      ? Refund.isJanitorManagedRefundReason(e.data.reason)
      : status === 'NeedsReview' && current?.awaitsJanitor === true;
  return {
    streamId,
    kind: 'refund',
    status,
    reservedRefunds: [],
    isFinal: FINAL_REFUND.includes(status) && !awaitsJanitor,
    ...(awaitsJanitor ? { awaitsJanitor } : {}),
  };
};

export const activeSagasProjection: Projection = {
  name: 'active_sagas',
  version: 1,
  collections: [ACTIVE_SAGAS],
  project: (stored: RecordedEvent) => {
    const decoded = decodeRecorded(stored);
    const { streamId } = stored;
    if (decoded?.category === 'order') {
      const e = decoded.event;
      return [change<ActiveSagaDoc>(ACTIVE_SAGAS, streamId, (current) => orderDoc(streamId, current, e))];
    }
    if (decoded?.category === 'refund') {
      const e = decoded.event;
      return [change<ActiveSagaDoc>(ACTIVE_SAGAS, streamId, (current) => refundDoc(streamId, current, e))];
    }
    return [];
  },
};
