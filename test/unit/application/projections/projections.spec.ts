import { createMemoryReadModelStore } from '../../../../src/adapters/memory/read-model-store';
import {
  ACTIVE_SAGAS,
  DAILY_SUMMARY,
  PAYMENTS,
  REFUNDS,
  activeSagasProjection,
  allProjections,
  dailySummaryKey,
  dailySummaryProjection,
  getReconciliationDoc,
  openReviewItems,
  paymentKey,
  paymentsProjection,
  refundKey,
  refundsProjection,
  reviewQueueProjection,
  type ActiveSagaDoc,
  type DailySummaryDoc,
  type PaymentDoc,
  type RefundDoc,
} from '../../../../src/application/projections';
import { Order } from '../../../../src/domain';
import type { ReadModelStore } from '../../../../src/ports';
import {
  DATE,
  busyDay,
  createWorld,
  hkd,
  otherSubMchid,
  paidAfterPollingPlan,
  pay,
  refundIdOf,
  spMchid,
  subMchid,
  txn,
} from './scenarios';
import { feed, logOf, snapshot, unwrap } from './support';

const projected = async (): Promise<ReadModelStore> => {
  const w = await busyDay();
  const readModels = createMemoryReadModelStore();
  const log = await logOf(w.store);
  for (const p of allProjections) await feed(readModels, p, log);
  return readModels;
};

const payment = async (rm: ReadModelStore, no: string, sub: string = subMchid) =>
  (await unwrap(rm.get(PAYMENTS, paymentKey(sub, no)))) as PaymentDoc | undefined;
const refundDoc = async (rm: ReadModelStore, no: string) =>
  (await unwrap(rm.get(REFUNDS, refundKey(subMchid, no)))) as RefundDoc | undefined;

describe('payments projection', () => {
  it('shows each order in the merchant vocabulary with its paid, refunded and pending totals', async () => {
    const rm = await projected();
    expect(await payment(rm, 'T1')).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 10_000, currency: 'HKD' },
      paidAmount: { amount: 10_000, currency: 'HKD' },
      // R1 (3 000) confirmed, R2 (1 000) rejected and released, R4 (2 000) still processing.
      refundedTotal: { amount: 3_000, currency: 'HKD' },
      pendingRefundTotal: { amount: 2_000, currency: 'HKD' },
      transactionId: txn(1),
      date: DATE,
    });
    expect(await payment(rm, 'T2')).toMatchObject({
      status: 'SUCCEEDED',
      pendingRefundTotal: { amount: 500 },
    });
    const reversed = await payment(rm, 'T3');
    expect(reversed).toMatchObject({ status: 'REVERSED', wasPaid: false });
    expect(reversed?.date).toBeUndefined();
    expect(await payment(rm, 'T4')).toMatchObject({
      status: 'NEEDS_REVIEW',
      review: { reason: 'AmountMismatch' },
      wasPaid: true,
    });
    expect(await payment(rm, 'T5', otherSubMchid)).toMatchObject({
      status: 'SUCCEEDED',
      subMchid: otherSubMchid,
    });
  });

  it('lists the payments of a statement day', async () => {
    const rm = await projected();
    const docs = (await unwrap(rm.list(PAYMENTS, { where: { date: DATE } }))) as readonly PaymentDoc[];
    // T3 was never paid, so it belongs to no statement.
    expect(docs.map((d) => d.outTradeNo).sort()).toEqual(['T1', 'T2', 'T4', 'T5']);
  });
});

describe('refunds projection', () => {
  it('follows each refund to its status, with WeChat ids and the reason for a rejection or review', async () => {
    const rm = await projected();
    expect(await refundDoc(rm, 'R1')).toMatchObject({
      status: 'SUCCEEDED',
      refundId: refundIdOf(1),
      outTradeNo: 'T1',
      transactionId: txn(1),
      amount: { amount: 3_000, currency: 'HKD' },
      date: DATE,
    });
    expect(await refundDoc(rm, 'R2')).toMatchObject({
      status: 'REJECTED',
      rejection: { code: 'INVALID_REQUEST' },
    });
    expect(await refundDoc(rm, 'R3')).toMatchObject({
      status: 'NEEDS_REVIEW',
      review: { reason: 'RefundNumberUsed' },
    });
    expect(await refundDoc(rm, 'R4')).toMatchObject({ status: 'PROCESSING', refundId: refundIdOf(4) });
  });
});

describe('daily summary projection', () => {
  it('sums confirmed payments and refunds per day, sub-merchant and currency', async () => {
    const rm = await projected();
    const summary = (await unwrap(
      rm.get(DAILY_SUMMARY, dailySummaryKey(DATE, subMchid, 'HKD')),
    )) as DailySummaryDoc;
    // T1 100.00 + T2 25.00 paid; R1 30.00 refunded. T4 (mismatch) and T3 (reversed) never succeeded.
    expect(summary).toEqual({
      date: DATE,
      subMchid,
      currency: 'HKD',
      gross: 12_500,
      refunds: 3_000,
      net: 9_500,
      paymentCount: 2,
      refundCount: 1,
    });
    const other = (await unwrap(
      rm.get(DAILY_SUMMARY, dailySummaryKey(DATE, otherSubMchid, 'HKD')),
    )) as DailySummaryDoc;
    expect(other).toMatchObject({ gross: 700, net: 700, paymentCount: 1 });
  });

  it('counts an event twice if applied twice without the checkpoint, so redelivery tests can tell', async () => {
    const w = await busyDay();
    const log = await logOf(w.store);
    const succeeded = log.find((e) => e.type === 'OrderSucceeded');
    if (succeeded === undefined) throw new Error('the scenario has a succeeded order');
    const rm = createMemoryReadModelStore();
    await unwrap(rm.apply('daily_summary', 1, dailySummaryProjection.project(succeeded)));
    await unwrap(rm.apply('daily_summary', 2, dailySummaryProjection.project(succeeded)));
    const docs = (await unwrap(rm.list(DAILY_SUMMARY))) as readonly DailySummaryDoc[];
    expect(docs[0]?.paymentCount).toBe(2);
  });
});

describe('review queue projection', () => {
  it('holds the open NeedsReview items and drops them once resolved', async () => {
    const w = await busyDay();
    const rm = createMemoryReadModelStore();
    await feed(rm, reviewQueueProjection, await logOf(w.store));
    expect(await unwrap(openReviewItems(rm))).toEqual([
      expect.objectContaining({ kind: 'payment', outTradeNo: 'T4', reason: 'AmountMismatch', subMchid }),
      expect.objectContaining({
        kind: 'refund',
        outTradeNo: 'T2',
        outRefundNo: 'R3',
        reason: 'RefundNumberUsed',
      }),
    ]);

    const before = (await logOf(w.store)).length;
    await w.order(subMchid, 'T4', {
      type: 'ResolveReview',
      resolution: 'Succeeded',
      actor: 'ops',
      note: 'paid 40',
      at: '2026-03-02T09:00:00.000Z',
    });
    await w.refund(subMchid, 'R3', {
      type: 'ResolveReview',
      resolution: 'Rejected',
      actor: 'ops',
      note: 'dup',
      at: '2026-03-02T09:00:00.000Z',
    });
    await feed(rm, reviewQueueProjection, (await logOf(w.store)).slice(before));
    expect(await unwrap(openReviewItems(rm))).toEqual([]);
  });
});

describe('reconciliations projection', () => {
  it('shows the latest run of each day', async () => {
    const rm = await projected();
    const view = await unwrap(getReconciliationDoc(rm, spMchid, DATE));
    expect(view).toMatchObject({
      spMchid,
      date: DATE,
      counts: { matched: 0, missing_here: 1 },
      lines: [{ classification: 'missing_here', outTradeNo: 'T1' }],
    });
  });
});

/** An order whose every answer is unclear, up to the janitor's first reverse and query (still unclear). */
const unclearOrder = async (w: ReturnType<typeof createWorld>, no: string): Promise<void> => {
  let state = await pay(w, {
    ...paidAfterPollingPlan(no, hkd(100), 0, 9),
    answers: [{ kind: 'Unknown', reason: 'timeout' }],
  });
  let janitorQueries = 0;
  while (janitorQueries < 1) {
    const step = Order.nextPayStep(state);
    const inReview = Order.isActive(state) && state.status === 'NeedsReview';
    switch (step.kind) {
      case 'SchedulePoll':
        state = await w.order(subMchid, no, { type: 'SchedulePoll', dueAt: step.dueAt, at: step.dueAt });
        break;
      case 'Query':
        if (inReview) janitorQueries += 1;
        state = await w.order(subMchid, no, {
          type: 'RecordObservation',
          source: 'query',
          observation: { kind: 'Unknown', reason: 'unverifiable' },
          at: step.dueAt,
        });
        break;
      case 'RequestReversal':
        state = await w.order(subMchid, no, {
          type: 'RequestReversal',
          reason: 'Deadline',
          dueAt: step.dueAt,
          at: step.dueAt,
        });
        break;
      case 'Reverse':
        state = await w.order(subMchid, no, {
          type: 'RecordReversalResult',
          outcome: { kind: 'Unknown', reason: '500' },
          at: step.dueAt,
        });
        break;
      case 'FlagForReview':
        state = await w.order(subMchid, no, {
          type: 'FlagForReview',
          reason: step.reason,
          detail: step.detail,
          at: '2026-03-02T08:01:05.000Z',
        });
        break;
      default:
        throw new Error(`unexpected step ${step.kind}`);
    }
  }
};

describe('review queue projection: the janitor', () => {
  it('shows an unclear outcome as the janitor’s, with its attempts, last outcome and next attempt', async () => {
    const w = createWorld();
    await unclearOrder(w, 'J1');
    const rm = createMemoryReadModelStore();
    await feed(rm, reviewQueueProjection, await logOf(w.store));
    // Flagged at 08:01:05 (after the query that followed the last reverse); reverse 1 min later, its query 1 s later; next in 5 min.
    expect(await unwrap(openReviewItems(rm))).toEqual([
      expect.objectContaining({
        outTradeNo: 'J1',
        reason: 'OutcomeUnclear',
        awaits: 'janitor',
        janitor: {
          attempts: 1,
          lastAttemptAt: '2026-03-02T08:02:06.000Z',
          lastOutcome: 'query unclear (unverifiable)',
          nextAttemptAt: '2026-03-02T08:07:06.000Z',
        },
      }),
    ]);
  });

  it('shows a contradiction as the operator’s, with no janitor', async () => {
    const w = await busyDay();
    const rm = createMemoryReadModelStore();
    await feed(rm, reviewQueueProjection, await logOf(w.store));
    const items = await unwrap(openReviewItems(rm));
    const t4 = items.find((i) => i.outTradeNo === 'T4');
    expect(t4).toMatchObject({ reason: 'AmountMismatch', awaits: 'operator' });
    expect(t4?.janitor).toBeUndefined();
  });
});

describe('active sagas projection', () => {
  it('keeps an order in review for an unclear outcome active (the janitor resumes it); a contradiction is final', async () => {
    const w = createWorld();
    await unclearOrder(w, 'J1');
    const rm = createMemoryReadModelStore();
    await feed(rm, activeSagasProjection, await logOf(w.store));
    expect(await unwrap(rm.list(ACTIVE_SAGAS, { where: { isFinal: false } }))).toEqual([
      expect.objectContaining({
        streamId: `order-${subMchid}:J1`,
        status: 'NeedsReview',
        awaitsJanitor: true,
      }),
    ]);
    await w.order(subMchid, 'J1', {
      type: 'FlagForReview',
      reason: 'SourcesDisagree',
      detail: 'x',
      at: '2026-03-02T08:10:00.000Z',
    });
    await feed(rm, activeSagasProjection, (await logOf(w.store)).slice(-1));
    expect(await unwrap(rm.list(ACTIVE_SAGAS, { where: { isFinal: false } }))).toEqual([]);
  });

  it('marks final only the orders with nothing reserved and the settled refunds', async () => {
    const w = await busyDay();
    const rm = createMemoryReadModelStore();
    await feed(rm, activeSagasProjection, await logOf(w.store));
    const open = (await unwrap(
      rm.list(ACTIVE_SAGAS, { where: { isFinal: false } }),
    )) as readonly ActiveSagaDoc[];
    // T1 still holds R4's reservation and T2 R3's (in review); R4 is still processing.
    expect(open.map((d) => d.streamId).sort()).toEqual([
      `order-${subMchid}:T1`,
      `order-${subMchid}:T2`,
      `refund-${subMchid}:R4`,
    ]);
    const all = (await unwrap(rm.list(ACTIVE_SAGAS))) as readonly ActiveSagaDoc[];
    expect(all).toHaveLength(9);
  });

  it('lists an order as active while it is still being paid', async () => {
    const w = createWorld();
    const rm = createMemoryReadModelStore();
    await pay(w, {
      ...paidAfterPollingPlan('P1', hkd(100), 0, 9),
      answers: [{ kind: 'Paying', tradeState: 'USERPAYING' }],
    });
    await feed(rm, activeSagasProjection, await logOf(w.store));
    expect(await unwrap(rm.list(ACTIVE_SAGAS, { where: { isFinal: false } }))).toEqual([
      expect.objectContaining({ streamId: `order-${subMchid}:P1`, kind: 'order', status: 'Paying' }),
    ]);
  });
});

describe.each(allProjections.map((p) => [p.name, p] as const))('%s projection', (_name, projection) => {
  it('gives the same read model when every event is delivered twice', async () => {
    const log = await logOf((await busyDay()).store);
    const once = createMemoryReadModelStore();
    const twice = createMemoryReadModelStore();
    await feed(once, projection, log);
    await feed(twice, projection, log, 2);
    expect(await snapshot(twice, projection)).toEqual(await snapshot(once, projection));
    expect(await unwrap(twice.checkpoint(projection.name))).toBe(log[log.length - 1]?.position);
  });

  it('ignores streams it does not project', () => {
    const changes = projection.project({
      streamId: 'elsewhere-abc',
      revision: 0,
      position: 1,
      id: 'e1',
      type: 'SomethingElse',
      data: {},
      metadata: {
        correlationId: 'c',
        causationId: 'c',
        recordedAt: '2026-03-02T08:00:00.000Z',
        actor: 'wechat',
        schemaVersion: 1,
      },
    });
    expect(changes).toEqual([]);
  });
});

describe('decoding', () => {
  it('refuses a stored event that no longer decodes rather than projecting a guess', () => {
    expect(() =>
      paymentsProjection.project({
        streamId: `order-${subMchid}:T9`,
        revision: 0,
        position: 1,
        id: 'e1',
        type: 'OrderSucceeded',
        data: { source: 'query' },
        metadata: {
          correlationId: 'c',
          causationId: 'c',
          recordedAt: '2026-03-02T08:00:00.000Z',
          actor: 'a',
          schemaVersion: 1,
        },
      }),
    ).toThrow(/does not decode/);
    expect(refundsProjection.collections).toEqual([REFUNDS]);
  });
});
