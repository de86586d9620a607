import fc from 'fast-check';
import { orderCommandsArb, refundCommandsArb } from '../support/arbitraries';
import { type Machine, orderMachine, refundMachine, runCommands, throughJson } from './run-commands';

/**
 * Property (b): `evolve` accepts every event sequence `decide` can produce. Random command
 * sequences (many refused along the way) are decided one by one; every decided event must be
 * allowed by the state machine table in the status it is recorded in, must survive its codec
 * through JSON as a store keeps it, and replaying the decoded events must rebuild the same state.
 */
const RUNS = 2_000;
/** Generous: the runs are many, and the machine may be shared; jest's default is 30 s. */
const PROPERTY_TIMEOUT_MS = 120_000;

const holds = <C, Ev extends { readonly type: string }, S extends { readonly status: string }>(
  m: Machine<C, Ev, S>,
  commands: readonly C[],
): void => {
  const { state, steps } = runCommands(m, commands);
  for (const { before, event } of steps) {
    if (!m.isAllowed(before, event.type)) {
      throw new Error(`decide produced ${event.type} in ${before.status}, which the table forbids`);
    }
    expect(throughJson(m.codec, event)).toEqual(event);
  }
  const replayed = steps
    .map(({ event }) => throughJson(m.codec, event))
    .reduce(m.decider.evolve, m.decider.initialState());
  expect(replayed).toEqual(state);
};

describe('evolve accepts every event sequence decide can produce', () => {
  it(
    `order: every decided event is allowed where it is recorded, and replay rebuilds the state (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(orderCommandsArb(40), (commands) => holds(orderMachine, commands)),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `refund: every decided event is allowed where it is recorded, and replay rebuilds the state (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(refundCommandsArb(40), (commands) => holds(refundMachine, commands)),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
