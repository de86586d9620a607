import type * as E from 'fp-ts/Either';
import type { DomainError } from './errors';

/** Emmett-style decider: plain functions, no hidden state. */
export interface Decider<Command, Event, State> {
  readonly decide: (command: Command, state: State) => E.Either<DomainError, readonly Event[]>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}

export const fold =
  <Event, State>(decider: Pick<Decider<never, Event, State>, 'evolve' | 'initialState'>) =>
  (events: readonly Event[]): State =>
    events.reduce(decider.evolve, decider.initialState());
