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
  Failed: OBSERVE,
  Reversing: [...OBSERVE, 'OrderReversalAttempted', 'OrderReversed', 'OrderClosed', 'OrderFailed'],
  Reversed: OBSERVE,
  Closed: OBSERVE,
  NeedsReview: [...OBSERVE, 'OrderReviewResolved', 'RefundReservationReleased', 'RefundConfirmed'],
};

export const isAllowed = (state: OrderState, type: OrderEventType): boolean =>
  ORDER_TRANSITIONS[state.status].includes(type);
