import fc from 'fast-check';
import {
  CURRENCY_EXPONENTS,
  Order,
  Refund,
  addMillis,
  unsafeMoney,
  type Currency,
  type Money,
} from '../../src/domain';
import {
  T0,
  authCodeMasked,
  outTradeNo,
  refundId,
  refundNo,
  spMchid,
  subMchid,
  transactionId,
  otherTransactionId,
  valid,
} from '../unit/domain/shared/examples';
import {
  OutRefundNoCodec,
  OutTradeNoCodec,
  RefundIdCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
  MaskedAuthCodeCodec,
} from '../../src/domain';

/**
 * fast-check arbitraries for the domain: values (ids, money, observations), whole commands with
 * their times, and every event type. Small pools of ids and amounts make collisions (same refund
 * number, an amount equal to the reservation) frequent enough for the properties to bite.
 */

const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];

export const currencyArb: fc.Arbitrary<Currency> = fc.constantFrom(...CURRENCIES);
export const moneyArb = (currency?: Currency): fc.Arbitrary<Money> =>
  fc
    .tuple(fc.integer({ min: 0, max: 10_000_000 }), currency ? fc.constant(currency) : currencyArb)
    .map(([amount, c]) => unsafeMoney(amount, c));

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const DIGITS = '0123456789';
const ALNUM = `${DIGITS}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const REFUND_NO_CHARS = `${ALNUM}_-|*@`;

export const spMchidArb = chars(DIGITS, 1, 32).map((s) => valid(SpMchidCodec, s));
export const subMchidArb = chars(DIGITS, 1, 32).map((s) => valid(SubMchidCodec, s));
export const outTradeNoArb = chars(REFUND_NO_CHARS, 1, 32).map((s) => valid(OutTradeNoCodec, s));
export const outRefundNoArb = chars(REFUND_NO_CHARS, 1, 64).map((s) => valid(OutRefundNoCodec, s));
export const transactionIdArb = chars(ALNUM, 1, 32).map((s) => valid(TransactionIdCodec, s));
export const refundIdArb = chars(ALNUM, 1, 64).map((s) => valid(RefundIdCodec, s));
export const maskedAuthCodeArb = fc
  .tuple(chars(DIGITS, 6, 6), chars(DIGITS, 4, 4))
  .map(([head, tail]) => valid(MaskedAuthCodeCodec, `${head}********${tail}`));
/** Any instant in 2020–2035, as `toISOString` writes it. */
export const isoArb = fc
  .integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T23:59:59Z') })
  .map((ms) => new Date(ms).toISOString());
export const textArb = fc.string({ maxLength: 40 });

// ---------------------------------------------------------------------------------------------
// Order commands
// ---------------------------------------------------------------------------------------------

/** The order under test: 100.00 HKD. Other amounts and currencies appear to provoke refusals. */
export const ORDER_TOTAL = unsafeMoney(10_000, 'HKD');
const AMOUNTS = [0, 1, 2_500, 3_333, 5_000, 7_500, 9_999, 10_000, 10_001];
const refundAmountArb: fc.Arbitrary<Money> = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...AMOUNTS).map((a) => unsafeMoney(a, 'HKD')) },
  { weight: 1, arbitrary: fc.constantFrom(...AMOUNTS).map((a) => unsafeMoney(a, 'USD')) },
);
export const refundNoArb = fc.integer({ min: 1, max: 6 }).map(refundNo);

export const tradeObservationArb: fc.Arbitrary<Order.TradeObservation> = fc.oneof(
  fc.record({
    kind: fc.constant('Paid' as const),
    transactionId: fc.constantFrom(transactionId, otherTransactionId),
    amount: fc.oneof(
      { weight: 4, arbitrary: fc.constant(ORDER_TOTAL) },
      { weight: 1, arbitrary: fc.constant(unsafeMoney(9_000, 'HKD')) },
    ),
    tradeState: fc.constantFrom('SUCCESS' as const, 'REFUND' as const),
    successTime: fc.constantFrom(undefined, '2026-03-02T16:00:01+08:00'),
  }),
  fc.record({
    kind: fc.constant('Paying' as const),
    tradeState: fc.constantFrom('USERPAYING' as const, 'NOTPAY' as const),
  }),
  fc.record({ kind: fc.constant('PayFailed' as const), code: fc.constant('PAYERROR'), message: textArb }),
  fc.constant({ kind: 'Revoked' as const }),
  fc.constant({ kind: 'Closed' as const }),
  fc.constant({ kind: 'NotFound' as const }),
  fc.record({ kind: fc.constant('Unknown' as const), reason: fc.constant('timeout') }),
);

type Timed<C> = (at: string) => C;

const orderCommandTemplate: fc.Arbitrary<Timed<Order.OrderCommand>> = fc.oneof(
  fc.constantFrom('fp-pay-1', 'fp-pay-2').map((requestFingerprint): Timed<Order.OrderCommand> => (at) => ({
    type: 'SubmitPayment',
    spMchid,
    subMchid,
    outTradeNo,
    amount: ORDER_TOTAL,
    description: 'coffee',
    authCodeMasked,
    requestFingerprint,
    policy: Order.defaultPayPolicy,
    at,
  })),
  fc.constant((at: string): Order.OrderCommand => ({ type: 'RecordDispatch', at })),
  fc.constant((at: string): Order.OrderCommand => ({ type: 'AbandonUndispatched', at })),
  fc
    .tuple(
      fc.constantFrom('pay' as const, 'query' as const, 'notification' as const, 'statement' as const),
      tradeObservationArb,
    )
    .map(([source, observation]) => (at: string): Order.OrderCommand => ({
      type: 'RecordObservation',
      source,
      observation,
      at,
    })),
  fc
    .integer({ min: 0, max: 60_000 })
    .map((d) => (at: string): Order.OrderCommand => ({ type: 'SchedulePoll', dueAt: addMillis(at, d), at })),
  fc
    .tuple(
      fc.constantFrom('Deadline' as const, 'Merchant' as const, 'PaidAfterAbandon' as const),
      fc.integer({ min: 0, max: 30_000 }),
    )
    .map(([reason, d]) => (at: string): Order.OrderCommand => ({
      type: 'RequestReversal',
      reason,
      dueAt: addMillis(at, d),
      at,
    })),
  fc
    .constantFrom(
      { kind: 'Accepted' as const },
      { kind: 'NotFound' as const },
      { kind: 'Unknown' as const, reason: 'timeout' },
      { kind: 'Rejected' as const, code: 'SYSTEM_ERROR', message: 'busy' },
    )
    .map((outcome) => (at: string): Order.OrderCommand => ({ type: 'RecordReversalResult', outcome, at })),
  fc
    .constantFrom(...(['AmountMismatch', 'SourcesDisagree', 'ReversalFailed'] as const))
    .map((reason) => (at: string): Order.OrderCommand => ({
      type: 'FlagForReview',
      reason,
      detail: 'flagged',
      at,
    })),
  fc
    .constantFrom('Succeeded' as const, 'Failed' as const, 'Reversed' as const, 'Closed' as const)
    .map((resolution) => (at: string): Order.OrderCommand => ({
      type: 'ResolveReview',
      resolution,
      actor: 'ops',
      note: 'checked',
      at,
    })),
  // Refund reservations are where the money invariant lives: generate them more often.
  ...refundCommandTemplates().map((arbitrary) => ({ weight: 3, arbitrary })),
);

function refundCommandTemplates(): fc.Arbitrary<Timed<Order.OrderCommand>>[] {
  return [
    fc
      .tuple(refundNoArb, refundAmountArb, fc.constantFrom('a', 'b'))
      .map(([outRefundNo, amount, fp]) => (at: string): Order.OrderCommand => ({
        type: 'ReserveRefund',
        outRefundNo,
        amount,
        requestFingerprint: `fp-${outRefundNo}-${fp}`,
        at,
      })),
    refundNoArb.map((outRefundNo) => (at: string): Order.OrderCommand => ({
      type: 'ReleaseRefund',
      outRefundNo,
      reason: 'closed',
      at,
    })),
    fc
      .tuple(refundNoArb, refundAmountArb)
      .map(([outRefundNo, amount]) => (at: string): Order.OrderCommand => ({
        type: 'ConfirmRefund',
        outRefundNo,
        amount,
        at,
      })),
  ];
}

/** Commands with times that only move forward, from T0 (steps of up to 20 s, sometimes days). */
const timed = <C>(
  templates: fc.Arbitrary<Timed<C>>,
  maxLength: number,
  startMs = Date.parse(T0),
): fc.Arbitrary<C[]> =>
  fc
    .array(
      fc.tuple(
        templates,
        fc.oneof(
          { weight: 20, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 * 24 * 3600 * 1000 }) },
        ),
      ),
      { maxLength, size: 'max' },
    )
    .map((steps) => {
      let now = startMs;
      return steps.map(([template, step]) => {
        now += step;
        return template(new Date(now).toISOString());
      });
    });

const T0_MS = Date.parse(T0);
const iso = (ms: number) => new Date(T0_MS + ms).toISOString();
const submitAt = (at: string): Order.OrderCommand => ({
  type: 'SubmitPayment',
  spMchid,
  subMchid,
  outTradeNo,
  amount: ORDER_TOTAL,
  description: 'coffee',
  authCodeMasked,
  requestFingerprint: 'fp-pay-1',
  policy: Order.defaultPayPolicy,
  at,
});

/**
 * How a random run starts: from nothing, or from an order already submitted, dispatched, or paid.
 * Without these prefixes almost every run would be refused at its first command.
 */
const orderPrefixArb: fc.Arbitrary<Order.OrderCommand[]> = fc.constantFrom(
  [],
  [submitAt(iso(0))],
  [submitAt(iso(0)), { type: 'RecordDispatch', at: iso(50) }],
  [
    submitAt(iso(0)),
    { type: 'RecordDispatch', at: iso(50) },
    {
      type: 'RecordObservation',
      source: 'pay',
      observation: {
        kind: 'Paid',
        transactionId,
        amount: ORDER_TOTAL,
        tradeState: 'SUCCESS',
        successTime: undefined,
      },
      at: iso(100),
    },
  ],
);

/** Random order commands after a random prefix; times move forward from T0 + 1 s. */
export const orderCommandsArb = (maxLength = 30): fc.Arbitrary<Order.OrderCommand[]> =>
  fc
    .tuple(orderPrefixArb, timed(orderCommandTemplate, maxLength, T0_MS + 1_000))
    .map(([prefix, rest]) => [...prefix, ...rest]);

/** Only the refund-reservation commands (and review), for a paid order's money invariant. */
export const refundReservationCommandsArb = (maxLength = 40): fc.Arbitrary<Order.OrderCommand[]> =>
  timed(fc.oneof(...refundCommandTemplates()), maxLength);

// ---------------------------------------------------------------------------------------------
// Refund commands
// ---------------------------------------------------------------------------------------------

export const refundObservationArb: fc.Arbitrary<Refund.RefundObservation> = fc.oneof(
  fc.record({ kind: fc.constant('Processing' as const), refundId: fc.constantFrom(undefined, refundId) }),
  fc.record({
    kind: fc.constant('Succeeded' as const),
    refundId: fc.constant(refundId),
    amount: fc.constantFrom(unsafeMoney(2_500, 'HKD'), unsafeMoney(2_400, 'HKD')),
    successTime: fc.constantFrom(undefined, '2026-03-02T16:30:00+08:00'),
  }),
  fc.record({ kind: fc.constant('Closed' as const), refundId: fc.constantFrom(undefined, refundId) }),
  fc.record({ kind: fc.constant('Abnormal' as const), refundId: fc.constantFrom(undefined, refundId) }),
  fc.record({
    kind: fc.constant('Rejected' as const),
    code: fc.constantFrom('PARAM_ERROR', Refund.OUT_REFUND_NO_USED),
    message: textArb,
  }),
  fc.record({ kind: fc.constant('Retryable' as const), code: fc.constant('NOT_ENOUGH'), message: textArb }),
  fc.constant({ kind: 'NotFound' as const }),
  fc.record({ kind: fc.constant('Unknown' as const), reason: fc.constant('timeout') }),
);

const refundTemplate: fc.Arbitrary<Timed<Refund.RefundCommand>> = fc.oneof(
  fc
    .tuple(fc.constantFrom(2_500, 0, 10_001), fc.constantFrom('fp-r-1', 'fp-r-2'))
    .map(([amount, requestFingerprint]) => (at: string): Refund.RefundCommand => ({
      type: 'RequestRefund',
      spMchid,
      subMchid,
      outTradeNo,
      transactionId,
      outRefundNo: refundNo(1),
      amount: unsafeMoney(amount, 'HKD'),
      orderTotal: ORDER_TOTAL,
      requestFingerprint,
      policy: Refund.defaultRefundPolicy,
      at,
    })),
  fc.constant((at: string): Refund.RefundCommand => ({ type: 'RecordDispatch', at })),
  fc
    .tuple(
      fc.constantFrom('submit' as const, 'query' as const, 'notification' as const, 'statement' as const),
      refundObservationArb,
    )
    .map(([source, observation]) => (at: string): Refund.RefundCommand => ({
      type: 'RecordObservation',
      source,
      observation,
      at,
    })),
  fc.integer({ min: 0, max: 120_000 }).map((d) => (at: string): Refund.RefundCommand => ({
    type: 'ScheduleSubmit',
    dueAt: addMillis(at, d),
    reason: 'spacing',
    at,
  })),
  fc.integer({ min: 0, max: 120_000 }).map((d) => (at: string): Refund.RefundCommand => ({
    type: 'SchedulePoll',
    dueAt: addMillis(at, d),
    at,
  })),
  fc
    .constantFrom(...(['AmountMismatch', 'SourcesDisagree', 'StuckProcessing'] as const))
    .map((reason) => (at: string): Refund.RefundCommand => ({
      type: 'FlagForReview',
      reason,
      detail: 'flagged',
      at,
    })),
  fc
    .constantFrom('Succeeded' as const, 'Closed' as const, 'Rejected' as const)
    .map((resolution) => (at: string): Refund.RefundCommand => ({
      type: 'ResolveReview',
      resolution,
      actor: 'ops',
      note: 'checked',
      at,
    })),
);

const requestRefundAt = (at: string): Refund.RefundCommand => ({
  type: 'RequestRefund',
  spMchid,
  subMchid,
  outTradeNo,
  transactionId,
  outRefundNo: refundNo(1),
  amount: unsafeMoney(2_500, 'HKD'),
  orderTotal: ORDER_TOTAL,
  requestFingerprint: 'fp-r-1',
  policy: Refund.defaultRefundPolicy,
  at,
});

const refundPrefixArb: fc.Arbitrary<Refund.RefundCommand[]> = fc.constantFrom(
  [],
  [requestRefundAt(iso(0))],
  [requestRefundAt(iso(0)), { type: 'RecordDispatch', at: iso(50) }],
);

/** Random refund commands after a random prefix (nothing, requested, or requested and dispatched). */
export const refundCommandsArb = (maxLength = 30): fc.Arbitrary<Refund.RefundCommand[]> =>
  fc
    .tuple(refundPrefixArb, timed(refundTemplate, maxLength, T0_MS + 1_000))
    .map(([prefix, rest]) => [...prefix, ...rest]);
