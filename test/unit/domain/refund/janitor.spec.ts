import * as E from 'fp-ts/Either';
import { Refund, janitorDelayMs } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, T0, at, hkd, refundId } from '../shared/examples';
import {
  abnormalObs,
  closedObs,
  flagged,
  history,
  notFoundObs,
  numberUsedObs,
  observe,
  processing,
  recorded,
  rejectedObs,
  requested,
  retryableObs,
  succeededObs,
  unknownObs,
} from './examples';

type Observation = Refund.RefundObservation;
type RefundEvent = Refund.RefundEvent;

const spec = DeciderSpecification.for(Refund.refundDecider);
const fold = (events: readonly RefundEvent[]) => events.reduce(Refund.evolve, Refund.initialState());
const step = (events: readonly RefundEvent[]) => Refund.nextRefundStep(fold(events));
const active = (events: readonly RefundEvent[]): Refund.ActiveRefund => {
  const s = fold(events);
  if (!Refund.isActive(s)) throw new Error('no refund');
  return s;
};
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const elapsed = (iso: string) => Date.parse(iso) - Date.parse(T0);

/** ABNORMAL reported by a query at +60 s (history.abnormal), then flagged by the saga at +60 s. */
const abnormalFlagged: RefundEvent[] = [
  ...history.abnormal,
  flagged('Abnormal', 60 * SECOND, 'WeChat reports the refund ABNORMAL'),
];

interface Trace {
  readonly steps: string[];
  readonly events: RefundEvent[];
}

/**
 * Drives the saga's steps (as the runner would) against a scripted WeChat, each at its due time,
 * until nothing is left to do or `until` says stop. Times in the trace are ms since T0.
 */
const drive = (
  start: readonly RefundEvent[],
  wechat: { submit: (ms: number) => Observation; query: (ms: number) => Observation },
  {
    limit = 400,
    until,
  }: { readonly limit?: number; readonly until?: (events: RefundEvent[]) => boolean } = {},
): Trace => {
  let events = [...start];
  const steps: string[] = [];
  let now = events.reduce((t, e) => {
    const d = e.data as { observedAt?: string; requestedAt?: string };
    return d.observedAt ?? d.requestedAt ?? t;
  }, T0);
  const record = (command: Refund.RefundCommand) => {
    const decided = Refund.decide(command, fold(events));
    if (E.isLeft(decided)) throw new Error(`saga step refused: ${JSON.stringify(decided.left)}`);
    events = [...events, ...decided.right];
  };
  for (let i = 0; i < limit; i += 1) {
    if (until?.(events) === true) return { steps, events };
    const s = Refund.nextRefundStep(fold(events));
    if ('dueAt' in s && Date.parse(s.dueAt) > Date.parse(now)) now = s.dueAt;
    const ms = elapsed(now);
    switch (s.kind) {
      case 'None':
        return { steps, events };
      case 'Submit':
        steps.push(`submit@${ms}`);
        record({ type: 'RecordDispatch', at: now });
        record({ type: 'RecordObservation', source: 'submit', observation: wechat.submit(ms), at: now });
        break;
      case 'ScheduleSubmit':
        record({ type: 'ScheduleSubmit', dueAt: s.dueAt, reason: s.reason, at: now });
        break;
      case 'SchedulePoll':
        record({ type: 'SchedulePoll', dueAt: s.dueAt, at: now });
        break;
      case 'Query':
        steps.push(`query@${ms}`);
        record({ type: 'RecordObservation', source: 'query', observation: wechat.query(ms), at: now });
        break;
      case 'FlagForReview':
        steps.push(`review:${s.reason}@${ms}`);
        record({ type: 'FlagForReview', reason: s.reason, detail: s.detail, at: now });
        break;
    }
  }
  throw new Error(`the saga did not finish: ${steps.slice(-5).join(' ')}`);
};

const gaps = (steps: readonly string[]): number[] => {
  const times = steps.map((t) => Number(t.split('@')[1]));
  return times.slice(1).map((t, i) => t - (times[i] ?? 0));
};

describe('ABNORMAL refunds', () => {
  it('go to review with reason Abnormal, naming the refund, and hold the reservation', () => {
    const next = step(history.abnormal);
    expect(next).toEqual({
      kind: 'FlagForReview',
      reason: 'Abnormal',
      detail: expect.stringContaining(`refund_id ${refundId}`) as unknown as string,
    });
    const s = fold(abnormalFlagged);
    expect(s.status).toBe('NeedsReview');
    expect(Refund.isFinal(s)).toBe(false);
    // Neither confirmed nor released: the amount cannot be refunded again meanwhile.
    expect(Refund.reservationSettlement(fold(history.abnormal))).toBeUndefined();
    expect(Refund.reservationSettlement(s)).toBeUndefined();
  });

  it('stay on the janitor’s low-rate query: 1 min, 5 min, 30 min, then hourly', () => {
    const { steps } = drive(
      abnormalFlagged,
      { submit: () => processing, query: () => abnormalObs },
      { until: (e) => e.filter((x) => x.type === 'RefundObservationRecorded').length >= 8 },
    );
    const queries = steps.filter((t) => t.startsWith('query@'));
    expect(queries[0]).toBe(`query@${60 * SECOND + MINUTE}`);
    expect(gaps(queries).slice(0, 5)).toEqual([5 * MINUTE, 30 * MINUTE, HOUR, HOUR, HOUR]);
  });

  it('are never resubmitted: WeChat accepted them', () => {
    spec
      .given(abnormalFlagged)
      .when({ type: 'RecordDispatch', at: at(2 * MINUTE) })
      .thenFails('IllegalTransition');
  });
});

describe('the janitor resolves an unclear review item once WeChat’s verified answer settles it', () => {
  it.each([
    ['query', 'SUCCESS', succeededObs(), 'Succeeded', 'confirm'],
    ['notification', 'SUCCESS', succeededObs(), 'Succeeded', 'confirm'],
    ['query', 'REFUNDCLOSE', closedObs, 'Closed', 'release'],
  ] as const)(
    '%s answering %s: the observation, then RefundReviewResolved by the janitor',
    (source, status, obs, resolution, settlement) => {
      const events = spec
        .given(abnormalFlagged)
        .when(observe(source, obs, 3 * MINUTE))
        .thenEvents((e) => {
          expect(e.map((x) => x.type)).toEqual(['RefundObservationRecorded', 'RefundReviewResolved']);
          expect(e[1]?.data).toEqual({
            resolution,
            actor: 'janitor',
            note: expect.stringContaining(status) as unknown as string,
            resolvedAt: at(3 * MINUTE),
          });
        });
      const after = fold([...abnormalFlagged, ...events]);
      expect(after.status).toBe(resolution);
      expect(Refund.reservationSettlement(after)).toBe(settlement);
      expect(Refund.nextRefundStep(after)).toEqual({ kind: 'None' });
    },
  );

  it('an answer that is still unclear changes nothing but the janitor’s count', () => {
    for (const obs of [processing, abnormalObs, unknownObs]) {
      spec
        .given(abnormalFlagged)
        .when(observe('query', obs, 2 * MINUTE))
        .then([recorded('query', obs, 2 * MINUTE)]);
    }
    expect(active([...abnormalFlagged, recorded('query', processing, 2 * MINUTE)]).janitor).toMatchObject({
      attempts: 1,
      lastAttemptAt: at(2 * MINUTE),
    });
  });

  it('a success for another amount is a contradiction: flagged AmountMismatch, the janitor stops', () => {
    const events = spec
      .given(abnormalFlagged)
      .when(observe('query', succeededObs(hkd(9_999)), 2 * MINUTE))
      .thenEvents((e) => {
        expect(e.map((x) => x.type)).toEqual(['RefundObservationRecorded', 'RefundFlaggedForReview']);
        expect((e[1]?.data as { reason: string }).reason).toBe('AmountMismatch');
      });
    const after = fold([...abnormalFlagged, ...events]);
    expect(after.status).toBe('NeedsReview');
    expect(Refund.nextRefundStep(after)).toEqual({ kind: 'None' });
  });

  it('an accepted refund now reported not found is a contradiction (SourcesDisagree)', () => {
    spec
      .given(abnormalFlagged)
      .when(observe('query', notFoundObs, 2 * MINUTE))
      .thenEvents((e) => expect((e[1]?.data as { reason: string }).reason).toBe('SourcesDisagree'));
  });
});

describe('contradictions wait for an operator', () => {
  it.each(['AmountMismatch', 'SourcesDisagree', 'RefundNumberUsed'] as const)(
    '%s: no janitor step, and a later SUCCESS resolves nothing by itself',
    (reason) => {
      const given = [...history.processing, flagged(reason, 60 * SECOND)];
      expect(step(given)).toEqual({ kind: 'None' });
      expect(Refund.isJanitorManagedRefundReason(reason)).toBe(false);
      spec
        .given(given)
        .when(observe('query', succeededObs(), 2 * MINUTE))
        .then([recorded('query', succeededObs(), 2 * MINUTE)]);
      spec
        .given(given)
        .when({ type: 'SchedulePoll', dueAt: at(3 * MINUTE), at: at(2 * MINUTE) })
        .thenFails('IllegalTransition');
    },
  );

  it('an operator still decides a janitor-managed item', () => {
    spec
      .given(abnormalFlagged)
      .when({
        type: 'ResolveReview',
        resolution: 'Closed',
        actor: 'ops',
        note: 'bank confirmed',
        at: at(HOUR),
      })
      .then([
        {
          type: 'RefundReviewResolved',
          data: { resolution: 'Closed', actor: 'ops', note: 'bank confirmed', resolvedAt: at(HOUR) },
        },
      ]);
  });

  it('the janitor-managed reasons are exactly the unclear outcomes', () => {
    expect([...Refund.JANITOR_REFUND_REVIEW_REASONS].sort()).toEqual([
      'Abnormal',
      'RetriesExhausted',
      'StuckProcessing',
    ]);
  });
});

describe('refusals for now (NOT_ENOUGH, FREQUENCY_LIMITED, 429)', () => {
  it('are resubmitted with the same number after 1, 2, 4, 8 … min, capped at an hour', () => {
    let n = 0;
    const { steps } = drive([requested], {
      submit: () => (++n <= 8 ? retryableObs : processing),
      query: () => succeededObs(),
    });
    const submits = steps.filter((t) => t.startsWith('submit@'));
    expect(submits).toHaveLength(9);
    expect(gaps(submits)).toEqual([1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * MINUTE));
    expect(
      fold(drive([requested], { submit: () => processing, query: () => succeededObs() }).events).status,
    ).toBe('Succeeded');
  });

  it('are flagged RetriesExhausted after the policy’s bound (30 refusals, about a day)', () => {
    const { steps, events } = drive(
      [requested],
      { submit: () => retryableObs, query: () => succeededObs() },
      { until: (e) => fold(e).status === 'NeedsReview' },
    );
    const submits = steps.filter((t) => t.startsWith('submit@'));
    expect(submits).toHaveLength(Refund.defaultRefundPolicy.maxRetryableRefusals ?? -1);
    const flaggedAt = Number(steps.at(-1)?.split('@')[1]);
    expect(steps.at(-1)).toMatch(/^review:RetriesExhausted@/);
    expect(flaggedAt).toBeGreaterThan(22 * HOUR);
    expect(flaggedAt).toBeLessThan(26 * HOUR);
    const last = events.at(-1)?.data as { detail: string };
    expect(last.detail).toContain('NOT_ENOUGH');
  });

  it('then the janitor resubmits the same out_refund_no on its schedule until WeChat takes it', () => {
    let n = 0;
    const { steps, events } = drive([requested], {
      submit: () => (++n <= 33 ? retryableObs : processing),
      query: () => succeededObs(),
    });
    const review = steps.findIndex((t) => t.startsWith('review:'));
    const after = steps.slice(review + 1);
    expect(after.slice(0, 4).map((t) => t.split('@')[0])).toEqual(['submit', 'submit', 'submit', 'submit']);
    expect(gaps([steps[review] ?? '', ...after.slice(0, 3)])).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE]);
    // Taken on the 4th janitor resubmission (PROCESSING), then queried until SUCCESS resolves it.
    expect(after[4]).toMatch(/^query@/);
    const resolved = events.find((e) => e.type === 'RefundReviewResolved');
    expect(resolved?.data).toMatchObject({ resolution: 'Succeeded', actor: 'janitor' });
    expect(fold(events).status).toBe('Succeeded');
  });

  it('a resubmission refused for good ends the review as Rejected, and the reservation is released', () => {
    const exhausted = drive(
      [requested],
      { submit: () => retryableObs, query: () => succeededObs() },
      { until: (e) => fold(e).status === 'NeedsReview' },
    ).events;
    const s = fold(exhausted);
    const dispatch = Refund.decide({ type: 'RecordDispatch', at: at(30 * HOUR) }, s);
    expect(E.isRight(dispatch)).toBe(true);
    const dispatched = [...exhausted, ...(E.isRight(dispatch) ? dispatch.right : [])];
    spec
      .given(dispatched)
      .when(observe('submit', rejectedObs, 30 * HOUR))
      .thenEvents((e) => {
        expect(e[1]?.data).toMatchObject({ resolution: 'Rejected', actor: 'janitor' });
        expect(Refund.reservationSettlement(fold([...dispatched, ...e]))).toBe('release');
      });
    // Reusing the number for something else is a contradiction, not a verdict.
    spec
      .given(dispatched)
      .when(observe('submit', numberUsedObs, 30 * HOUR))
      .thenEvents((e) => expect((e[1]?.data as { reason: string }).reason).toBe('RefundNumberUsed'));
  });

  it('an old policy without back-off fields keeps its constant delay and no bound (replay of old logs)', () => {
    const { retryBackoffCapMs: _c, maxRetryableRefusals: _m, ...legacy } = Refund.defaultRefundPolicy;
    expect(Refund.retryDelayMs(legacy, 1)).toBe(MINUTE);
    expect(Refund.retryDelayMs(legacy, 10)).toBe(MINUTE);
    expect(Refund.retryDelayMs(Refund.defaultRefundPolicy, 10)).toBe(HOUR);
  });
});

describe('PROCESSING refunds', () => {
  const stuck = () =>
    drive(
      history.processing,
      { submit: () => processing, query: () => processing },
      {
        until: (e) => fold(e).status === 'NeedsReview',
      },
    );

  it('are polled for a week (1, 5, 30 min, hourly for a day, then every 6 h) before review', () => {
    const { steps } = stuck();
    const queries = steps.filter((t) => t.startsWith('query@'));
    const g = gaps([`start@${SECOND}`, ...queries]);
    expect(g.slice(0, 4)).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR]);
    expect(g.filter((d) => d === 6 * HOUR)).toHaveLength(24);
    const flaggedAt = Number(steps.at(-1)?.split('@')[1]);
    expect(steps.at(-1)).toMatch(/^review:StuckProcessing@/);
    expect(flaggedAt).toBeGreaterThanOrEqual(7 * DAY);
    expect(flaggedAt).toBeLessThan(8 * DAY);
  });

  it('then the janitor queries daily, and resolves the item on SUCCESS', () => {
    const { events } = stuck();
    const { steps, events: after } = drive(events, {
      submit: () => processing,
      query: (ms) => (ms > 10 * DAY ? succeededObs() : processing),
    });
    expect(gaps(steps.filter((t) => t.startsWith('query@')))).toEqual(expect.arrayContaining([DAY]));
    expect(new Set(gaps(steps))).toEqual(new Set([DAY]));
    expect(janitorDelayMs(Refund.JANITOR_DAILY_FROM, 'refund')).toBe(DAY);
    expect(fold(after).status).toBe('Succeeded');
    expect(after.at(-1)).toMatchObject({ type: 'RefundReviewResolved', data: { actor: 'janitor' } });
  });

  it('an unclear submit never answered goes to the janitor from its first step (1 min)', () => {
    const exhausted = drive(
      history.unknown,
      { submit: () => unknownObs, query: () => unknownObs },
      {
        until: (e) => fold(e).status === 'NeedsReview',
      },
    ).events;
    const flaggedAt = (exhausted.at(-1)?.data as { observedAt: string }).observedAt;
    expect(step(exhausted)).toEqual({
      kind: 'SchedulePoll',
      dueAt: new Date(Date.parse(flaggedAt) + MINUTE).toISOString(),
    });
    // Not found at WeChat after all: the janitor resubmits the same number.
    const notFound = [
      ...exhausted,
      { type: 'RefundPollScheduled', data: { dueAt: at(3 * HOUR), scheduledAt: flaggedAt } } as RefundEvent,
      recorded('query', notFoundObs, 3 * HOUR),
      {
        type: 'RefundPollScheduled',
        data: { dueAt: at(3 * HOUR + 5 * MINUTE), scheduledAt: at(3 * HOUR) },
      } as RefundEvent,
    ];
    expect(step(notFound)).toEqual({ kind: 'Submit', dueAt: at(3 * HOUR + 5 * MINUTE) });
  });
});
