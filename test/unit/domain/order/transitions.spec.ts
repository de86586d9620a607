import fc from 'fast-check';
import { Order } from '../../../../src/domain';
import { orderCommandsArb } from '../../../support/arbitraries';
import { orderMachine, runCommands } from '../../../properties/run-commands';
import { SECOND, at, hkd, refundNo } from '../shared/examples';
import { observe, paid, reserveRefund, submitPayment } from './examples';

/**
 * Entries the table permits but `decide` never records, and why. The table is one list for the
 * three unsettled statuses, which is simpler to read and to check on replay than three lists.
 */
const PERMITTED_NEVER_DECIDED: Readonly<Record<string, string>> = {
  'Paying:OrderPaying': 'decide records OrderPaying only when the order is not Paying already',
  'Paying:OrderOutcomeUnknown':
    'an unclear answer never undoes Paying: only a Submitted order becomes Unknown',
  'Unknown:OrderOutcomeUnknown': 'an order already Unknown stays so without a second event',
};

const dispatch: Order.OrderCommand = { type: 'RecordDispatch', at: at(100) };
const paying = observe('pay', { kind: 'Paying', tradeState: 'USERPAYING' }, SECOND);
const confirm = (ms: number): Order.OrderCommand => ({
  type: 'ConfirmRefund',
  outRefundNo: refundNo(1),
  amount: hkd(100),
  at: at(ms),
});

/** Ordinary lives, and paths random runs seldom take (a reservation outliving a review). */
const scenarios: Order.OrderCommand[][] = [
  [submitPayment, dispatch, paying, observe('query', paid(), 6 * SECOND)],
  [submitPayment, dispatch, paying, observe('query', { kind: 'Closed' }, 6 * SECOND)],
  [
    submitPayment,
    dispatch,
    observe('pay', paid(), SECOND),
    reserveRefund(refundNo(1), hkd(100), 2 * SECOND),
    confirm(3 * SECOND),
  ],
  [
    submitPayment,
    dispatch,
    observe('pay', paid(), SECOND),
    reserveRefund(refundNo(1), hkd(100), 2 * SECOND),
    { type: 'FlagForReview', reason: 'SourcesDisagree', detail: 'x', at: at(3 * SECOND) },
    confirm(4 * SECOND),
  ],
  // The janitor reverses again an order it reviews for an unclear outcome.
  [
    submitPayment,
    dispatch,
    paying,
    { type: 'RequestReversal', reason: 'Deadline', dueAt: at(30 * SECOND), at: at(30 * SECOND) },
    {
      type: 'RecordReversalResult',
      outcome: { kind: 'Unknown', reason: 'timeout' },
      at: at(30 * SECOND),
    },
    { type: 'FlagForReview', reason: 'OutcomeUnclear', detail: 'x', at: at(60 * SECOND) },
    { type: 'RecordReversalResult', outcome: { kind: 'Accepted' }, at: at(120 * SECOND) },
  ],
  ...(['Failed', 'Reversed', 'Closed'] as const).flatMap((resolution) =>
    (['ReleaseRefund', 'ConfirmRefund'] as const).map((settle): Order.OrderCommand[] => [
      submitPayment,
      dispatch,
      observe('pay', paid(), SECOND),
      reserveRefund(refundNo(1), hkd(100), 2 * SECOND),
      { type: 'FlagForReview', reason: 'SourcesDisagree', detail: 'x', at: at(3 * SECOND) },
      { type: 'ResolveReview', resolution, actor: 'ops', note: 'x', at: at(4 * SECOND) },
      settle === 'ReleaseRefund'
        ? { type: settle, outRefundNo: refundNo(1), reason: 'closed', at: at(5 * SECOND) }
        : confirm(5 * SECOND),
    ]),
  ),
];

const reachedEntries = (): Set<string> => {
  const reached = new Set<string>();
  const runs = [...fc.sample(orderCommandsArb(40), { numRuns: 5_000, seed: 20260302 }), ...scenarios];
  for (const commands of runs) {
    for (const { before, event } of runCommands(orderMachine, commands).steps)
      reached.add(`${before.status}:${event.type}`);
  }
  return reached;
};

const tableEntries = Object.entries(Order.ORDER_TRANSITIONS).flatMap(([status, types]) =>
  types.map((t) => `${status}:${t}`),
);

describe('Order transitions (the state machine as data)', () => {
  const reached = reachedEntries();

  it('every entry of ORDER_TRANSITIONS is reached by decide, or is explained', () => {
    const unexplained = tableEntries.filter(
      (entry) => !reached.has(entry) && !(entry in PERMITTED_NEVER_DECIDED),
    );
    expect(unexplained).toEqual([]);
  });

  it('every explanation names an entry that is in the table and really never decided', () => {
    for (const entry of Object.keys(PERMITTED_NEVER_DECIDED)) {
      expect(tableEntries).toContain(entry);
      expect(reached.has(entry)).toBe(false);
    }
  });

  it('an order is created only from nothing, and only by OrderSubmitted', () => {
    expect(Order.ORDER_TRANSITIONS.Initial).toEqual(['OrderSubmitted']);
    expect(tableEntries.filter((e) => e.endsWith(':OrderSubmitted'))).toEqual(['Initial:OrderSubmitted']);
  });

  it('every event type appears in the table', () => {
    const types = new Set(tableEntries.map((e) => e.split(':')[1]));
    expect([...types].sort()).toEqual(Order.ORDER_EVENTS.map((d) => d.type).sort());
  });

  it('a final order can only record answers, review, and the end of refunds already reserved', () => {
    for (const status of ['Failed', 'Reversed', 'Closed'] as const) {
      expect([...Order.ORDER_TRANSITIONS[status]].sort()).toEqual(
        [
          'OrderFlaggedForReview',
          'OrderObservationRecorded',
          'RefundConfirmed',
          'RefundReservationReleased',
        ].sort(),
      );
    }
  });

  it('refunds are reserved only on a Succeeded order', () => {
    expect(tableEntries.filter((e) => e.endsWith(':RefundReserved'))).toEqual(['Succeeded:RefundReserved']);
  });

  it('isAllowed reads the table for the state’s status', () => {
    expect(Order.isAllowed(Order.initialState(), 'OrderSubmitted')).toBe(true);
    expect(Order.isAllowed(Order.initialState(), 'OrderDispatched')).toBe(false);
  });
});
