import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import * as E from 'fp-ts/Either';
import type { Decider, DomainError } from '../domain';

/**
 * Emmett-style decider specification:
 *
 *   DeciderSpecification.for(orderDecider)
 *     .given([submitted, dispatched])
 *     .when(recordDispatch)
 *     .thenFails('AlreadyDispatched');
 *
 * `given` folds the history with `evolve` from `initialState`, `when` runs `decide`; the outcome is
 * checked once, by exactly one of the `then…` calls. Failures throw node's AssertionError (with a
 * diff), so any test runner reports them.
 */
export interface Outcome<Event> {
  /** `decide` succeeded with exactly these events, in this order. Returns them for further checks. */
  then(expected: readonly Event[]): readonly Event[];
  /** `decide` succeeded; the events are handed to `check` (for outcomes with computed fields). */
  thenEvents(check: (events: readonly Event[]) => void): readonly Event[];
  /** `decide` refused with this `_tag`, or with an error the predicate accepts. Returns the error. */
  thenFails(expected: DomainError['_tag'] | ((error: DomainError) => boolean)): DomainError;
  /** `decide` succeeded and produced no event: the command was already applied, or changes nothing. */
  thenNothingHappens(): void;
}

export interface When<Command, Event> {
  when(command: Command): Outcome<Event>;
}

export interface Given<Command, Event> {
  given(events: readonly Event[]): When<Command, Event>;
}

const describeError = (e: DomainError): string => JSON.stringify(e);

const outcome = <Event>(result: E.Either<DomainError, readonly Event[]>): Outcome<Event> => {
  const events = (): readonly Event[] => {
    if (E.isLeft(result)) {
      throw new Error(`expected events, but the command was refused: ${describeError(result.left)}`);
    }
    return result.right;
  };
  return {
    then(expected) {
      const actual = events();
      deepStrictEqual(actual, expected);
      return actual;
    },
    thenEvents(check) {
      const actual = events();
      check(actual);
      return actual;
    },
    thenFails(expected) {
      if (E.isRight(result)) {
        throw new Error(`expected a refusal, but the command produced ${JSON.stringify(result.right)}`);
      }
      if (typeof expected === 'string') strictEqual(result.left._tag, expected);
      else if (!expected(result.left)) {
        throw new Error(`the refusal did not match: ${describeError(result.left)}`);
      }
      return result.left;
    },
    thenNothingHappens() {
      deepStrictEqual(events(), []);
    },
  };
};

export const DeciderSpecification = {
  for: <Command, Event, State>(decider: Decider<Command, Event, State>): Given<Command, Event> => ({
    given: (history) => ({
      when: (command) => {
        const state = history.reduce(decider.evolve, decider.initialState());
        return outcome(decider.decide(command, state));
      },
    }),
  }),
};
