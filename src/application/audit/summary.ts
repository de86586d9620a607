import * as E from 'fp-ts/Either';
import { Order, Refund, format, streamCategory, type Money } from '../../domain';
import { ReconciliationEventCodec } from '../../domain/reconciliation';
import type { RecordedEvent } from '../../ports';
import { decodeEvent } from '../aggregate';
import { field } from './log';

/**
 * One line per event for people reading an audit. Only decoded, non-secret facts are shown: the
 * auth code is stored masked (ids.ts), and request fingerprints are left out.
 */

const trade = (o: Order.TradeObservation): string => {
  switch (o.kind) {
    case 'Paid':
      return `paid ${o.transactionId} ${format(o.amount)} (${o.tradeState})`;
    case 'Paying':
      return `paying (${o.tradeState})`;
    case 'PayFailed':
      return `failed ${o.code}: ${o.message}`;
    case 'Revoked':
      return 'revoked';
    case 'Closed':
      return 'closed';
    case 'NotFound':
      return 'no such order';
    case 'Unknown':
      return `no clear answer (${o.reason})`;
  }
};

const refundAnswer = (o: Refund.RefundObservation): string => {
  switch (o.kind) {
    case 'Processing':
      return `processing${o.refundId !== undefined ? ` ${o.refundId}` : ''}`;
    case 'Succeeded':
      return `succeeded ${o.refundId} ${format(o.amount)}`;
    case 'Closed':
      return 'closed';
    case 'Abnormal':
      return 'abnormal';
    case 'Rejected':
      return `rejected ${o.code}: ${o.message}`;
    case 'Retryable':
      return `refused for now ${o.code}: ${o.message}`;
    case 'NotFound':
      return 'no such refund';
    case 'Unknown':
      return `no clear answer (${o.reason})`;
  }
};

const order = (e: Order.OrderEvent): string => {
  switch (e.type) {
    case 'OrderSubmitted':
      return `submitted ${format(e.data.amount)} "${e.data.description}", auth code ${e.data.authCodeMasked}`;
    case 'OrderDispatched':
      return `pay request sent at ${e.data.dispatchedAt}`;
    case 'OrderObservationRecorded':
      return `${e.data.source} answered: ${trade(e.data.observation)}`;
    case 'OrderPaying':
      return `paying (${e.data.tradeState}) per ${e.data.source}`;
    case 'OrderOutcomeUnknown':
      return `outcome unknown per ${e.data.source}: ${e.data.reason}`;
    case 'OrderSucceeded':
      return `succeeded per ${e.data.source}: ${e.data.transactionId} ${format(e.data.amount)}`;
    case 'OrderFailed':
      return `failed per ${e.data.source}: ${e.data.code} ${e.data.message}`;
    case 'OrderPollScheduled':
      return `query due at ${e.data.dueAt}`;
    case 'OrderReversalRequested':
      return `reversal requested (${e.data.reason}), due at ${e.data.dueAt}`;
    case 'OrderReversalAttempted': {
      const why = [e.data.code, e.data.message].filter((s) => s !== undefined).join(' ');
      return `reverse attempt ${e.data.attempt}: ${e.data.outcome}${why ? ` (${why})` : ''}, next step due at ${e.data.nextDueAt}`;
    }
    case 'OrderReversed':
      return `reversed per ${e.data.source}${e.data.wasPaid ? ', the customer was refunded' : ''}`;
    case 'OrderClosed':
      return `closed per ${e.data.source}`;
    case 'OrderFlaggedForReview':
      return `needs review (${e.data.reason}): ${e.data.detail}`;
    case 'OrderReviewResolved':
      return `review resolved as ${e.data.resolution} by ${e.data.actor}: ${e.data.note}`;
    case 'RefundReserved':
      return `refund ${e.data.outRefundNo} reserved: ${format(e.data.amount)}`;
    case 'RefundReservationReleased':
      return `refund ${e.data.outRefundNo} released: ${e.data.reason}`;
    case 'RefundConfirmed':
      return `refund ${e.data.outRefundNo} confirmed: ${format(e.data.amount)}`;
  }
};

const refund = (e: Refund.RefundEvent): string => {
  switch (e.type) {
    case 'RefundRequested':
      return `refund ${e.data.outRefundNo} of ${format(e.data.amount)} requested (order total ${format(e.data.orderTotal)})`;
    case 'RefundDispatched':
      return `refund request sent (attempt ${e.data.attempt})`;
    case 'RefundObservationRecorded':
      return `${e.data.source} answered: ${refundAnswer(e.data.observation)}`;
    case 'RefundProcessing':
      return `processing per ${e.data.source}`;
    case 'RefundOutcomeUnknown':
      return `outcome unknown per ${e.data.source}: ${e.data.reason}`;
    case 'RefundSucceeded':
      return `succeeded per ${e.data.source}: ${e.data.refundId} ${format(e.data.amount)}`;
    case 'RefundClosed':
      return `closed per ${e.data.source}`;
    case 'RefundAbnormal':
      return `abnormal per ${e.data.source}`;
    case 'RefundRejected':
      return `rejected ${e.data.code}: ${e.data.message}`;
    case 'RefundSubmitScheduled':
      return `submit due at ${e.data.dueAt} (${e.data.reason})`;
    case 'RefundPollScheduled':
      return `query due at ${e.data.dueAt}`;
    case 'RefundFlaggedForReview':
      return `needs review (${e.data.reason}): ${e.data.detail}`;
    case 'RefundReviewResolved':
      return `review resolved as ${e.data.resolution} by ${e.data.actor}: ${e.data.note}`;
  }
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Notification events are read field by field: only the facts worth a line are needed here. */
const notification = (stored: RecordedEvent): string => {
  const d = stored.data;
  const amount = field(d, 'amount') as Money | undefined;
  const money =
    typeof field(amount, 'amount') === 'number' && typeof field(amount, 'currency') === 'string'
      ? ` ${format(amount as Money)}`
      : '';
  const refundNo = text(field(d, 'outRefundNo'));
  const reason = text(field(d, 'reason'));
  return [
    text(field(d, 'eventType')) ?? stored.type,
    text(field(d, 'status')),
    refundNo !== undefined ? `refund ${refundNo}` : undefined,
    reason,
  ]
    .filter((s) => s !== undefined)
    .join(' ')
    .concat(money);
};

export const summarize = (stored: RecordedEvent): string => {
  const undecodable = (message: string): string => `UNDECODABLE ${stored.type}: ${message}`;
  switch (streamCategory(stored.streamId)) {
    case 'order':
      return E.match(
        (e: { readonly message: string }) => undecodable(e.message),
        (e: Order.OrderEvent) => order(e),
      )(decodeEvent(Order.OrderEventCodec, stored));
    case 'refund':
      return E.match(
        (e: { readonly message: string }) => undecodable(e.message),
        (e: Refund.RefundEvent) => refund(e),
      )(decodeEvent(Refund.RefundEventCodec, stored));
    case 'reconciliation':
      return E.match(
        (e: { readonly message: string }) => undecodable(e.message),
        (e: { readonly data: { readonly counts: Readonly<Record<string, number>> } }) =>
          `reconciled: ${Object.entries(e.data.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
      )(decodeEvent(ReconciliationEventCodec, stored));
    case 'notification':
      return notification(stored);
    default:
      return stored.type;
  }
};
