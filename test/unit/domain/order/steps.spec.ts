import * as E from 'fp-ts/Either';
import { Order } from '../../../../src/domain';
import { SECOND, T0, at } from '../shared/examples';
import {
  dispatched,
  history,
  paid,
  paying,
  recorded,
  reversalAttempted,
  revoked,
  submitted,
  unknown,
} from './examples';

type Observation = Order.TradeObservation;
type ReverseOutcome = Extract<Order.OrderCommand, { type: 'RecordReversalResult' }>['outcome'];

const fold = (events: readonly Order.OrderEvent[]) => events.reduce(Order.evolve, Order.initialState());
const step = (events: readonly Order.OrderEvent[]) => Order.nextPayStep(fold(events));
const seconds = (iso: string) => (Date.parse(iso) - Date.parse(T0)) / SECOND;

/**
 * Runs the pay saga on the recorded history: each step is executed at its due time against a
 * scripted WeChat, its outcome recorded through `decide`, until the saga has nothing left to do
 * (or, unless `throughReview`, until it flags the order). Returns what it did, with times in
 * seconds after submit.
 */
const runSaga = (
  start: readonly Order.OrderEvent[],
  wechat: { query: (atSeconds: number) => Observation; reverse: (atSeconds: number) => ReverseOutcome },
  options: { readonly throughReview?: boolean; readonly maxSteps?: number } = {},
): string[] => {
  let events = [...start];
  const trace: string[] = [];
  let now = at(0);
  const record = (command: Order.OrderCommand) => {
    const decided = Order.decide(command, fold(events));
    if (E.isLeft(decided)) throw new Error(`saga step refused: ${JSON.stringify(decided.left)}`);
    events = [...events, ...decided.right];
  };
  for (let i = 0; i < (options.maxSteps ?? 50); i += 1) {
    const s = Order.nextPayStep(fold(events));
    if ('dueAt' in s) now = s.dueAt;
    switch (s.kind) {
      case 'None':
        return trace;
      case 'Dispatch':
        throw new Error('the saga never dispatches a pay request it already recorded');
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
      case 'RequestReversal':
        trace.push(`request-reverse@${seconds(s.dueAt)}`);
        record({ type: 'RequestReversal', reason: 'Deadline', dueAt: s.dueAt, at: s.dueAt });
        break;
      case 'Reverse':
        trace.push(`reverse@${seconds(s.dueAt)}`);
        record({ type: 'RecordReversalResult', outcome: wechat.reverse(seconds(s.dueAt)), at: s.dueAt });
        break;
      case 'FlagForReview':
        trace.push(`review:${s.reason}`);
        record({ type: 'FlagForReview', reason: s.reason, detail: s.detail, at: now });
        if (!options.throughReview) return trace;
        break;
      case 'ResolveReview':
        trace.push(`resolved:${s.resolution}`);
        record({ type: 'ResolveReview', resolution: s.resolution, actor: 'janitor', note: s.note, at: now });
        break;
    }
  }
  throw new Error(`the saga did not finish: ${trace.join(' ')}`);
};

const afterUserPaying = [...history.paying];
const stillPaying = () => paying;

describe('Pay saga steps (nextPayStep)', () => {
  it('a submitted order is dispatched first', () => {
    expect(step([submitted])).toEqual({ kind: 'Dispatch' });
  });

  it('the first poll comes 5 s after the pay answer', () => {
    expect(step(history.paying)).toEqual({ kind: 'SchedulePoll', dueAt: at(6 * SECOND) });
  });

  it('a dispatch with no recorded answer (the process stopped) is polled 5 s after dispatch, never resent', () => {
    expect(step([submitted, dispatched])).toEqual({ kind: 'SchedulePoll', dueAt: at(5_100) });
  });

  it('a scheduled poll is a query due at its time', () => {
    const scheduled: Order.OrderEvent = {
      type: 'OrderPollScheduled',
      data: { dueAt: at(6 * SECOND), scheduledAt: at(SECOND) },
    };
    expect(step([...history.paying, scheduled])).toEqual({ kind: 'Query', dueAt: at(6 * SECOND) });
  });

  it('later polls come every 5 s after the last answer', () => {
    expect(step([...history.paying, recorded('query', paying, 6 * SECOND)])).toEqual({
      kind: 'SchedulePoll',
      dueAt: at(11 * SECOND),
    });
  });

  it('USERPAYING until the deadline: polls every 5 s, then the reverse is due at the 30 s deadline', () => {
    const trace = runSaga(afterUserPaying, { query: stillPaying, reverse: () => ({ kind: 'Accepted' }) });
    expect(trace.slice(0, 7)).toEqual([
      'query@6',
      'query@11',
      'query@16',
      'query@21',
      'query@26',
      'request-reverse@30',
      'reverse@30',
    ]);
  });

  it('an accepted reverse is confirmed by a query 1 s later, which settles the order', () => {
    const trace = runSaga(afterUserPaying, {
      query: (t) => (t > 30 ? revoked : paying),
      reverse: () => ({ kind: 'Accepted' }),
    });
    expect(trace.slice(-3)).toEqual(['request-reverse@30', 'reverse@30', 'query@31']);
  });

  it('the reverse is never earlier than 15 s after the pay request was sent, even with a short deadline', () => {
    const policy = { ...Order.defaultPayPolicy, deadlineMs: 8 * SECOND };
    const start = [
      { ...submitted, data: { ...submitted.data, policy } } as Order.OrderEvent,
      ...history.paying.slice(1),
    ];
    const trace = runSaga(start, {
      query: (t) => (t > 15 ? revoked : paying),
      reverse: () => ({ kind: 'Accepted' }),
    });
    // Dispatched at 0.1 s: the reverse is due at 15.1 s, not 15 s.
    expect(trace.slice(0, 3)).toEqual(['query@6', 'request-reverse@15.1', 'reverse@15.1']);
  });

  it('a paid answer during polling ends the saga', () => {
    const trace = runSaga(history.unknown, {
      query: (t) => (t >= 11 ? paid() : unknown),
      reverse: () => ({ kind: 'Accepted' }),
    });
    expect(trace).toEqual(['query@6', 'query@11']);
  });

  it('an unclear reverse is retried after 5 s and 10 s; the last 20 s are waited, then a query, then review', () => {
    const trace = runSaga(afterUserPaying, {
      query: stillPaying,
      reverse: () => ({ kind: 'Unknown', reason: '500 SYSTEM_ERROR' }),
    });
    expect(trace.slice(5)).toEqual([
      'request-reverse@30',
      'reverse@30',
      'reverse@35',
      'reverse@45',
      'query@65',
      'review:OutcomeUnclear',
    ]);
  });

  it('a reverse definitely refused each time is queried once more, then waits for an operator', () => {
    const trace = runSaga(afterUserPaying, {
      query: () => unknown,
      reverse: () => ({ kind: 'Rejected', code: 'INVALID_REQUEST', message: 'refused' }),
    });
    expect(trace.slice(-3)).toEqual(['reverse@45', 'query@65', 'review:ReversalFailed']);
  });

  it('an accepted reverse whose confirming query is inconclusive is retried with back-off', () => {
    const trace = runSaga(afterUserPaying, { query: stillPaying, reverse: () => ({ kind: 'Accepted' }) });
    expect(trace.slice(5)).toEqual([
      'request-reverse@30',
      'reverse@30',
      'query@31',
      'reverse@36',
      'query@37',
      'reverse@47',
      'query@48',
      'review:OutcomeUnclear',
    ]);
  });

  it('reverse and query both reporting not found end the saga with the order failed', () => {
    const trace = runSaga(afterUserPaying, {
      query: (t) => (t > 30 ? { kind: 'NotFound' } : paying),
      reverse: () => ({ kind: 'NotFound' }),
    });
    expect(trace.slice(-2)).toEqual(['reverse@30', 'query@31']);
  });

  it('a reversing order with no attempt yet reverses at its due time', () => {
    expect(step(history.reversing)).toEqual({ kind: 'Reverse', dueAt: at(30 * SECOND) });
  });

  it('a reversal attempt that was refused is retried at its next due time', () => {
    expect(step([...history.reversing, reversalAttempted(1, 'Unknown', 31 * SECOND, 36 * SECOND)])).toEqual({
      kind: 'Reverse',
      dueAt: at(36 * SECOND),
    });
  });

  it.each(['initial', 'succeeded', 'failed', 'reversed', 'closed', 'needsReview'] as const)(
    'an order %s has no saga step',
    (status) => {
      expect(step(status === 'initial' ? [] : history[status])).toEqual({ kind: 'None' });
    },
  );

  it('the default policy keeps to the API limits; a policy outside them is reported', () => {
    expect(Order.payPolicyProblems(Order.defaultPayPolicy)).toEqual([]);
    expect(
      Order.payPolicyProblems({
        ...Order.defaultPayPolicy,
        deadlineMs: 46_000,
        minReverseAfterMs: 14_999,
        pollIntervalMs: 0,
        reverseRetryDelaysMs: [],
      }),
    ).toHaveLength(4);
  });

  it('a saga step never depends on anything but the recorded events', () => {
    const events = [...history.paying, recorded('query', paying, 6 * SECOND)];
    expect(step(events)).toEqual(step(JSON.parse(JSON.stringify(events)) as Order.OrderEvent[]));
  });
});
