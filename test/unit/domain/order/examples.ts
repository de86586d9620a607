import { Order } from '../../../../src/domain';
import type { Money, OutRefundNo } from '../../../../src/domain';
import {
  SECOND,
  at,
  authCodeMasked,
  hkd,
  outTradeNo,
  spMchid,
  subMchid,
  transactionId,
} from '../shared/examples';

type OrderCommand = Order.OrderCommand;
type OrderEvent = Order.OrderEvent;
type TradeObservation = Order.TradeObservation;
type Source = 'pay' | 'query' | 'notification' | 'statement';

/** A 100.00 HKD Quick Pay, submitted at T0 under the default policy. */
export const ORDER_AMOUNT = hkd(10_000);
export const policy = Order.defaultPayPolicy;

export const submitPayment: Extract<OrderCommand, { type: 'SubmitPayment' }> = {
  type: 'SubmitPayment',
  spMchid,
  subMchid,
  outTradeNo,
  amount: ORDER_AMOUNT,
  description: 'Shop-Kowloon-coffee',
  authCodeMasked,
  requestFingerprint: 'fp-pay-1',
  policy,
  at: at(0),
};

export const submitted: OrderEvent = {
  type: 'OrderSubmitted',
  data: {
    spMchid,
    subMchid,
    outTradeNo,
    amount: ORDER_AMOUNT,
    description: 'Shop-Kowloon-coffee',
    authCodeMasked,
    requestFingerprint: 'fp-pay-1',
    submittedAt: at(0),
    policy,
  },
};

export const dispatched: OrderEvent = { type: 'OrderDispatched', data: { dispatchedAt: at(100) } };

export const paid = (
  amount: Money = ORDER_AMOUNT,
  id = transactionId,
): Extract<TradeObservation, { kind: 'Paid' }> => ({
  kind: 'Paid',
  transactionId: id,
  amount,
  tradeState: 'SUCCESS',
  successTime: '2026-03-02T16:00:01+08:00',
});
export const paying: TradeObservation = { kind: 'Paying', tradeState: 'USERPAYING' };
export const payFailed: TradeObservation = {
  kind: 'PayFailed',
  code: 'AUTH_CODE_INVALID',
  message: 'bad code',
};
export const unknown: TradeObservation = { kind: 'Unknown', reason: 'timeout' };
export const notFound: TradeObservation = { kind: 'NotFound' };
export const revoked: TradeObservation = { kind: 'Revoked' };
export const closed: TradeObservation = { kind: 'Closed' };

export const observe = (source: Source, observation: TradeObservation, ms: number): OrderCommand => ({
  type: 'RecordObservation',
  source,
  observation,
  at: at(ms),
});

export const recorded = (
  source: Order.ObservationSource,
  observation: TradeObservation,
  ms: number,
): OrderEvent => ({
  type: 'OrderObservationRecorded',
  data: { source, observation, observedAt: at(ms) },
});

export const succeeded = (source: Source, ms: number): OrderEvent => ({
  type: 'OrderSucceeded',
  data: {
    source,
    transactionId,
    amount: ORDER_AMOUNT,
    observedAt: at(ms),
    successTime: '2026-03-02T16:00:01+08:00',
  },
});

export const reversalRequested = (ms: number, dueMs: number): OrderEvent => ({
  type: 'OrderReversalRequested',
  data: { reason: 'Deadline', requestedAt: at(ms), dueAt: at(dueMs) },
});

export const reversalAttempted = (
  attempt: number,
  outcome: 'Accepted' | 'Rejected' | 'Unknown' | 'NotFound',
  ms: number,
  nextDueMs: number,
): OrderEvent => ({
  type: 'OrderReversalAttempted',
  data: { attempt, outcome, observedAt: at(ms), nextDueAt: at(nextDueMs) },
});

export const flagged = (reason: Order.ReviewReason, ms: number, detail = 'contradiction'): OrderEvent => ({
  type: 'OrderFlaggedForReview',
  data: { reason, detail, observedAt: at(ms) },
});

export const refundReserved = (outRefundNo: OutRefundNo, amount: Money, ms: number): OrderEvent => ({
  type: 'RefundReserved',
  data: { outRefundNo, amount, reservedAt: at(ms), requestFingerprint: `fp-${outRefundNo}` },
});

export const reserveRefund = (outRefundNo: OutRefundNo, amount: Money, ms: number): OrderCommand => ({
  type: 'ReserveRefund',
  outRefundNo,
  amount,
  requestFingerprint: `fp-${outRefundNo}`,
  at: at(ms),
});

/** Histories that reach each status, for the transition tables. */
export const history = {
  submitted: [submitted],
  dispatched: [submitted, dispatched],
  paying: [
    submitted,
    dispatched,
    recorded('pay', paying, 1 * SECOND),
    { type: 'OrderPaying', data: { source: 'pay', tradeState: 'USERPAYING', observedAt: at(1 * SECOND) } },
  ],
  unknown: [
    submitted,
    dispatched,
    recorded('pay', unknown, 1 * SECOND),
    { type: 'OrderOutcomeUnknown', data: { source: 'pay', reason: 'timeout', observedAt: at(1 * SECOND) } },
  ],
  succeeded: [submitted, dispatched, recorded('pay', paid(), 1 * SECOND), succeeded('pay', 1 * SECOND)],
  failed: [
    submitted,
    dispatched,
    recorded('pay', payFailed, 1 * SECOND),
    {
      type: 'OrderFailed',
      data: { source: 'pay', code: 'AUTH_CODE_INVALID', message: 'bad code', observedAt: at(1 * SECOND) },
    },
  ],
  reversing: [] as OrderEvent[],
  reversed: [] as OrderEvent[],
  closed: [] as OrderEvent[],
  needsReview: [] as OrderEvent[],
} satisfies Record<string, readonly OrderEvent[]>;

history.reversing = [...history.unknown, reversalRequested(30 * SECOND, 30 * SECOND)];
history.reversed = [
  ...history.reversing,
  reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND),
  recorded('query', revoked, 32 * SECOND),
  { type: 'OrderReversed', data: { source: 'query', wasPaid: false, observedAt: at(32 * SECOND) } },
];
history.closed = [
  ...history.reversing,
  reversalAttempted(1, 'Accepted', 31 * SECOND, 32 * SECOND),
  recorded('query', closed, 32 * SECOND),
  { type: 'OrderClosed', data: { source: 'query', observedAt: at(32 * SECOND) } },
];
history.needsReview = [
  ...history.unknown,
  recorded('query', paid(hkd(9_000)), 6 * SECOND),
  flagged('AmountMismatch', 6 * SECOND),
];

export type StatusName = keyof typeof history;
