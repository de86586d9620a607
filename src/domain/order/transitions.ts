import type { OrderEventType } from './events';
import type { OrderState, OrderStatus } from './state';

/**
 * The order state machine as data (Kill Bill style): which events may be recorded in which status.
 * `decide` only ever produces events allowed here (a property test checks it), and
 * `replay --verify` checks every stored event against this table.
 */
const OBSERVE: readonly OrderEventType[] = ['OrderObservationRecorded', 'OrderFlaggedForReview'];
const UNSETTLED: readonly OrderEventType[] = [
  ...OBSERVE,
  'OrderPaying',
  'OrderOutcomeUnknown',
  'OrderSucceeded',
  'OrderFailed',
  'OrderPollScheduled',
  'OrderReversalRequested',
  'OrderReversed',
  'OrderClosed',
];

/**
 * Reservations made while the order was Succeeded outlive a review that settles it otherwise
 * (Failed, Reversed, Closed): the refund saga must still be able to record how each one ended.
 */
const SETTLE_REFUNDS: readonly OrderEventType[] = ['RefundReservationReleased', 'RefundConfirmed'];

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus | 'Initial', readonly OrderEventType[]>> = {
  Initial: ['OrderSubmitted'],
  Submitted: [...UNSETTLED, 'OrderDispatched'],
  Paying: UNSETTLED,
  Unknown: UNSETTLED,
  Succeeded: [
    ...OBSERVE,
    'RefundReserved',
    'RefundReservationReleased',
    'RefundConfirmed',
    'OrderReversalRequested',
  ],
  Failed: [...OBSERVE, ...SETTLE_REFUNDS],
  Reversing: [...OBSERVE, 'OrderReversalAttempted', 'OrderReversed', 'OrderClosed', 'OrderFailed'],
  Reversed: [...OBSERVE, ...SETTLE_REFUNDS],
  Closed: [...OBSERVE, ...SETTLE_REFUNDS],
  // The janitor may reverse again an order in review for an unclear outcome (steps.ts).
  NeedsReview: [...OBSERVE, 'OrderReviewResolved', 'OrderReversalAttempted', ...SETTLE_REFUNDS],
};

export const isAllowed = (state: OrderState, type: OrderEventType): boolean =>
  ORDER_TRANSITIONS[state.status].includes(type);
