import fc from 'fast-check';
import { Order, Refund } from '../../src/domain';
import {
  isoArb,
  maskedAuthCodeArb,
  moneyArb,
  outRefundNoArb,
  outTradeNoArb,
  refundIdArb,
  refundObservationArb,
  spMchidArb,
  subMchidArb,
  textArb,
  tradeObservationArb,
  transactionIdArb,
} from '../support/arbitraries';

/** One arbitrary per event type of each stream, any valid field values, for the codec properties. */

const payPolicyArb: fc.Arbitrary<Order.PayPolicy> = fc.record({
  firstPollAfterMs: fc.nat(60_000),
  pollIntervalMs: fc.nat(60_000),
  deadlineMs: fc.nat(45_000),
  minReverseAfterMs: fc.nat(60_000),
  reverseRetryDelaysMs: fc.array(fc.nat(60_000), { maxLength: 5 }),
  confirmAfterMs: fc.nat(60_000),
});
const refundPolicyArb: fc.Arbitrary<Refund.RefundPolicy> = fc.record({
  pollDelaysMs: fc.array(fc.nat(3_600_000), { maxLength: 5 }),
  unknownQueryDelaysMs: fc.array(fc.nat(3_600_000), { maxLength: 5 }),
  retryAfterMs: fc.nat(3_600_000),
  minSpacingMs: fc.nat(3_600_000),
});
const orderSourceArb = fc.constantFrom(
  ...(['pay', 'query', 'notification', 'statement', 'reverse'] as const),
);
const refundSourceArb = fc.constantFrom(...(['submit', 'query', 'notification', 'statement'] as const));

/** An optional field, present or absent (never present-but-undefined: `exactOptionalPropertyTypes`). */
const opt = <K extends string, A>(key: K, arb: fc.Arbitrary<A>) =>
  fc.option(arb, { nil: undefined }).map((v) => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: A })));

const event = <T extends string, D>(type: T, data: fc.Arbitrary<D>) => data.map((d) => ({ type, data: d }));

export const orderEventArb: fc.Arbitrary<Order.OrderEvent> = fc.oneof(
  event(
    'OrderSubmitted',
    fc
      .tuple(
        fc.record({
          spMchid: spMchidArb,
          subMchid: subMchidArb,
          outTradeNo: outTradeNoArb,
          amount: moneyArb(),
          description: textArb,
          authCodeMasked: maskedAuthCodeArb,
          requestFingerprint: textArb,
          submittedAt: isoArb,
          policy: payPolicyArb,
        }),
        opt('attach', textArb),
      )
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event('OrderDispatched', fc.record({ dispatchedAt: isoArb })),
  event(
    'OrderPaying',
    fc.record({
      source: orderSourceArb,
      tradeState: fc.constantFrom('USERPAYING' as const, 'NOTPAY' as const),
      observedAt: isoArb,
    }),
  ),
  event('OrderOutcomeUnknown', fc.record({ source: orderSourceArb, reason: textArb, observedAt: isoArb })),
  event(
    'OrderSucceeded',
    fc
      .tuple(
        fc.record({
          source: orderSourceArb,
          transactionId: transactionIdArb,
          amount: moneyArb(),
          observedAt: isoArb,
        }),
        opt('successTime', isoArb),
      )
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event(
    'OrderFailed',
    fc.record({
      source: fc.constantFrom(
        ...(['pay', 'query', 'notification', 'statement', 'reverse', 'dispatch'] as const),
      ),
      code: textArb,
      message: textArb,
      observedAt: isoArb,
    }),
  ),
  event(
    'OrderObservationRecorded',
    fc.record({ source: orderSourceArb, observation: tradeObservationArb, observedAt: isoArb }),
  ),
  event('OrderPollScheduled', fc.record({ dueAt: isoArb, scheduledAt: isoArb })),
  event(
    'OrderReversalRequested',
    fc.record({
      reason: fc.constantFrom(...(['Deadline', 'Merchant', 'PaidAfterAbandon'] as const)),
      requestedAt: isoArb,
      dueAt: isoArb,
    }),
  ),
  event(
    'OrderReversalAttempted',
    fc
      .tuple(
        fc.record({
          attempt: fc.nat(10),
          outcome: fc.constantFrom(...(['Accepted', 'Rejected', 'Unknown', 'NotFound'] as const)),
          observedAt: isoArb,
          nextDueAt: isoArb,
        }),
        opt('code', textArb),
        opt('message', textArb),
      )
      .map(([d, c, m]) => ({ ...d, ...c, ...m })),
  ),
  event('OrderReversed', fc.record({ source: orderSourceArb, wasPaid: fc.boolean(), observedAt: isoArb })),
  event('OrderClosed', fc.record({ source: orderSourceArb, observedAt: isoArb })),
  event(
    'OrderFlaggedForReview',
    fc.record({
      reason: fc.constantFrom(...(Object.keys(Order.ReviewReasonCodec.keys) as Order.ReviewReason[])),
      detail: textArb,
      observedAt: isoArb,
    }),
  ),
  event(
    'OrderReviewResolved',
    fc.record({
      resolution: fc.constantFrom(...(['Succeeded', 'Failed', 'Reversed', 'Closed'] as const)),
      actor: textArb,
      note: textArb,
      resolvedAt: isoArb,
    }),
  ),
  event(
    'RefundReserved',
    fc
      .tuple(
        fc.record({
          outRefundNo: outRefundNoArb,
          amount: moneyArb(),
          reservedAt: isoArb,
          requestFingerprint: textArb,
        }),
        opt('reason', textArb),
      )
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event(
    'RefundReservationReleased',
    fc.record({ outRefundNo: outRefundNoArb, reason: textArb, releasedAt: isoArb }),
  ),
  event(
    'RefundConfirmed',
    fc.record({ outRefundNo: outRefundNoArb, amount: moneyArb(), confirmedAt: isoArb }),
  ),
);

export const refundEventArb: fc.Arbitrary<Refund.RefundEvent> = fc.oneof(
  event(
    'RefundRequested',
    fc
      .tuple(
        fc.record({
          spMchid: spMchidArb,
          subMchid: subMchidArb,
          outTradeNo: outTradeNoArb,
          transactionId: transactionIdArb,
          outRefundNo: outRefundNoArb,
          amount: moneyArb(),
          orderTotal: moneyArb(),
          requestedAt: isoArb,
          requestFingerprint: textArb,
          policy: refundPolicyArb,
        }),
        opt('reason', textArb),
      )
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event('RefundDispatched', fc.record({ attempt: fc.nat(100), dispatchedAt: isoArb })),
  event(
    'RefundObservationRecorded',
    fc.record({ source: refundSourceArb, observation: refundObservationArb, observedAt: isoArb }),
  ),
  event(
    'RefundProcessing',
    fc
      .tuple(fc.record({ source: refundSourceArb, observedAt: isoArb }), opt('refundId', refundIdArb))
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event('RefundOutcomeUnknown', fc.record({ source: refundSourceArb, reason: textArb, observedAt: isoArb })),
  event(
    'RefundSucceeded',
    fc
      .tuple(
        fc.record({ source: refundSourceArb, refundId: refundIdArb, amount: moneyArb(), observedAt: isoArb }),
        opt('successTime', isoArb),
      )
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event(
    'RefundClosed',
    fc
      .tuple(fc.record({ source: refundSourceArb, observedAt: isoArb }), opt('refundId', refundIdArb))
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event(
    'RefundAbnormal',
    fc
      .tuple(fc.record({ source: refundSourceArb, observedAt: isoArb }), opt('refundId', refundIdArb))
      .map(([d, o]) => ({ ...d, ...o })),
  ),
  event('RefundRejected', fc.record({ code: textArb, message: textArb, observedAt: isoArb })),
  event('RefundSubmitScheduled', fc.record({ dueAt: isoArb, reason: textArb, scheduledAt: isoArb })),
  event('RefundPollScheduled', fc.record({ dueAt: isoArb, scheduledAt: isoArb })),
  event(
    'RefundFlaggedForReview',
    fc.record({
      reason: fc.constantFrom(
        ...(Object.keys(Refund.RefundReviewReasonCodec.keys) as Refund.RefundReviewReason[]),
      ),
      detail: textArb,
      observedAt: isoArb,
    }),
  ),
  event(
    'RefundReviewResolved',
    fc.record({
      resolution: fc.constantFrom(...(['Succeeded', 'Closed', 'Rejected'] as const)),
      actor: textArb,
      note: textArb,
      resolvedAt: isoArb,
    }),
  ),
);
