import fc from 'fast-check';
import { Refund } from '../../../../src/domain';
import { refundCommandsArb } from '../../../support/arbitraries';
import { refundMachine, runCommands } from '../../../properties/run-commands';
import { SECOND, at, hkd } from '../shared/examples';
import {
  abnormalObs,
  closedObs,
  notFoundObs,
  observe,
  processing,
  rejectedObs,
  requestRefund,
  succeededObs,
  unknownObs,
} from './examples';

/** Entries the table permits but `decide` never records, and why. */
const PERMITTED_NEVER_DECIDED: Readonly<Record<string, string>> = {
  'Unknown:RefundOutcomeUnknown': 'a refund already Unknown stays so without a second event',
};

const dispatch = (ms: number): Refund.RefundCommand => ({ type: 'RecordDispatch', at: at(ms) });
const poll = (ms: number): Refund.RefundCommand => ({
  type: 'SchedulePoll',
  dueAt: at(ms + 5 * SECOND),
  at: at(ms),
});
const submitLater = (ms: number): Refund.RefundCommand => ({
  type: 'ScheduleSubmit',
  dueAt: at(ms + 60 * SECOND),
  reason: 'spacing',
  at: at(ms),
});
const flag = (ms: number): Refund.RefundCommand => ({
  type: 'FlagForReview',
  reason: 'SourcesDisagree',
  detail: 'x',
  at: at(ms),
});
const unclear = [requestRefund, dispatch(0), observe('submit', unknownObs, SECOND)];
const accepted = [requestRefund, dispatch(0), observe('submit', processing, SECOND)];

/** Ordinary lives of a refund, from each status it can be in. */
const scenarios: Refund.RefundCommand[][] = [
  [requestRefund, submitLater(0), poll(0), flag(SECOND)],
  [...unclear, poll(2 * SECOND), submitLater(3 * SECOND), dispatch(4 * SECOND), flag(5 * SECOND)],
  ...[processing, succeededObs(), succeededObs(hkd(1)), closedObs, abnormalObs].flatMap((o) => [
    [requestRefund, observe('query', o, SECOND)],
    [...unclear, observe('query', o, 2 * SECOND)],
  ]),
  [
    requestRefund,
    dispatch(0),
    observe('submit', rejectedObs, SECOND),
    observe('query', succeededObs(), 2 * SECOND),
  ],
  [
    ...accepted,
    poll(2 * SECOND),
    observe('query', succeededObs(), 3 * SECOND),
    observe('query', notFoundObs, 4 * SECOND),
  ],
  [...accepted, observe('query', closedObs, 3 * SECOND), observe('query', succeededObs(), 4 * SECOND)],
  [...accepted, observe('query', abnormalObs, 3 * SECOND), observe('query', succeededObs(), 4 * SECOND)],
  [...accepted, observe('query', abnormalObs, 3 * SECOND), observe('query', closedObs, 4 * SECOND)],
  [
    ...accepted,
    flag(2 * SECOND),
    { type: 'ResolveReview', resolution: 'Succeeded', actor: 'ops', note: 'x', at: at(3 * SECOND) },
  ],
];

const reachedEntries = (): Set<string> => {
  const reached = new Set<string>();
  const runs = [...fc.sample(refundCommandsArb(40), { numRuns: 5_000, seed: 20260302 }), ...scenarios];
  for (const commands of runs) {
    for (const { before, event } of runCommands(refundMachine, commands).steps)
      reached.add(`${before.status}:${event.type}`);
  }
  return reached;
};

const tableEntries = Object.entries(Refund.REFUND_TRANSITIONS).flatMap(([status, types]) =>
  types.map((t) => `${status}:${t}`),
);

describe('Refund transitions (the state machine as data)', () => {
  const reached = reachedEntries();

  it('every entry of REFUND_TRANSITIONS is reached by decide, or is explained', () => {
    expect(
      tableEntries.filter((entry) => !reached.has(entry) && !(entry in PERMITTED_NEVER_DECIDED)),
    ).toEqual([]);
  });

  it('every explanation names an entry that is in the table and really never decided', () => {
    for (const entry of Object.keys(PERMITTED_NEVER_DECIDED)) {
      expect(tableEntries).toContain(entry);
      expect(reached.has(entry)).toBe(false);
    }
  });

  it('a refund is created only from nothing, and only by RefundRequested', () => {
    expect(Refund.REFUND_TRANSITIONS.Initial).toEqual(['RefundRequested']);
    expect(tableEntries.filter((e) => e.endsWith(':RefundRequested'))).toEqual(['Initial:RefundRequested']);
  });

  it('every event type appears in the table', () => {
    const types = new Set(tableEntries.map((e) => e.split(':')[1]));
    expect([...types].sort()).toEqual(Refund.REFUND_EVENTS.map((d) => d.type).sort());
  });

  // NeedsReview allows a dispatch only for the janitor's resubmission of a refund WeChat never
  // accepted; the decider enforces that (test/unit/domain/refund/janitor.spec.ts).
  it('an accepted refund is never submitted again', () => {
    for (const status of ['Processing', 'Abnormal', 'Succeeded', 'Closed', 'Rejected'] as const) {
      expect(Refund.REFUND_TRANSITIONS[status]).not.toContain('RefundDispatched');
    }
  });

  it('a final refund can only record answers and review', () => {
    for (const status of ['Succeeded', 'Closed', 'Rejected'] as const) {
      expect([...Refund.REFUND_TRANSITIONS[status]].sort()).toEqual([
        'RefundFlaggedForReview',
        'RefundObservationRecorded',
      ]);
    }
  });
});
