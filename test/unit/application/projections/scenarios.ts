import * as E from 'fp-ts/Either';
import { Order, Refund, type Money } from '../../../../src/domain';
import {
  DATE,
  MINUTE,
  at,
  authCodeMasked,
  createWorld,
  hkd,
  otherSubMchid,
  refundIdOf,
  refundNo,
  spMchid,
  subMchid,
  tradeNo,
  txn,
  type World,
} from './world';

export * from './world';

const submit = (sub: typeof subMchid, no: string, amount: Money, ms: number): Order.OrderCommand => ({
  type: 'SubmitPayment',
  spMchid,
  subMchid: sub,
  outTradeNo: tradeNo(no),
  amount,
  description: 'Kowloon coffee',
  authCodeMasked,
  requestFingerprint: `fp-${no}`,
  policy: Order.defaultPayPolicy,
  at: at(ms),
});

const paid = (id: number, amount: Money, ms: number): Order.TradeObservation => ({
  kind: 'Paid',
  transactionId: txn(id),
  amount,
  tradeState: 'SUCCESS',
  successTime: at(ms),
});

interface PayPlan {
  readonly sub?: typeof subMchid;
  readonly no: string;
  readonly amount: Money;
  readonly ms: number;
  readonly txnId: number;
  /** What the pay call answers, then what each query answers, in order. */
  readonly answers: readonly Order.TradeObservation[];
}

/**
 * Runs the pay saga's decisions from `nextPayStep`: each SchedulePoll is recorded and the next
 * answer is taken at its due time; a deadline reversal is requested, accepted, and confirmed.
 */
export const pay = async (w: World, plan: PayPlan): Promise<Order.OrderState> => {
  const sub = plan.sub ?? subMchid;
  await w.order(sub, plan.no, submit(sub, plan.no, plan.amount, plan.ms));
  let state = await w.order(sub, plan.no, { type: 'RecordDispatch', at: at(plan.ms + 100) });
  const [first, ...queries] = plan.answers;
  if (first === undefined) return state;
  state = await w.order(sub, plan.no, {
    type: 'RecordObservation',
    source: 'pay',
    observation: first,
    at: at(plan.ms + 900),
  });
  for (const answer of queries) {
    const step = Order.nextPayStep(state);
    if (step.kind !== 'SchedulePoll') break;
    state = await w.order(sub, plan.no, { type: 'SchedulePoll', dueAt: step.dueAt, at: at(plan.ms + 950) });
    state = await w.order(sub, plan.no, {
      type: 'RecordObservation',
      source: 'query',
      observation: answer,
      at: step.dueAt,
    });
  }
  return state;
};

export const paidPlan = (no: string, amount: Money, ms: number, txnId: number): PayPlan => ({
  no,
  amount,
  ms,
  txnId,
  answers: [paid(txnId, amount, ms + 900)],
});

/** USERPAYING at the pay call and the first query; paid at the second query. */
export const paidAfterPollingPlan = (no: string, amount: Money, ms: number, txnId: number): PayPlan => ({
  no,
  amount,
  ms,
  txnId,
  answers: [
    { kind: 'Paying', tradeState: 'USERPAYING' },
    { kind: 'Paying', tradeState: 'USERPAYING' },
    paid(txnId, amount, ms + 11_000),
  ],
});

export const mismatchPlan = (
  no: string,
  ordered: Money,
  reported: Money,
  ms: number,
  txnId: number,
): PayPlan => ({
  no,
  amount: ordered,
  ms,
  txnId,
  answers: [paid(txnId, reported, ms + 900)],
});

/** No answer to pay and NOTPAY to every query until the deadline; then reverse, confirmed by a query. */
export const neverPaidReversed = async (
  w: World,
  no: string,
  amount: Money,
  ms: number,
): Promise<Order.OrderState> => {
  let state = await pay(w, {
    no,
    amount,
    ms,
    txnId: 0,
    answers: [
      { kind: 'Unknown', reason: 'timeout' },
      ...Array.from({ length: 10 }, () => ({ kind: 'Paying', tradeState: 'NOTPAY' }) as const),
    ],
  });
  const step = Order.nextPayStep(state);
  if (step.kind !== 'RequestReversal') throw new Error(`expected a reversal, got ${step.kind}`);
  state = await w.order(subMchid, no, {
    type: 'RequestReversal',
    reason: 'Deadline',
    dueAt: step.dueAt,
    at: step.dueAt,
  });
  state = await w.order(subMchid, no, {
    type: 'RecordReversalResult',
    outcome: { kind: 'Accepted' },
    at: step.dueAt,
  });
  const confirm = Order.nextPayStep(state);
  if (confirm.kind !== 'Query') throw new Error(`expected a confirming query, got ${confirm.kind}`);
  return w.order(subMchid, no, {
    type: 'RecordObservation',
    source: 'query',
    observation: { kind: 'Revoked' },
    at: confirm.dueAt,
  });
};

interface RefundPlan {
  readonly orderNo: string;
  readonly no: string;
  readonly amount: Money;
  readonly ms: number;
  readonly refundId: number;
  /** The submit's answer, then each query's answer. */
  readonly answers: readonly Refund.RefundObservation[];
}

/**
 * Reserve on the order, request the refund, submit it, then poll as `nextRefundStep` says; a
 * settled refund is confirmed or released on the order, as the saga links them.
 */
export const refund = async (w: World, plan: RefundPlan): Promise<Refund.RefundState> => {
  const order = await w.order(subMchid, plan.orderNo, {
    type: 'ReserveRefund',
    outRefundNo: refundNo(plan.no),
    amount: plan.amount,
    requestFingerprint: `fp-${plan.no}`,
    at: at(plan.ms),
  });
  if (!Order.isActive(order) || order.transactionId === undefined) throw new Error('order not paid');
  await w.refund(subMchid, plan.no, {
    type: 'RequestRefund',
    spMchid,
    subMchid,
    outTradeNo: order.outTradeNo,
    transactionId: order.transactionId,
    outRefundNo: refundNo(plan.no),
    amount: plan.amount,
    orderTotal: order.paidAmount ?? order.amount,
    requestFingerprint: `fp-${plan.no}`,
    policy: Refund.defaultRefundPolicy,
    at: at(plan.ms + 10),
  });
  let state = await w.refund(subMchid, plan.no, { type: 'RecordDispatch', at: at(plan.ms + 20) });
  const [first, ...queries] = plan.answers;
  if (first !== undefined) {
    state = await w.refund(subMchid, plan.no, {
      type: 'RecordObservation',
      source: 'submit',
      observation: first,
      at: at(plan.ms + 500),
    });
  }
  for (const answer of queries) {
    const step = Refund.nextRefundStep(state);
    if (step.kind !== 'SchedulePoll') break;
    state = await w.refund(subMchid, plan.no, {
      type: 'SchedulePoll',
      dueAt: step.dueAt,
      at: at(plan.ms + 600),
    });
    state = await w.refund(subMchid, plan.no, {
      type: 'RecordObservation',
      source: 'query',
      observation: answer,
      at: step.dueAt,
    });
  }
  if (Refund.isActive(state) && state.status === 'Succeeded') {
    await w.order(subMchid, plan.orderNo, {
      type: 'ConfirmRefund',
      outRefundNo: refundNo(plan.no),
      amount: plan.amount,
      at: state.lastObservedAt ?? at(plan.ms),
    });
  }
  if (Refund.isActive(state) && (state.status === 'Rejected' || state.status === 'Closed')) {
    await w.order(subMchid, plan.orderNo, {
      type: 'ReleaseRefund',
      outRefundNo: refundNo(plan.no),
      reason: state.status,
      at: state.lastObservedAt ?? at(plan.ms),
    });
  }
  return state;
};

export const refundSucceeds = (
  orderNo: string,
  no: string,
  amount: Money,
  ms: number,
  id: number,
): RefundPlan => ({
  orderNo,
  no,
  amount,
  ms,
  refundId: id,
  answers: [
    { kind: 'Processing', refundId: refundIdOf(id) },
    { kind: 'Succeeded', refundId: refundIdOf(id), amount, successTime: at(ms + 61_000) },
  ],
});

export const refundRejected = (orderNo: string, no: string, amount: Money, ms: number): RefundPlan => ({
  orderNo,
  no,
  amount,
  ms,
  refundId: 0,
  answers: [{ kind: 'Rejected', code: 'INVALID_REQUEST', message: 'refund refused' }],
});

/**
 * A realistic day: payments settled at once and after polling, one reversed, one amount mismatch
 * (needs review), a refund that succeeds, one rejected, one whose number was already used
 * (needs review, reservation still held), one still processing.
 */
export const busyDay = async (w: World = createWorld()): Promise<World> => {
  await pay(w, paidPlan('T1', hkd(10_000), 0, 1));
  await pay(w, paidAfterPollingPlan('T2', hkd(2_500), 1_000, 2));
  await neverPaidReversed(w, 'T3', hkd(3_000), 2_000);
  await pay(w, mismatchPlan('T4', hkd(5_000), hkd(4_000), 3_000, 4));
  await pay(w, { ...paidPlan('T5', hkd(700), 4_000, 5), sub: otherSubMchid });
  await refund(w, refundSucceeds('T1', 'R1', hkd(3_000), 10 * MINUTE, 1));
  await refund(w, refundRejected('T1', 'R2', hkd(1_000), 12 * MINUTE));
  await refund(w, {
    ...refundRejected('T2', 'R3', hkd(500), 14 * MINUTE),
    answers: [{ kind: 'Rejected', code: Refund.OUT_REFUND_NO_USED, message: 'used' }],
  });
  await refund(w, {
    ...refundSucceeds('T1', 'R4', hkd(2_000), 16 * MINUTE, 4),
    answers: [{ kind: 'Processing', refundId: refundIdOf(4) }],
  });
  await recordReconciliation(w, 'missing_here');
  return w;
};

/** A reconciliation run as the use case records it (one class of line, for the read model tests). */
export const recordReconciliation = async (
  w: World,
  classification: 'matched' | 'missing_here',
): Promise<void> => {
  const counts = {
    matched: 0,
    amount_mismatch: 0,
    status_mismatch: 0,
    missing_here: 0,
    missing_at_wechat: 0,
  };
  const appended = await w.store.append(
    `reconciliation-${spMchid}:${DATE}`,
    [
      {
        id: `reconciliation-${classification}`,
        type: 'ReconciliationRecorded',
        data: {
          spMchid,
          date: DATE,
          statementSha1: 'a'.repeat(40),
          reconciledAt: at(20 * MINUTE),
          counts: { ...counts, [classification]: 1 },
          lines: [{ kind: 'payment', classification, subMchid, outTradeNo: 'T1', transactionId: txn(1) }],
        },
        metadata: {
          correlationId: 'recon',
          causationId: 'recon',
          recordedAt: at(20 * MINUTE),
          actor: 'ops',
          schemaVersion: 1,
        },
      },
    ],
    'any',
  )();
  if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
};
