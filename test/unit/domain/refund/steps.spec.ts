import * as E from 'fp-ts/Either';
import { Refund } from '../../../../src/domain';
import { SECOND, T0, at } from '../shared/examples';
import {
  dispatched,
  history,
  notFoundObs,
  processing,
  recorded,
  requested,
  retryableObs,
  succeededObs,
  unknownObs,
} from './examples';

type Observation = Refund.RefundObservation;

const fold = (events: readonly Refund.RefundEvent[]) => events.reduce(Refund.evolve, Refund.initialState());
const step = (events: readonly Refund.RefundEvent[]) => Refund.nextRefundStep(fold(events));
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const seconds = (iso: string) => (Date.parse(iso) - Date.parse(T0)) / SECOND;

/**
 * Runs the refund saga on the recorded history against a scripted WeChat: each step at its due
 * time, its outcome recorded through `decide`, until there is nothing left to do.
 */
const runSaga = (
  start: readonly Refund.RefundEvent[],
  wechat: { submit: (atSeconds: number) => Observation; query: (atSeconds: number) => Observation },
  limit = 120,
  { untilReview = true }: { readonly untilReview?: boolean } = {},
): string[] => {
  let events = [...start];
  const trace: string[] = [];
  let now = at(0);
  const record = (command: Refund.RefundCommand) => {
    const decided = Refund.decide(command, fold(events));
    if (E.isLeft(decided)) throw new Error(`saga step refused: ${JSON.stringify(decided.left)}`);
    events = [...events, ...decided.right];
  };
  for (let i = 0; i < limit; i += 1) {
    const s = Refund.nextRefundStep(fold(events));
    if ('dueAt' in s && Date.parse(s.dueAt) > Date.parse(now)) now = s.dueAt;
    switch (s.kind) {
      case 'None':
        return trace;
      case 'Submit':
        trace.push(`submit@${seconds(s.dueAt)}`);
        record({ type: 'RecordDispatch', at: s.dueAt });
        record({
          type: 'RecordObservation',
          source: 'submit',
          observation: wechat.submit(seconds(s.dueAt)),
          at: s.dueAt,
        });
        break;
      case 'ScheduleSubmit':
        record({ type: 'ScheduleSubmit', dueAt: s.dueAt, reason: s.reason, at: s.dueAt });
        break;
      case 'SchedulePoll':
        record({ type: 'SchedulePoll', dueAt: s.dueAt, at: s.dueAt });
        break;
      case 'Query':
        trace.push(`query@${seconds(s.dueAt)}`);
        record({
          type: 'RecordObservation',
          source: 'query',
          observation: wechat.query(seconds(s.dueAt)),
          at: s.dueAt,
        });
        break;
      case 'FlagForReview':
        trace.push(`review:${s.reason}`);
        record({ type: 'FlagForReview', reason: s.reason, detail: s.detail, at: now });
        if (untilReview) return trace;
        break;
    }
  }
  throw new Error(`the saga did not finish: ${trace.join(' ')}`);
};

describe('Refund saga steps (nextRefundStep)', () => {
  it('a requested refund is submitted at once', () => {
    expect(step([requested])).toEqual({ kind: 'Submit', dueAt: at(0) });
  });

  it('a submission scheduled later (spacing on the order) waits for its time', () => {
    const scheduled: Refund.RefundEvent = {
      type: 'RefundSubmitScheduled',
      data: { dueAt: at(MINUTE), reason: 'spacing', scheduledAt: at(0) },
    };
    expect(step([requested, scheduled])).toEqual({ kind: 'Submit', dueAt: at(MINUTE) });
  });

  it('accepted (PROCESSING): polled after 1 min, 5 min, 30 min, then hourly, until it settles', () => {
    const trace = runSaga(history.processing, {
      submit: () => processing,
      query: (t) => (t > (2 * HOUR) / SECOND ? succeededObs() : processing),
    });
    expect(trace).toEqual(['query@61', 'query@361', 'query@2161', 'query@5761', 'query@9361']);
  });

  it('a refund PROCESSING past every poll goes to review as stuck', () => {
    const trace = runSaga(history.processing, { submit: () => processing, query: () => processing });
    expect(trace.filter((t) => t.startsWith('query@'))).toHaveLength(
      Refund.defaultRefundPolicy.pollDelaysMs.length,
    );
    expect(trace.at(-1)).toBe('review:StuckProcessing');
  });

  it('an unclear submit is resolved by querying after 5 s, 30 s, 1 min, … then review', () => {
    const trace = runSaga(history.unknown, { submit: () => unknownObs, query: () => unknownObs });
    expect(trace).toEqual([
      'query@6',
      'query@36',
      'query@96',
      'query@396',
      'query@2196',
      'query@5796',
      'review:StuckProcessing',
    ]);
  });

  it('unclear → query → not found → the same out_refund_no is resubmitted, and accepted', () => {
    const trace = runSaga(history.unknown, {
      submit: () => processing,
      query: (t) => (t < 10 ? notFoundObs : succeededObs()),
    });
    expect(trace).toEqual(['query@6', 'submit@6', 'query@66']);
  });

  it('a retryable rejection is resubmitted with the same number 1 min later', () => {
    let submits = 0;
    const trace = runSaga([requested], {
      submit: () => (++submits === 1 ? retryableObs : processing),
      query: () => succeededObs(),
    });
    expect(trace).toEqual(['submit@0', 'submit@60', 'query@120']);
  });

  it('a dispatch whose answer was never recorded (the process stopped) is queried 5 s after it', () => {
    expect(step([requested, dispatched(1, 100)])).toEqual({ kind: 'SchedulePoll', dueAt: at(5_100) });
  });

  it('after a resubmission with no recorded answer, the earlier retryable answer does not resubmit again', () => {
    const resubmitted = [
      requested,
      dispatched(1, 0),
      recorded('submit', retryableObs, SECOND),
      {
        type: 'RefundSubmitScheduled',
        data: { dueAt: at(61 * SECOND), reason: 'retryable rejection', scheduledAt: at(SECOND) },
      } as Refund.RefundEvent,
      dispatched(2, 61 * SECOND),
    ];
    expect(step(resubmitted)).toEqual({ kind: 'SchedulePoll', dueAt: at(66 * SECOND) });
  });

  it('after a resubmission following not found, with no recorded answer, the refund is queried, not resent', () => {
    const resubmitted = [
      ...history.unknown,
      recorded('query', notFoundObs, 6 * SECOND),
      dispatched(2, 6 * SECOND + 1),
    ];
    expect(step(resubmitted)).toEqual({ kind: 'SchedulePoll', dueAt: at(11 * SECOND + 1) });
  });

  it.each(['succeeded', 'closed', 'rejected', 'needsReview'] as const)(
    'a refund %s has no saga step',
    (status) => {
      expect(step(history[status])).toEqual({ kind: 'None' });
    },
  );

  it('an unknown refund stream has no saga step', () => {
    expect(step([])).toEqual({ kind: 'None' });
  });
});
