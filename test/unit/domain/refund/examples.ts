import { Refund } from '../../../../src/domain';
import {
  at,
  hkd,
  outTradeNo,
  refundId,
  refundNo,
  spMchid,
  subMchid,
  transactionId,
} from '../shared/examples';

type RefundCommand = Refund.RefundCommand;
type RefundEvent = Refund.RefundEvent;
type RefundObservation = Refund.RefundObservation;

/** A 25.00 HKD refund of a 100.00 HKD order, requested at T0 under the default policy. */
export const REFUND_AMOUNT = hkd(2_500);
export const ORDER_TOTAL = hkd(10_000);
export const outRefundNo = refundNo(1);
export const policy = Refund.defaultRefundPolicy;

export const requestRefund: Extract<RefundCommand, { type: 'RequestRefund' }> = {
  type: 'RequestRefund',
  spMchid,
  subMchid,
  outTradeNo,
  transactionId,
  outRefundNo,
  amount: REFUND_AMOUNT,
  orderTotal: ORDER_TOTAL,
  requestFingerprint: 'fp-refund-1',
  policy,
  at: at(0),
};

export const requested: RefundEvent = {
  type: 'RefundRequested',
  data: {
    spMchid,
    subMchid,
    outTradeNo,
    transactionId,
    outRefundNo,
    amount: REFUND_AMOUNT,
    orderTotal: ORDER_TOTAL,
    requestedAt: at(0),
    requestFingerprint: 'fp-refund-1',
    policy,
  },
};

export const dispatched = (attempt: number, ms: number): RefundEvent => ({
  type: 'RefundDispatched',
  data: { attempt, dispatchedAt: at(ms) },
});

export const processing: RefundObservation = { kind: 'Processing', refundId };
export const succeededObs = (amount = REFUND_AMOUNT): Extract<RefundObservation, { kind: 'Succeeded' }> => ({
  kind: 'Succeeded',
  refundId,
  amount,
  successTime: '2026-03-02T16:05:00+08:00',
});
export const closedObs: RefundObservation = { kind: 'Closed', refundId };
export const abnormalObs: RefundObservation = { kind: 'Abnormal', refundId };
export const rejectedObs: RefundObservation = {
  kind: 'Rejected',
  code: 'PARAM_ERROR',
  message: 'bad amount',
};
export const numberUsedObs: RefundObservation = {
  kind: 'Rejected',
  code: Refund.OUT_REFUND_NO_USED,
  message: 'used',
};
export const retryableObs: RefundObservation = { kind: 'Retryable', code: 'NOT_ENOUGH', message: 'short' };
export const notFoundObs: RefundObservation = { kind: 'NotFound' };
export const unknownObs: RefundObservation = { kind: 'Unknown', reason: 'timeout' };

export const observe = (
  source: Refund.RefundSource,
  observation: RefundObservation,
  ms: number,
): RefundCommand => ({ type: 'RecordObservation', source, observation, at: at(ms) });

export const recorded = (
  source: Refund.RefundSource,
  observation: RefundObservation,
  ms: number,
): RefundEvent => ({
  type: 'RefundObservationRecorded',
  data: { source, observation, observedAt: at(ms) },
});

export const flagged = (
  reason: Refund.RefundReviewReason,
  ms: number,
  detail = 'contradiction',
): RefundEvent => ({
  type: 'RefundFlaggedForReview',
  data: { reason, detail, observedAt: at(ms) },
});

const SECOND = 1_000;

/** Histories that reach each refund status. */
export const history = {
  requested: [requested],
  dispatched: [requested, dispatched(1, 100)],
  processing: [
    requested,
    dispatched(1, 100),
    recorded('submit', processing, SECOND),
    { type: 'RefundProcessing', data: { source: 'submit', observedAt: at(SECOND), refundId } },
  ],
  unknown: [
    requested,
    dispatched(1, 100),
    recorded('submit', unknownObs, SECOND),
    { type: 'RefundOutcomeUnknown', data: { source: 'submit', reason: 'timeout', observedAt: at(SECOND) } },
  ],
  succeeded: [] as RefundEvent[],
  closed: [] as RefundEvent[],
  abnormal: [] as RefundEvent[],
  rejected: [
    requested,
    dispatched(1, 100),
    recorded('submit', rejectedObs, SECOND),
    { type: 'RefundRejected', data: { code: 'PARAM_ERROR', message: 'bad amount', observedAt: at(SECOND) } },
  ],
  needsReview: [] as RefundEvent[],
} satisfies Record<string, readonly RefundEvent[]>;

history.succeeded = [
  ...history.processing,
  recorded('notification', succeededObs(), 60 * SECOND),
  {
    type: 'RefundSucceeded',
    data: {
      source: 'notification',
      refundId,
      amount: REFUND_AMOUNT,
      observedAt: at(60 * SECOND),
      successTime: '2026-03-02T16:05:00+08:00',
    },
  },
];
history.closed = [
  ...history.processing,
  recorded('query', closedObs, 60 * SECOND),
  { type: 'RefundClosed', data: { source: 'query', observedAt: at(60 * SECOND), refundId } },
];
history.abnormal = [
  ...history.processing,
  recorded('query', abnormalObs, 60 * SECOND),
  { type: 'RefundAbnormal', data: { source: 'query', observedAt: at(60 * SECOND), refundId } },
];
history.needsReview = [
  ...history.processing,
  recorded('query', notFoundObs, 60 * SECOND),
  flagged('SourcesDisagree', 60 * SECOND),
];

export type RefundStatusName = keyof typeof history;
