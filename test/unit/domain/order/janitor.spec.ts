import * as E from 'fp-ts/Either';
import { Order, janitorDelayMs } from '../../../../src/domain';
import { DeciderSpecification } from '../../../support/given-when-then';
import { SECOND, T0, at, hkd } from '../shared/examples';
import {
  closed,
  flagged,
  history,
  observe,
  paid,
  payFailed,
  paying,
  recorded,
  reversalAttempted,
  revoked,
  unknown,
} from './examples';

type Event = Order.OrderEvent;
type ReverseOutcome = Extract<Order.OrderCommand, { type: 'RecordReversalResult' }>['outcome'];

const spec = DeciderSpecification.for(Order.orderDecider);
const fold = (events: readonly Event[]) => events.reduce(Order.evolve, Order.initialState());
const step = (events: readonly Event[]) => Order.nextPayStep(fold(events));
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const decided = (events: readonly Event[], command: Order.OrderCommand): Event[] => {
  const r = Order.decide(command, fold(events));
  if (E.isLeft(r)) throw new Error(`refused: ${JSON.stringify(r.left)}`);
  return [...events, ...r.right];
};
const reverseResult = (outcome: ReverseOutcome, ms: number): Order.OrderCommand => ({
  type: 'RecordReversalResult',
  outcome,
  at: at(ms),
});
const UNCLEAR: ReverseOutcome = { kind: 'Unknown', reason: '500 SYSTEM_ERROR' };

/** A reverse started at 30 s; three unclear attempts at 30, 35 and 45 s (retries after 5 and 10 s). */
const exhausted: Event[] = [
  ...history.reversing,
  reversalAttempted(1, 'Unknown', 30 * SECOND, 35 * SECOND),
  reversalAttempted(2, 'Unknown', 35 * SECOND, 45 * SECOND),
  reversalAttempted(3, 'Unknown', 45 * SECOND, 65 * SECOND),
];
/** ... and the query before the flag was unclear too: the janitor's review. */
const inReview: Event[] = [
  ...exhausted,
  recorded('query', unknown, 65 * SECOND),
  flagged('OutcomeUnclear', 65 * SECOND, 'unclear'),
];
const FLAGGED_AT = 65 * SECOND;

describe('Pay saga: unclear reverse answers never exhaust it', () => {
  it('the last retry delay is recorded and waited: after the third unclear attempt a query is due 20 s later', () => {
    spec
      .given(exhausted.slice(0, -1))
      .when(reverseResult(UNCLEAR, 45 * SECOND))
      .thenEvents((events) =>
        expect(events).toEqual([
          expect.objectContaining({
            type: 'OrderReversalAttempted',
            data: expect.objectContaining({ attempt: 3, nextDueAt: at(65 * SECOND) }) as unknown,
          }),
        ]),
      );
    expect(step(exhausted)).toEqual({ kind: 'Query', dueAt: at(65 * SECOND) });
  });

  it.each([
    ['REVOKED', revoked, 'OrderReversed', 'Reversed'],
    ['CLOSED', closed, 'OrderClosed', 'Closed'],
    ['PAYERROR', payFailed, 'OrderFailed', 'Failed'],
  ] as const)(
    'the query before the flag answering %s settles the order: no review',
    (_, answer, type, status) => {
      const events = spec
        .given(exhausted)
        .when(observe('query', answer, 65 * SECOND))
        .thenEvents((e) => expect(e.map((x) => x.type)).toEqual(['OrderObservationRecorded', type]));
      const after = fold([...exhausted, ...events]);
      expect(after.status).toBe(status);
      expect(Order.nextPayStep(after)).toEqual({ kind: 'None' });
    },
  );

  it('the query before the flag finding the customer has now paid reverses again (which refunds them)', () => {
    const afterQuery = decided(exhausted, observe('query', paid(), 65 * SECOND));
    expect(fold(afterQuery).status).toBe('Reversing');
    expect(step(afterQuery)).toEqual({ kind: 'Reverse', dueAt: at(65 * SECOND) });
    const accepted = decided(afterQuery, reverseResult({ kind: 'Accepted' }, 65 * SECOND));
    expect(step(accepted)).toEqual({ kind: 'Query', dueAt: at(66 * SECOND) });
    expect(fold(decided(accepted, observe('query', revoked, 66 * SECOND))).status).toBe('Reversed');
  });

  it('that extra reverse is made once: still unclear after it and its query, the order goes to the janitor', () => {
    const afterQuery = decided(exhausted, observe('query', paid(), 65 * SECOND));
    const again = decided(afterQuery, reverseResult(UNCLEAR, 65 * SECOND));
    expect(step(again)).toEqual({ kind: 'Query', dueAt: at(85 * SECOND) });
    expect(step(decided(again, observe('query', paid(), 85 * SECOND)))).toMatchObject({
      kind: 'FlagForReview',
      reason: 'OutcomeUnclear',
    });
  });

  it('a notification arriving before that query does not replace it: the query is still made', () => {
    const notified = [...exhausted, recorded('notification', paying, 50 * SECOND)];
    expect(step(notified)).toEqual({ kind: 'Query', dueAt: at(65 * SECOND) });
  });

  it('only when the query before the flag is unclear too is the order flagged OutcomeUnclear', () => {
    expect(step([...exhausted, recorded('query', unknown, 65 * SECOND)])).toEqual({
      kind: 'FlagForReview',
      reason: 'OutcomeUnclear',
      detail: 'reverse not confirmed after 3 attempt(s); last outcome Unknown, last query Unknown',
    });
  });
});

describe('The janitor for orders', () => {
  it('an OutcomeUnclear review of an order we were reversing: the reverse again after 1 min, then a confirming query', () => {
    expect(step(inReview)).toEqual({ kind: 'Reverse', dueAt: at(FLAGGED_AT + MINUTE) });
    const reversed = decided(inReview, reverseResult(UNCLEAR, FLAGGED_AT + MINUTE));
    expect(fold(reversed).status).toBe('NeedsReview');
    expect(step(reversed)).toEqual({ kind: 'Query', dueAt: at(FLAGGED_AT + MINUTE + SECOND) });
  });

  it('keeps to the janitor schedule (1, 5, 30 min, then hourly) until it is exhausted after about 7 days', () => {
    let events = inReview;
    const queries: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      const next = step(events);
      if (next.kind === 'None') break;
      if (next.kind === 'Reverse')
        events = decided(events, reverseResult(UNCLEAR, Date.parse(next.dueAt) - Date.parse(T0)));
      else if (next.kind === 'Query') {
        const ms = Date.parse(next.dueAt) - Date.parse(T0);
        queries.push(ms);
        events = decided(events, observe('query', unknown, ms));
      } else throw new Error(`unexpected step ${next.kind}`);
    }
    expect(step(events)).toEqual({ kind: 'None' });
    expect(fold(events).status).toBe('NeedsReview');
    // Each query comes its schedule's delay after the previous attempt (plus the confirming second).
    const gaps = queries.map((q, i) => q - (i === 0 ? FLAGGED_AT : (queries[i - 1] ?? 0)));
    expect(gaps.slice(0, 4)).toEqual([
      MINUTE + SECOND,
      5 * MINUTE + SECOND,
      30 * MINUTE + SECOND,
      HOUR + SECOND,
    ]);
    expect(queries).toHaveLength(
      Array.from({ length: 1000 }, (_, n) => janitorDelayMs(n, 'order')).filter((d) => d !== undefined)
        .length,
    );
  });

  it('an order in review for an unclear outcome that was not being reversed is only queried', () => {
    const events = [...history.unknown, flagged('OutcomeUnclear', 40 * SECOND)];
    expect(step(events)).toEqual({ kind: 'Query', dueAt: at(40 * SECOND + MINUTE) });
  });

  it('no reverse is sent more than 7 days after the pay request: the janitor only queries then', () => {
    const late = [...exhausted, flagged('OutcomeUnclear', 7 * DAY)];
    expect(step(late)).toEqual({ kind: 'Query', dueAt: at(7 * DAY + MINUTE) });
  });

  it.each([
    ['REVOKED', revoked, 'Reversed'],
    ['CLOSED', closed, 'Closed'],
    ['PAYERROR', payFailed, 'Failed'],
  ] as const)(
    'a verified %s answer resolves the review automatically, the recorded answer being its evidence',
    (_, answer, resolution) => {
      const reversed = decided(inReview, reverseResult({ kind: 'Accepted' }, FLAGGED_AT + MINUTE));
      const evidence = decided(reversed, observe('query', answer, FLAGGED_AT + MINUTE + SECOND));
      const next = step(evidence);
      expect(next).toMatchObject({ kind: 'ResolveReview', resolution });
      if (next.kind !== 'ResolveReview') return;
      expect(next.note).toContain(`query answer at ${at(FLAGGED_AT + MINUTE + SECOND)}`);
      spec
        .given(evidence)
        .when({
          type: 'ResolveReview',
          resolution,
          actor: 'janitor',
          note: next.note,
          at: at(FLAGGED_AT + 62 * SECOND),
        })
        .then([
          {
            type: 'OrderReviewResolved',
            data: { resolution, actor: 'janitor', note: next.note, resolvedAt: at(FLAGGED_AT + 62 * SECOND) },
          },
        ]);
      const resolved = decided(evidence, {
        type: 'ResolveReview',
        resolution,
        actor: 'janitor',
        note: next.note,
        at: at(FLAGGED_AT + 62 * SECOND),
      });
      expect(fold(resolved).status).toBe(resolution);
      expect(step(resolved)).toEqual({ kind: 'None' });
    },
  );

  it('its reverse and query both finding no such order resolve it as Failed: the pay never created one', () => {
    const reversed = decided(inReview, reverseResult({ kind: 'NotFound' }, FLAGGED_AT + MINUTE));
    const evidence = decided(reversed, observe('query', { kind: 'NotFound' }, FLAGGED_AT + MINUTE + SECOND));
    expect(step(evidence)).toMatchObject({ kind: 'ResolveReview', resolution: 'Failed' });
  });

  it('a verified notification is evidence too: no need to wait for the next query', () => {
    const notified = decided(inReview, observe('notification', revoked, FLAGGED_AT + 10 * SECOND));
    expect(step(notified)).toMatchObject({ kind: 'ResolveReview', resolution: 'Reversed' });
  });

  it('paid while we were reversing is not a resolution: the next round reverses it, which refunds the customer', () => {
    const reversed = decided(inReview, reverseResult(UNCLEAR, FLAGGED_AT + MINUTE));
    const paidNow = decided(reversed, observe('query', paid(), FLAGGED_AT + MINUTE + SECOND));
    expect(step(paidNow)).toEqual({ kind: 'Reverse', dueAt: at(FLAGGED_AT + MINUTE + SECOND + 5 * MINUTE) });
  });

  it('paid, for an order that was not being reversed, resolves it as Succeeded with WeChat’s transaction', () => {
    const events = [...history.unknown, flagged('OutcomeUnclear', 40 * SECOND)];
    const evidence = decided(events, observe('query', paid(), 100 * SECOND));
    expect(step(evidence)).toMatchObject({ kind: 'ResolveReview', resolution: 'Succeeded' });
  });

  it('unclear or still-paying answers leave it to the schedule', () => {
    const reversed = decided(inReview, reverseResult(UNCLEAR, FLAGGED_AT + MINUTE));
    for (const answer of [unknown, paying, { kind: 'NotFound' } as const]) {
      expect(step(decided(reversed, observe('query', answer, FLAGGED_AT + MINUTE + SECOND)))).toMatchObject({
        kind: 'Reverse',
      });
    }
  });
});

describe('Contradictions still wait for an operator', () => {
  it.each([
    'AmountMismatch',
    'PaidAfterReversal',
    'PaidAfterFailure',
    'SourcesDisagree',
    'ReversalFailed',
  ] as const)('an order in review for %s has no saga step, whatever WeChat answers later', (reason) => {
    const events = [...exhausted, flagged(reason, FLAGGED_AT)];
    expect(step(events)).toEqual({ kind: 'None' });
    expect(step(decided(events, observe('query', revoked, FLAGGED_AT + HOUR)))).toEqual({ kind: 'None' });
  });

  it('the janitor may not reverse an order whose review is a contradiction', () => {
    spec
      .given([...exhausted, flagged('SourcesDisagree', FLAGGED_AT)])
      .when(reverseResult({ kind: 'Accepted' }, FLAGGED_AT + MINUTE))
      .thenFails('IllegalTransition');
  });

  it('an answer the janitor gets that contradicts the order (another amount) turns the review into an operator’s', () => {
    const events = spec
      .given(inReview)
      .when(observe('query', paid(hkd(1)), FLAGGED_AT + MINUTE))
      .thenEvents((e) =>
        expect(e.map((x) => [x.type, 'reason' in x.data ? x.data.reason : undefined])).toEqual([
          ['OrderObservationRecorded', undefined],
          ['OrderFlaggedForReview', 'AmountMismatch'],
        ]),
      );
    expect(step([...inReview, ...events])).toEqual({ kind: 'None' });
  });
});
