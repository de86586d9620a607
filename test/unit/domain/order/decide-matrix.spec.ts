import * as E from 'fp-ts/Either';
import { Order } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, at, hkd, refundNo } from '../shared/examples';
import { type StatusName, history, observe, paid, reserveRefund, submitPayment } from './examples';

/**
 * Every command in every status: what it records, or the typed error that refuses it. The other
 * decide specs cover what each legal transition records in detail; this table makes sure no
 * status/command pair is left unspecified, and that no refusal is an exception.
 */
const spec = DeciderSpecification.for(Order.orderDecider);
const T = 60 * SECOND;

const commands = {
  SubmitPayment: { ...submitPayment, requestFingerprint: 'another request' },
  RecordDispatch: { type: 'RecordDispatch', at: at(T) },
  AbandonUndispatched: { type: 'AbandonUndispatched', at: at(T) },
  PayAnswer: observe('pay', paid(), T),
  SchedulePoll: { type: 'SchedulePoll', dueAt: at(T + 5 * SECOND), at: at(T) },
  RequestReversal: { type: 'RequestReversal', reason: 'Deadline', dueAt: at(T), at: at(T) },
  RecordReversalResult: { type: 'RecordReversalResult', outcome: { kind: 'Accepted' }, at: at(T) },
  ResolveReview: { type: 'ResolveReview', resolution: 'Failed', actor: 'ops', note: 'x', at: at(T) },
  ReserveRefund: reserveRefund(refundNo(1), hkd(100), T),
  ReleaseRefund: { type: 'ReleaseRefund', outRefundNo: refundNo(1), reason: 'closed', at: at(T) },
  ConfirmRefund: { type: 'ConfirmRefund', outRefundNo: refundNo(1), amount: hkd(100), at: at(T) },
} satisfies Record<string, Order.OrderCommand>;
type CommandName = keyof typeof commands;

/** A string naming events (comma-separated, `-` for none) or, in brackets, the refusal's tag. */
const NOT_FOUND = '[OrderNotFound]';
const EXISTS = '[OrderAlreadyExists]';
const ILLEGAL = '[IllegalTransition]';
const DISPATCHED = '[AlreadyDispatched]';
const NO_RESERVATION = '[RefundReservationNotFound]';

const settled = (overrides: Partial<Record<CommandName, string>>): Record<CommandName, string> => ({
  SubmitPayment: EXISTS,
  RecordDispatch: DISPATCHED,
  AbandonUndispatched: DISPATCHED,
  PayAnswer: ILLEGAL,
  SchedulePoll: ILLEGAL,
  RequestReversal: ILLEGAL,
  RecordReversalResult: ILLEGAL,
  ResolveReview: ILLEGAL,
  ReserveRefund: ILLEGAL,
  ReleaseRefund: NO_RESERVATION,
  ConfirmRefund: NO_RESERVATION,
  ...overrides,
});

const unsettled = settled({ SchedulePoll: 'OrderPollScheduled', RequestReversal: 'OrderReversalRequested' });

const EXPECTED: Record<'initial' | StatusName, Record<CommandName, string>> = {
  initial: {
    SubmitPayment: 'OrderSubmitted',
    RecordDispatch: NOT_FOUND,
    AbandonUndispatched: NOT_FOUND,
    PayAnswer: NOT_FOUND,
    SchedulePoll: NOT_FOUND,
    RequestReversal: NOT_FOUND,
    RecordReversalResult: NOT_FOUND,
    ResolveReview: NOT_FOUND,
    ReserveRefund: NOT_FOUND,
    ReleaseRefund: NOT_FOUND,
    ConfirmRefund: NOT_FOUND,
  },
  submitted: settled({
    RecordDispatch: 'OrderDispatched',
    AbandonUndispatched: 'OrderFailed',
    PayAnswer: '[NotDispatched]',
    RequestReversal: '[NotDispatched]',
  }),
  dispatched: { ...unsettled, PayAnswer: 'OrderObservationRecorded,OrderSucceeded' },
  paying: unsettled,
  unknown: unsettled,
  succeeded: settled({ RequestReversal: 'OrderReversalRequested', ReserveRefund: 'RefundReserved' }),
  failed: settled({}),
  reversing: settled({ RequestReversal: '-', RecordReversalResult: 'OrderReversalAttempted' }),
  reversed: settled({ RequestReversal: '-' }),
  closed: settled({}),
  needsReview: settled({ ResolveReview: 'OrderReviewResolved' }),
};

const rows = Object.entries(EXPECTED).flatMap(([status, byCommand]) =>
  Object.entries(byCommand).map(([command, expected]) => ({ status, command, expected })),
);

describe('Order decide: every command in every status', () => {
  it.each(rows)('$command in $status → $expected', ({ status, command, expected }) => {
    const given = status === 'initial' ? [] : history[status as StatusName];
    const outcome = spec.given(given).when(commands[command as CommandName]);
    if (expected.startsWith('[')) outcome.thenFails(expected.slice(1, -1) as never);
    else if (expected === '-') outcome.thenNothingHappens();
    else outcome.thenEvents((events) => expect(events.map((e) => e.type).join(',')).toBe(expected));
  });

  it('no command throws, in any status', () => {
    for (const status of Object.keys(EXPECTED)) {
      const given = status === 'initial' ? [] : history[status as StatusName];
      const state = given.reduce(Order.evolve, Order.initialState());
      for (const command of Object.values(commands)) {
        expect(() => E.isLeft(Order.decide(command, state))).not.toThrow();
      }
    }
  });
});
