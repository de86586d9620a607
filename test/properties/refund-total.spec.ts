import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { createMemoryEventStore } from '../../src/adapters/memory/event-store';
import { OrderAggregate } from '../../src/application/aggregate';
import { type CommandContext, handleCommand } from '../../src/application/command-handler';
import { Order, orderStreamId, unsafeMoney } from '../../src/domain';
import type { EventStore } from '../../src/ports';
import { orderCommandsArb, refundReservationCommandsArb } from '../support/arbitraries';
import { observe, paid, submitPayment } from '../unit/domain/order/examples';
import { T0, at, outTradeNo, refundNo, subMchid } from '../unit/domain/shared/examples';
import { orderMachine, runCommands } from './run-commands';

/**
 * Property (a), the money invariant: the sum of refunds not released (reserved + confirmed) never
 * exceeds the order's paid total. The ledger is rebuilt from the events alone, independently of
 * the decider's own bookkeeping, and checked after every event.
 */
const PURE_RUNS = 2_000;
/** Generous: the runs are many, and the machine may be shared; jest's default is 30 s. */
const PROPERTY_TIMEOUT_MS = 120_000;
const RACE_RUNS = 1_000;

/** Outstanding refunds by number, from the events: reserved adds, released removes, confirmed keeps. */
const outstandingFrom = (events: readonly Order.OrderEvent[]) => {
  const outstanding = new Map<string, number>();
  let paidTotal: number | undefined;
  for (const e of events) {
    if (e.type === 'OrderSucceeded') paidTotal = e.data.amount.amount;
    if (e.type === 'OrderObservationRecorded' && e.data.observation.kind === 'Paid') {
      paidTotal ??= e.data.observation.amount.amount;
    }
    if (e.type === 'RefundReserved') {
      expect(outstanding.has(e.data.outRefundNo)).toBe(false);
      outstanding.set(e.data.outRefundNo, e.data.amount.amount);
    }
    if (e.type === 'RefundReservationReleased') outstanding.delete(e.data.outRefundNo);
  }
  return { paidTotal, sum: [...outstanding.values()].reduce((a, b) => a + b, 0) };
};

const holdsAfterEveryEvent = (events: readonly Order.OrderEvent[]): void => {
  for (let i = 1; i <= events.length; i += 1) {
    const { paidTotal, sum } = outstandingFrom(events.slice(0, i));
    if (sum > 0) {
      expect(paidTotal).toBeDefined();
      expect(sum).toBeLessThanOrEqual(paidTotal ?? 0);
    }
  }
};

const paidOrder: Order.OrderCommand[] = [
  submitPayment,
  { type: 'RecordDispatch', at: at(100) },
  observe('pay', paid(), 1_000),
];

describe('refunds never exceed the paid total', () => {
  it(
    `under any interleaving of reserve, release and confirm on a paid order (${PURE_RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(refundReservationCommandsArb(60), (commands) => {
          const { steps } = runCommands(orderMachine, [...paidOrder, ...commands]);
          holdsAfterEveryEvent(steps.map((s) => s.event));
        }),
        { numRuns: PURE_RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `under any sequence of order commands at all, reviews included (${PURE_RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(orderCommandsArb(60), (commands) => {
          holdsAfterEveryEvent(runCommands(orderMachine, commands).steps.map((s) => s.event));
        }),
        { numRuns: PURE_RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(`with handlers racing on the same order stream through the in-memory store (${RACE_RUNS} runs)`, async () => {
    let conflicts = 0;
    const counting = (store: EventStore): EventStore => ({
      ...store,
      append: (streamId, events, expected) => async () => {
        const result = await store.append(streamId, events, expected)();
        if (E.isLeft(result) && result.left._tag === 'WrongExpectedVersion') conflicts += 1;
        return result;
      },
    });
    const streamId = orderStreamId(subMchid, outTradeNo);
    const retry = { attempts: 4, initialDelayMs: 0, factor: 1 };
    let run = 0;

    const racingCommand = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1, 2_500, 3_333, 5_000, 9_999, 10_000))
          .map(([n, amount]): Order.OrderCommand => ({
            type: 'ReserveRefund',
            outRefundNo: refundNo(n),
            amount: unsafeMoney(amount, 'HKD'),
            requestFingerprint: `fp-${n}-${amount}`,
            at: at(2_000),
          })),
      },
      {
        weight: 2,
        arbitrary: fc.integer({ min: 1, max: 8 }).map((n): Order.OrderCommand => ({
          type: 'ReleaseRefund',
          outRefundNo: refundNo(n),
          reason: 'closed',
          at: at(3_000),
        })),
      },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(racingCommand, { minLength: 2, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        async (batches) => {
          run += 1;
          const store = counting(createMemoryEventStore());
          const context = (id: string): CommandContext => ({
            commandId: `run-${run}-${id}`,
            correlationId: `corr-${run}`,
            causationId: `cause-${id}`,
            actor: 'test',
            now: T0,
          });
          for (const [i, command] of paidOrder.entries()) {
            const seeded = await handleCommand(
              store,
              OrderAggregate,
              streamId,
              command,
              context(`seed-${i}`),
            )();
            expect(E.isRight(seeded)).toBe(true);
          }
          for (const [b, batch] of batches.entries()) {
            const results = await Promise.all(
              batch.map((command, i) =>
                handleCommand(store, OrderAggregate, streamId, command, context(`${b}-${i}`), retry)(),
              ),
            );
            for (const r of results) {
              // A racing command either lands, is refused by the domain, or gives up after its retries.
              if (E.isLeft(r)) expect(['DomainRejected', 'WrongExpectedVersion']).toContain(r.left._tag);
            }
          }
          const stored = await store.readStream(streamId)();
          if (E.isLeft(stored)) throw new Error('the order stream is gone');
          const events = stored.right.map((e) => {
            const decoded = Order.OrderEventCodec.decode({ type: e.type, data: e.data });
            if (E.isLeft(decoded)) throw new Error(`stored event does not decode: ${e.type}`);
            return decoded.right;
          });
          holdsAfterEveryEvent(events);
          expect(stored.right.map((e) => e.revision)).toEqual(stored.right.map((_, i) => i));
          await store.close();
        },
      ),
      { numRuns: RACE_RUNS },
    );
    // The property only means something if handlers really collided.
    expect(conflicts).toBeGreaterThan(RACE_RUNS / 2);
    // Each conflict waits for a real timer inside the handler's back-off; on a busy machine that adds up.
  }, 180_000);
});
