import { Refund } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at } from '../shared/examples';
import * as X from './examples';

/**
 * Every refund command in every status, and every kind of answer in every status: what it
 * records, or the typed error that refuses it. `decide.spec.ts` says why for the interesting cells.
 */
const spec = DeciderSpecification.for(Refund.refundDecider);
const T = 2 * 60 * SECOND;

const commands = {
  RequestRefund: { ...X.requestRefund, requestFingerprint: 'another request' },
  RecordDispatch: { type: 'RecordDispatch', at: at(T) },
  SubmitAnswer: X.observe('submit', X.processing, T),
  ScheduleSubmit: { type: 'ScheduleSubmit', dueAt: at(T + 60 * SECOND), reason: 'spacing', at: at(T) },
  SchedulePoll: { type: 'SchedulePoll', dueAt: at(T + 60 * SECOND), at: at(T) },
  ResolveReview: { type: 'ResolveReview', resolution: 'Closed', actor: 'ops', note: 'x', at: at(T) },
} satisfies Record<string, Refund.RefundCommand>;
type CommandName = keyof typeof commands;

const answers = {
  PROCESSING: X.processing,
  SUCCESS: X.succeededObs(),
  'SUCCESS(other amount)': X.succeededObs(X.ORDER_TOTAL),
  CLOSED: X.closedObs,
  ABNORMAL: X.abnormalObs,
  REJECTED: X.rejectedObs,
  OUT_REFUND_NO_USED: X.numberUsedObs,
  RETRYABLE: X.retryableObs,
  NOT_FOUND: X.notFoundObs,
  UNCLEAR: X.unknownObs,
} satisfies Record<string, Refund.RefundObservation>;
type AnswerName = keyof typeof answers;

const ILLEGAL = '[IllegalTransition]';
const FLAG = 'RefundFlaggedForReview';
const ONLY = '-';

const final = (overrides: Partial<Record<CommandName | AnswerName, string>>) => ({
  RequestRefund: '[RefundAlreadyExists]',
  RecordDispatch: ILLEGAL,
  SubmitAnswer: ILLEGAL,
  ScheduleSubmit: ILLEGAL,
  SchedulePoll: ILLEGAL,
  ResolveReview: ILLEGAL,
  PROCESSING: ONLY,
  SUCCESS: ONLY,
  'SUCCESS(other amount)': ONLY,
  CLOSED: ONLY,
  ABNORMAL: ONLY,
  REJECTED: ONLY,
  OUT_REFUND_NO_USED: ONLY,
  RETRYABLE: ONLY,
  NOT_FOUND: ONLY,
  UNCLEAR: ONLY,
  ...overrides,
});

const beforeAcceptance = final({
  RecordDispatch: 'RefundDispatched',
  ScheduleSubmit: 'RefundSubmitScheduled',
  SchedulePoll: 'RefundPollScheduled',
  PROCESSING: 'RefundProcessing',
  SUCCESS: 'RefundSucceeded',
  'SUCCESS(other amount)': FLAG,
  CLOSED: 'RefundClosed',
  ABNORMAL: 'RefundAbnormal',
  OUT_REFUND_NO_USED: FLAG,
  UNCLEAR: 'RefundOutcomeUnknown',
});

/** For answers, the event after the recorded answer (`-`: the answer is only recorded). */
const EXPECTED: Record<X.RefundStatusName, Record<CommandName | AnswerName, string>> = {
  requested: beforeAcceptance,
  dispatched: { ...beforeAcceptance, SubmitAnswer: 'RefundObservationRecorded,RefundProcessing' },
  unknown: { ...beforeAcceptance, UNCLEAR: ONLY },
  processing: final({
    SchedulePoll: 'RefundPollScheduled',
    SUCCESS: 'RefundSucceeded',
    'SUCCESS(other amount)': FLAG,
    CLOSED: 'RefundClosed',
    ABNORMAL: 'RefundAbnormal',
    NOT_FOUND: FLAG,
  }),
  abnormal: final({
    SUCCESS: 'RefundSucceeded',
    'SUCCESS(other amount)': FLAG,
    CLOSED: 'RefundClosed',
    NOT_FOUND: FLAG,
  }),
  succeeded: final({ 'SUCCESS(other amount)': FLAG, CLOSED: FLAG, ABNORMAL: FLAG, NOT_FOUND: FLAG }),
  closed: final({ SUCCESS: FLAG, 'SUCCESS(other amount)': FLAG }),
  rejected: final({ SUCCESS: FLAG, 'SUCCESS(other amount)': FLAG, PROCESSING: FLAG, ABNORMAL: FLAG }),
  needsReview: final({ ResolveReview: 'RefundReviewResolved' }),
};

const rows = Object.entries(EXPECTED).flatMap(([status, byInput]) =>
  Object.entries(byInput).map(([input, expected]) => ({ status, input, expected })),
);

describe('Refund decide: every command and answer in every status', () => {
  it.each(rows)('$input in $status → $expected', ({ status, input, expected }) => {
    const given = X.history[status as X.RefundStatusName];
    const isAnswer = input in answers;
    const command = isAnswer
      ? X.observe('query', answers[input as AnswerName], T)
      : commands[input as CommandName];
    const outcome = spec.given(given).when(command);
    if (expected.startsWith('[')) {
      outcome.thenFails(expected.slice(1, -1) as never);
      return;
    }
    outcome.thenEvents((events) => {
      const types = events.map((e) => e.type);
      if (!isAnswer) expect(types.join(',') || ONLY).toBe(expected);
      else {
        expect(types[0]).toBe('RefundObservationRecorded');
        expect(types.slice(1).join(',') || ONLY).toBe(expected);
      }
    });
  });

  it('any command on a refund that does not exist is refused, whatever it is', () => {
    for (const [name, command] of Object.entries(commands)) {
      if (name === 'RequestRefund') continue;
      spec.given([]).when(command).thenFails('RefundNotFound');
    }
    spec
      .given([])
      .when(X.observe('query', X.processing, T))
      .thenFails('RefundNotFound');
  });
});
