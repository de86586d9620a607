import * as E from 'fp-ts/Either';
import { formatReplayReport, verifyReplay } from '../../../../src/application/audit';
import { Order, Refund } from '../../../../src/domain';
import type { EventStore, RecordedEvent } from '../../../../src/ports';
import {
  SECOND,
  at,
  authCodeMasked,
  busyDay,
  createWorld,
  hkd,
  paidAfterPollingPlan,
  pay,
  refundIdOf,
  refundNo,
  spMchid,
  subMchid,
  tradeNo,
  txn,
  type World,
} from '../projections/scenarios';
import { logOf, unwrap } from '../projections/support';

/** Appends an event no decider would produce, as a bug or a hand edit of the store would. */
const plant = async (store: EventStore, streamId: string, type: string, data: unknown): Promise<void> => {
  const appended = await store.append(
    streamId,
    [
      {
        id: `planted-${type}-${streamId}`,
        type,
        data,
        metadata: {
          correlationId: 'planted',
          causationId: 'planted',
          recordedAt: at(0),
          actor: 'intruder',
          schemaVersion: 1,
        },
      },
    ],
    'any',
  )();
  if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
};

/**
 * Drives an order's pay saga on recorded answers: every reverse answers `reverse`, every query
 * `query` (after `settleAfter` queries, `settled`), until the saga rests. Returns once it does.
 */
const driveSaga = async (
  w: World,
  no: string,
  answers: {
    readonly reverse: Extract<Order.OrderCommand, { type: 'RecordReversalResult' }>['outcome'];
    readonly query: Order.TradeObservation;
    readonly settled?: Order.TradeObservation;
    readonly settleAfter?: number;
  },
): Promise<void> => {
  let state = await pay(w, {
    ...paidAfterPollingPlan(no, hkd(900), 0, 31),
    answers: [{ kind: 'Unknown', reason: 'timeout' }],
  });
  let queries = 0;
  const answer = (): Order.TradeObservation => {
    queries += 1;
    return answers.settled !== undefined && queries > (answers.settleAfter ?? 0)
      ? answers.settled
      : answers.query;
  };
  for (;;) {
    const step = Order.nextPayStep(state);
    switch (step.kind) {
      case 'None':
        return;
      case 'SchedulePoll':
        state = await w.order(subMchid, no, { type: 'SchedulePoll', dueAt: step.dueAt, at: step.dueAt });
        break;
      case 'Query':
        state = await w.order(subMchid, no, {
          type: 'RecordObservation',
          source: 'query',
          observation: answer(),
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
          outcome: answers.reverse,
          at: step.dueAt,
        });
        break;
      case 'FlagForReview':
        state = await w.order(subMchid, no, {
          type: 'FlagForReview',
          reason: step.reason,
          detail: step.detail,
          at: at(90 * SECOND),
        });
        break;
      case 'ResolveReview':
        state = await w.order(subMchid, no, {
          type: 'ResolveReview',
          resolution: step.resolution,
          actor: 'janitor',
          note: step.note,
          at: at(200 * SECOND),
        });
        break;
      default:
        throw new Error(`unexpected step ${step.kind}`);
    }
  }
};

/** Reverse attempts all definitely refused, the query before the flag unclear: an operator's review. */
const reversalFails = (w: World, no: string): Promise<void> =>
  driveSaga(w, no, {
    reverse: { kind: 'Rejected', code: 'INVALID_REQUEST', message: 'refused' },
    query: { kind: 'Unknown', reason: 'SYSTEMERROR' },
  });

/** Every answer unclear until the janitor's second query finds the order revoked: resolved by the janitor. */
const reversalUnclearThenRevoked = (w: World, no: string): Promise<void> =>
  driveSaga(w, no, {
    reverse: { kind: 'Unknown', reason: 'timeout' },
    query: { kind: 'Unknown', reason: 'SYSTEMERROR' },
    settled: { kind: 'Revoked' },
    settleAfter: 7,
  });

const cleanWorld = async (): Promise<World> => {
  const w = await busyDay();
  await reversalFails(w, 'T6');
  await reversalUnclearThenRevoked(w, 'T8');
  // Lost before the pay request went out: abandoned, as the saga does for an undispatched order.
  await w.order(subMchid, 'T7', {
    type: 'SubmitPayment',
    spMchid,
    subMchid,
    outTradeNo: tradeNo('T7'),
    amount: hkd(100),
    description: 'lost',
    authCodeMasked,
    requestFingerprint: 'fp-T7',
    policy: Order.defaultPayPolicy,
    at: at(0),
  });
  await w.order(subMchid, 'T7', { type: 'AbandonUndispatched', at: at(SECOND) });
  return w;
};

const countOrderAndRefund = (log: readonly RecordedEvent[]) => {
  const streams = new Set(log.filter((e) => /^(order|refund)-/.test(e.streamId)).map((e) => e.streamId));
  return { streams: streams.size, events: log.filter((e) => streams.has(e.streamId)).length };
};

describe('verifyReplay', () => {
  it('passes a history the deciders and step functions produced', async () => {
    const w = await cleanWorld();
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject(countOrderAndRefund(await logOf(w.store)));
    const types = new Set(
      (await logOf(w.store)).map(
        (e) => `${e.type}:${JSON.stringify((e.data as { reason?: unknown }).reason ?? '')}`,
      ),
    );
    // The history exercises every saga decision replay checks.
    expect([...types]).toEqual(
      expect.arrayContaining([
        'OrderPollScheduled:""',
        'OrderReversalRequested:"Deadline"',
        'OrderFlaggedForReview:"ReversalFailed"',
        'OrderFlaggedForReview:"OutcomeUnclear"',
        'OrderReversalAttempted:""',
        'OrderReviewResolved:""',
        'RefundPollScheduled:""',
      ]),
    );
    expect(formatReplayReport(report)).toMatch(/0 problem\(s\): every transition legal/);
  });

  it('reports an order that succeeds after it was reversed as an illegal transition', async () => {
    const w = await cleanWorld();
    const stream = `order-${subMchid}:T3`;
    await plant(w.store, stream, 'OrderSucceeded', {
      source: 'query',
      transactionId: '4200000001202603029999999999',
      amount: { amount: 3_000, currency: 'HKD' },
      observedAt: at(40 * SECOND),
    });
    const report = await unwrap(verifyReplay(w.store));
    const last = (await unwrap(w.store.readStream(stream))).length - 1;
    expect(report.problems).toEqual([
      {
        streamId: stream,
        revision: last,
        type: 'OrderSucceeded',
        rule: 'transition',
        detail: 'OrderSucceeded is not allowed in status Reversed',
      },
    ]);
    expect(formatReplayReport(report)).toContain(
      `${stream}@${last} OrderSucceeded [transition] OrderSucceeded is not allowed in status Reversed`,
    );
  });

  it('reports a refund reserved beyond the paid total as a broken money invariant', async () => {
    const w = await cleanWorld();
    // T1 paid 100.00: 30.00 refunded and 20.00 still reserved leave 50.00; 60.00 more is too much.
    await plant(w.store, `order-${subMchid}:T1`, 'RefundReserved', {
      outRefundNo: refundNo('R-EXTRA'),
      amount: { amount: 6_000, currency: 'HKD' },
      reservedAt: at(30 * 60 * SECOND),
      requestFingerprint: 'fp-extra',
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      expect.objectContaining({
        type: 'RefundReserved',
        rule: 'money-invariant',
        detail: 'refunds reserved or confirmed total 110.00 HKD, more than the 100.00 HKD paid',
      }),
    ]);
  });

  it('reports a poll scheduled at another time than the step function gives as a saga decision difference', async () => {
    const w = createWorld();
    const state = await pay(w, {
      ...paidAfterPollingPlan('P1', hkd(100), 0, 41),
      answers: [{ kind: 'Paying', tradeState: 'USERPAYING' }],
    });
    const step = Order.nextPayStep(state);
    if (step.kind !== 'SchedulePoll') throw new Error('expected a poll');
    const late = new Date(Date.parse(step.dueAt) + SECOND).toISOString();
    await plant(w.store, `order-${subMchid}:P1`, 'OrderPollScheduled', {
      dueAt: late,
      scheduledAt: at(SECOND),
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      expect.objectContaining({
        rule: 'saga-decision',
        detail: `recorded a query due at ${late}, the step function gives SchedulePoll due at ${step.dueAt}`,
      }),
    ]);
  });

  it('reports a review for a failed reversal recorded while no reversal was under way', async () => {
    const w = await cleanWorld();
    await plant(w.store, `order-${subMchid}:T2`, 'OrderFlaggedForReview', {
      reason: 'ReversalFailed',
      detail: 'made up',
      observedAt: at(SECOND),
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      expect.objectContaining({
        rule: 'saga-decision',
        detail: 'recorded a review for a failed reversal, the step function gives None',
      }),
    ]);
  });

  it('the janitor’s history replays: unclear answers, a review, its own reverse and query, its resolution', async () => {
    const w = await cleanWorld();
    const events = await unwrap(w.store.readStream(`order-${subMchid}:T8`));
    const types = events.map((e) => e.type);
    const flagged = types.indexOf('OrderFlaggedForReview');
    expect(flagged).toBeGreaterThan(0);
    // After the flag, two janitor rounds (reverse, then its confirming query): the first still unclear,
    // the second found it revoked (the evidence); then the resolution.
    expect(types.slice(flagged + 1)).toEqual([
      'OrderReversalAttempted',
      'OrderObservationRecorded',
      'OrderReversalAttempted',
      'OrderObservationRecorded',
      'OrderReviewResolved',
    ]);
    expect(events.at(-1)?.data).toMatchObject({ resolution: 'Reversed', actor: 'janitor' });
  });

  it('reports a janitor resolution that the recorded evidence does not prove', async () => {
    const w = await cleanWorld();
    // T6 waits for an operator: no verified answer says it was paid, so the janitor may not say so.
    await plant(w.store, `order-${subMchid}:T6`, 'OrderReviewResolved', {
      resolution: 'Closed',
      actor: 'janitor',
      note: 'made up',
      resolvedAt: at(300 * SECOND),
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      expect.objectContaining({
        rule: 'saga-decision',
        detail: 'recorded the janitor resolving the review as Closed, the step function gives None',
      }),
    ]);
  });

  describe('a refund flagged because a notification contradicts it', () => {
    const r4 = `refund-${subMchid}:R4`;
    const stateOf = async (store: EventStore): Promise<Refund.ActiveRefund> => {
      const events = (await logOf(store)).filter((e) => e.streamId === r4);
      const state = events.reduce(
        (s, e) => Refund.evolve(s, { type: e.type, data: e.data } as Refund.RefundEvent),
        Refund.initialState(),
      );
      if (!Refund.isActive(state)) throw new Error('test bug: R4 has no refund');
      return state;
    };
    const noticeOf = (s: Refund.ActiveRefund) => ({
      notificationId: 'EV-R4',
      eventType: 'REFUND.SUCCESS',
      spMchid: s.spMchid,
      subMchid: s.subMchid,
      outTradeNo: s.outTradeNo,
      transactionId: s.transactionId,
      status: 'SUCCESS',
      total: s.orderTotal,
      refund: { outRefundNo: s.outRefundNo, refundId: s.refundId ?? '', amount: s.amount },
    });

    it('verifies when the recorded notice contradicts the record as the detail says', async () => {
      const w = await cleanWorld();
      const notice = { ...noticeOf(await stateOf(w.store)), total: hkd(1) };
      const detail = Refund.refundNoticeContradiction(await stateOf(w.store), notice);
      expect(detail).toContain('amount.total');
      await plant(w.store, r4, 'RefundFlaggedForReview', {
        reason: 'NotificationContradicts',
        detail,
        observedAt: at(20 * 60 * SECOND),
        notice,
      });
      expect((await unwrap(verifyReplay(w.store))).problems).toEqual([]);
    });

    it('reports a contradiction recorded for a notice that agrees with the record', async () => {
      const w = await cleanWorld();
      await plant(w.store, r4, 'RefundFlaggedForReview', {
        reason: 'NotificationContradicts',
        detail: 'made up',
        observedAt: at(20 * 60 * SECOND),
        notice: noticeOf(await stateOf(w.store)),
      });
      expect((await unwrap(verifyReplay(w.store))).problems).toEqual([
        expect.objectContaining({
          type: 'RefundFlaggedForReview',
          rule: 'saga-decision',
          detail: 'recorded "made up", the notification check gives agreement',
        }),
      ]);
    });
  });

  it('reports a refund poll at another time than the refund step function gives', async () => {
    const w = await cleanWorld();
    await plant(w.store, `refund-${subMchid}:R4`, 'RefundPollScheduled', {
      dueAt: at(0),
      scheduledAt: at(0),
    });
    const report = await unwrap(verifyReplay(w.store));
    // R4 was answered PROCESSING at 16 min 0.5 s: its first poll is due a minute later (the default policy).
    expect(report.problems).toEqual([
      expect.objectContaining({
        type: 'RefundPollScheduled',
        rule: 'saga-decision',
        detail: `recorded a query due at ${at(0)}, the step function gives SchedulePoll due at ${at(17 * 60 * SECOND + 500)}`,
      }),
    ]);
  });

  it('reports an event that does not decode and goes on with the rest of the stream', async () => {
    const w = await cleanWorld();
    await plant(w.store, `order-${subMchid}:T5`, 'OrderSucceeded', { source: 'query' });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([expect.objectContaining({ rule: 'decodes', type: 'OrderSucceeded' })]);
    expect(report.problems[0]?.detail).toMatch(/transactionId/);
  });

  it('reports a refund whose order never reserved it', async () => {
    const w = await cleanWorld();
    const stream = `refund-${subMchid}:R-ROGUE`;
    await plant(w.store, stream, 'RefundRequested', {
      spMchid,
      subMchid,
      outTradeNo: 'T1',
      transactionId: txn(1),
      outRefundNo: 'R-ROGUE',
      amount: { amount: 100, currency: 'HKD' },
      orderTotal: { amount: 10_000, currency: 'HKD' },
      requestedAt: at(0),
      requestFingerprint: 'fp-rogue',
      policy: Refund.defaultRefundPolicy,
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      {
        streamId: stream,
        revision: 0,
        type: 'RefundRequested',
        rule: 'money-invariant',
        detail: `no reservation for R-ROGUE on order-${subMchid}:T1`,
      },
    ]);
  });

  it('reports a refund WeChat paid whose reservation was released', async () => {
    const w = await cleanWorld();
    // R2 was rejected and released; a success recorded afterwards would refund money the order no longer holds.
    await plant(w.store, `refund-${subMchid}:R2`, 'RefundSucceeded', {
      source: 'query',
      refundId: refundIdOf(2),
      amount: { amount: 1_000, currency: 'HKD' },
      observedAt: at(0),
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems.map((p) => [p.rule, p.detail])).toEqual([
      ['transition', 'RefundSucceeded is not allowed in status Rejected'],
      [
        'money-invariant',
        `WeChat refunded 10.00 HKD but the reservation on order-${subMchid}:T1 was released`,
      ],
    ]);
  });
});
