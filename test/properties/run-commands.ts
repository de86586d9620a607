import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import { Order, Refund, type DomainError } from '../../src/domain';

/** One aggregate as the properties see it: its decider, its transition table and its codec. */
export interface Machine<C, Ev extends { readonly type: string }, S extends { readonly status: string }> {
  readonly decider: {
    readonly decide: (c: C, s: S) => E.Either<DomainError, readonly Ev[]>;
    readonly evolve: (s: S, e: Ev) => S;
    readonly initialState: () => S;
  };
  readonly isAllowed: (s: S, type: Ev['type']) => boolean;
  readonly codec: t.Type<Ev, unknown>;
}

export const orderMachine: Machine<Order.OrderCommand, Order.OrderEvent, Order.OrderState> = {
  decider: Order.orderDecider,
  isAllowed: Order.isAllowed,
  codec: Order.OrderEventCodec,
};

export const refundMachine: Machine<Refund.RefundCommand, Refund.RefundEvent, Refund.RefundState> = {
  decider: Refund.refundDecider,
  isAllowed: Refund.isAllowed,
  codec: Refund.RefundEventCodec,
};

export interface Step<Ev, S> {
  readonly before: S;
  readonly event: Ev;
  readonly after: S;
}

/**
 * Decides each command against the state so far and folds what it decides; refused commands are
 * skipped, as the command handler would skip them. Returns every recorded event with the state it
 * was recorded in.
 */
export const runCommands = <C, Ev extends { readonly type: string }, S extends { readonly status: string }>(
  m: Machine<C, Ev, S>,
  commands: readonly C[],
): { readonly state: S; readonly steps: readonly Step<Ev, S>[] } => {
  let state = m.decider.initialState();
  const steps: Step<Ev, S>[] = [];
  for (const command of commands) {
    const result = m.decider.decide(command, state);
    if (E.isLeft(result)) continue;
    for (const event of result.right) {
      const after = m.decider.evolve(state, event);
      steps.push({ before: state, event, after });
      state = after;
    }
  }
  return { state, steps };
};

/** Encode, write as JSON, read back, decode: what a store does to an event. */
export const throughJson = <A>(codec: t.Type<A, unknown>, value: A): A => {
  const decoded = codec.decode(JSON.parse(JSON.stringify(codec.encode(value))));
  if (E.isLeft(decoded)) throw new Error(`does not decode: ${JSON.stringify(value)}`);
  return decoded.right;
};
