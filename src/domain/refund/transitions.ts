import type { RefundEventType } from './events';
import type { RefundState, RefundStatus } from './state';

/** The refund state machine as data: which events may be recorded in which status. */
const OBSERVE: readonly RefundEventType[] = ['RefundObservationRecorded', 'RefundFlaggedForReview'];
const BEFORE_ACCEPTANCE: readonly RefundEventType[] = [
  ...OBSERVE,
  'RefundDispatched',
  'RefundProcessing',
  'RefundOutcomeUnknown',
  'RefundSucceeded',
  'RefundClosed',
  'RefundAbnormal',
  'RefundRejected',
  'RefundSubmitScheduled',
  'RefundPollScheduled',
];

export const REFUND_TRANSITIONS: Readonly<Record<RefundStatus | 'Initial', readonly RefundEventType[]>> = {
  Initial: ['RefundRequested'],
  Requested: BEFORE_ACCEPTANCE,
  Unknown: BEFORE_ACCEPTANCE,
  Processing: [...OBSERVE, 'RefundPollScheduled', 'RefundSucceeded', 'RefundClosed', 'RefundAbnormal'],
  Abnormal: [...OBSERVE, 'RefundSucceeded', 'RefundClosed'],
  Succeeded: OBSERVE,
  Closed: OBSERVE,
  Rejected: OBSERVE,
  // The janitor works on unclear items: it schedules queries, and resubmits a refund WeChat never took.
  NeedsReview: [...OBSERVE, 'RefundReviewResolved', 'RefundPollScheduled', 'RefundDispatched'],
};

export const isAllowed = (state: RefundState, type: RefundEventType): boolean =>
  REFUND_TRANSITIONS[state.status].includes(type);
