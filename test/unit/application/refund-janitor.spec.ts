import { createMemoryReadModelStore } from '../../../src/adapters/memory/read-model-store';
import { verifyReplay } from '../../../src/application/audit';
import {
  ACTIVE_SAGAS,
  REFUNDS,
  activeSagasProjection,
  openReviewItems,
  refundKey,
  refundsProjection,
  reviewQueueProjection,
  type ActiveSagaDoc,
  type RefundDoc,
} from '../../../src/application/projections';
import { Refund } from '../../../src/domain';
import type { ReadModelStore } from '../../../src/ports';
import {
  MINUTE,
  at,
  createWorld,
  hkd,
  paidPlan,
  pay,
  refund,
  refundIdOf,
  refundNo,
  refundSucceeds,
  type World,
} from './projections/scenarios';
import { feed, logOf, unwrap } from './projections/support';
import { subMchid } from './projections/world';

const STREAM = `refund-${subMchid}:RA`;

/** Runs the refund's saga steps as the runner would, answering queries from the script, until `stop`. */
const runJanitor = async (
  { w, state: initial }: Scenario,
  answers: Refund.RefundObservation[],
  stop: (s: Refund.RefundState) => boolean,
): Promise<Refund.RefundState> => {
  let state = initial;
  const no = 'RA';
  for (let i = 0; i < 20; i += 1) {
    if (stop(state)) return state;
    const step = Refund.nextRefundStep(state);
    switch (step.kind) {
      case 'FlagForReview': {
        const flaggedAt = Refund.isActive(state) ? (state.lastObservedAt ?? at(0)) : at(0);
        state = await w.refund(subMchid, no, {
          type: 'FlagForReview',
          reason: step.reason,
          detail: step.detail,
          at: flaggedAt,
        });
        break;
      }
      case 'SchedulePoll':
        state = await w.refund(subMchid, no, { type: 'SchedulePoll', dueAt: step.dueAt, at: step.dueAt });
        break;
      case 'Query': {
        const observation = answers.shift();
        if (observation === undefined) return state;
        state = await w.refund(subMchid, no, {
          type: 'RecordObservation',
          source: 'query',
          observation,
          at: step.dueAt,
        });
        break;
      }
      default:
        return state;
    }
  }
  throw new Error('did not stop');
};

interface Scenario {
  readonly w: World;
  readonly state: Refund.RefundState;
}

/** T1 paid 100.00; refund RA of 25.00 accepted, then reported ABNORMAL by a query. */
const abnormalRefund = async (): Promise<Scenario> => {
  const w = createWorld();
  await pay(w, paidPlan('T1', hkd(10_000), 0, 1));
  const state = await refund(w, {
    ...refundSucceeds('T1', 'RA', hkd(2_500), 10 * MINUTE, 7),
    answers: [
      { kind: 'Processing', refundId: refundIdOf(7) },
      { kind: 'Abnormal', refundId: refundIdOf(7) },
    ],
  });
  return { w, state };
};

const project = async (w: World): Promise<ReadModelStore> => {
  const rm = createMemoryReadModelStore();
  const log = await logOf(w.store);
  for (const p of [reviewQueueProjection, activeSagasProjection, refundsProjection]) await feed(rm, p, log);
  return rm;
};

const activeDoc = async (rm: ReadModelStore) =>
  (await unwrap(rm.get(ACTIVE_SAGAS, STREAM))) as ActiveSagaDoc | undefined;

describe('the janitor on an ABNORMAL refund, through the projections and replay', () => {
  it('the review queue shows it awaiting the janitor, with its attempts, last outcome and next attempt', async () => {
    const scenario = await abnormalRefund();
    const { w } = scenario;
    await runJanitor(scenario, [{ kind: 'Abnormal', refundId: refundIdOf(7) }], () => false);
    const rm = await project(w);
    const [item] = await unwrap(openReviewItems(rm));
    expect(item).toMatchObject({ kind: 'refund', outRefundNo: 'RA', reason: 'Abnormal', awaits: 'janitor' });
    expect(item?.janitor).toMatchObject({ attempts: 1, lastOutcome: 'Abnormal' });
    // 1 min after the flag, then 5 min after that answer.
    expect(
      Date.parse(item?.janitor?.nextAttemptAt ?? '') - Date.parse(item?.janitor?.lastAttemptAt ?? ''),
    ).toBe(5 * MINUTE);
    // Not final: restarted, the saga resumes the janitor's work.
    expect(await activeDoc(rm)).toMatchObject({ status: 'NeedsReview', isFinal: false, awaitsJanitor: true });
  });

  it('a later SUCCESS resolves it (janitor), dates it, makes it final, and replay verifies the decisions', async () => {
    const scenario = await abnormalRefund();
    const { w } = scenario;
    const after = await runJanitor(
      scenario,
      [
        { kind: 'Abnormal', refundId: refundIdOf(7) },
        {
          kind: 'Succeeded',
          refundId: refundIdOf(7),
          amount: hkd(2_500),
          successTime: '2026-03-03T10:00:00+08:00',
        },
      ],
      (s) => s.status === 'Succeeded',
    );
    expect(after.status).toBe('Succeeded');
    await w.order(subMchid, 'T1', {
      type: 'ConfirmRefund',
      outRefundNo: refundNo('RA'),
      amount: hkd(2_500),
      at: at(HOUR),
    });
    const rm = await project(w);
    expect(await unwrap(openReviewItems(rm))).toEqual([]);
    expect(await activeDoc(rm)).toMatchObject({ status: 'Succeeded', isFinal: true });
    const doc = (await unwrap(rm.get(REFUNDS, refundKey(subMchid, 'RA')))) as RefundDoc | undefined;
    expect(doc).toMatchObject({
      status: 'SUCCEEDED',
      successTime: '2026-03-03T10:00:00+08:00',
      date: '20260303',
    });
    const log = await logOf(w.store);
    expect(log.find((e) => e.type === 'RefundReviewResolved')?.data).toMatchObject({
      actor: 'janitor',
      resolution: 'Succeeded',
    });
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([]);
  });

  it('replay reports a janitor resolution with no verified answer recorded before it', async () => {
    const scenario = await abnormalRefund();
    const { w } = scenario;
    await runJanitor(scenario, [], () => false);
    const appended = await w.store.append(
      STREAM,
      [
        {
          id: 'planted-resolution',
          type: 'RefundReviewResolved',
          data: { resolution: 'Closed', actor: 'janitor', note: 'made up', resolvedAt: at(2 * HOUR) },
          metadata: {
            correlationId: 'p',
            causationId: 'p',
            recordedAt: at(0),
            actor: 'intruder',
            schemaVersion: 1,
          },
        },
      ],
      'any',
    )();
    expect(appended._tag).toBe('Right');
    const report = await unwrap(verifyReplay(w.store));
    expect(report.problems).toEqual([
      expect.objectContaining({
        streamId: STREAM,
        type: 'RefundReviewResolved',
        rule: 'saga-decision',
        detail: expect.stringContaining('without a Closed answer') as unknown as string,
      }),
    ]);
  });
});

const HOUR = 60 * MINUTE;
