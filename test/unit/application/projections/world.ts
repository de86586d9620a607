import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import { createMemoryEventStore } from '../../../../src/adapters/memory/event-store';
import {
  MaskedAuthCodeCodec,
  type Order,
  OutRefundNoCodec,
  OutTradeNoCodec,
  type Refund,
  RefundIdCodec,
  SpMchidCodec,
  SubMchidCodec,
  TransactionIdCodec,
  addMillis,
  unsafeMoney,
  type Money,
} from '../../../../src/domain';
import { OrderAggregate, RefundAggregate } from '../../../../src/application/aggregate';
import { type CommandContext, handleCommand } from '../../../../src/application/command-handler';
import type { EventStore, Logger } from '../../../../src/ports';

/**
 * Histories produced the way the sagas produce them: commands through the command handler, saga
 * decisions taken from the step functions. What the tests feed to projections and audits is what
 * the running system would have stored.
 */

export const valid = <A>(codec: t.Type<A, unknown>, value: unknown): A => {
  const decoded = codec.decode(value);
  if (E.isLeft(decoded)) throw new Error(`not a valid ${codec.name}: ${JSON.stringify(value)}`);
  return decoded.right;
};

/** 16:00 in Hong Kong on 2 March 2026: every scenario's day is statement date 20260302. */
export const T0 = '2026-03-02T08:00:00.000Z';
export const DATE = '20260302';
export const at = (ms: number): string => addMillis(T0, ms);
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;

export const spMchid = valid(SpMchidCodec, '1900000100');
export const subMchid = valid(SubMchidCodec, '1900000109');
export const otherSubMchid = valid(SubMchidCodec, '1900000222');
export const authCodeMasked = valid(MaskedAuthCodeCodec, '134567********1234');
export const tradeNo = (s: string) => valid(OutTradeNoCodec, s);
export const refundNo = (s: string) => valid(OutRefundNoCodec, s);
export const txn = (n: number) =>
  valid(TransactionIdCodec, `42000000012026030200000${String(n).padStart(5, '0')}`);
export const refundIdOf = (n: number) =>
  valid(RefundIdCodec, `503000000120260302000000${String(n).padStart(5, '0')}`);
export const hkd = (minor: number): Money => unsafeMoney(minor, 'HKD');

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export interface World {
  readonly store: EventStore;
  order(sub: typeof subMchid, no: string, command: Order.OrderCommand): Promise<Order.OrderState>;
  refund(sub: typeof subMchid, no: string, command: Refund.RefundCommand): Promise<Refund.RefundState>;
}

export const createWorld = (store: EventStore = createMemoryEventStore()): World => {
  let n = 0;
  const context = (now: string): CommandContext => {
    n += 1;
    return {
      commandId: `cmd-${n}`,
      correlationId: `corr-${n}`,
      causationId: `cmd-${n}`,
      actor: 'cashier-1',
      now,
    };
  };
  const run = async <
    C extends { readonly at: string },
    Ev extends { readonly type: string; readonly data: unknown },
    S,
  >(
    spec: Parameters<typeof handleCommand<C, Ev, S>>[1],
    streamId: string,
    command: C,
  ): Promise<S> => {
    const handled = await handleCommand(store, spec, streamId, command, context(command.at))();
    if (E.isLeft(handled)) throw new Error(`${streamId}: ${JSON.stringify(handled.left)}`);
    return handled.right.state;
  };
  return {
    store,
    order: (sub, no, command) => run(OrderAggregate, `order-${sub}:${no}`, command),
    refund: (sub, no, command) => run(RefundAggregate, `refund-${sub}:${no}`, command),
  };
};
