import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type * as t from 'io-ts';
import { Order, Refund, type Decider } from '../domain';

/** What the command handler needs to know about one kind of aggregate. */
export interface AggregateSpec<
  Command,
  Event extends { readonly type: string; readonly data: unknown },
  State,
> {
  readonly name: string;
  readonly decider: Decider<Command, Event, State>;
  readonly codec: t.Type<Event, unknown>;
  /** Schema version of each event type, stored in metadata. */
  readonly versions: Readonly<Record<string, number>>;
}

const versionsOf = (defs: readonly { readonly type: string; readonly version: number }[]) =>
  Object.fromEntries(defs.map((d) => [d.type, d.version]));

export const OrderAggregate: AggregateSpec<Order.OrderCommand, Order.OrderEvent, Order.OrderState> = {
  name: 'order',
  decider: Order.orderDecider,
  codec: Order.OrderEventCodec,
  versions: versionsOf(Order.ORDER_EVENTS),
};

export const RefundAggregate: AggregateSpec<Refund.RefundCommand, Refund.RefundEvent, Refund.RefundState> = {
  name: 'refund',
  decider: Refund.refundDecider,
  codec: Refund.RefundEventCodec,
  versions: versionsOf(Refund.REFUND_EVENTS),
};

export interface CorruptEvent {
  readonly _tag: 'CorruptEvent';
  readonly streamId: string;
  readonly revision: number;
  readonly message: string;
}

/** Decodes a stored event; a stored event that no longer decodes is reported, never guessed at. */
export const decodeEvent = <Event>(
  codec: t.Type<Event, unknown>,
  stored: {
    readonly streamId: string;
    readonly revision: number;
    readonly type: string;
    readonly data: unknown;
  },
): E.Either<CorruptEvent, Event> =>
  pipe(
    codec.decode({ type: stored.type, data: stored.data }),
    E.mapLeft((errors) => ({
      _tag: 'CorruptEvent' as const,
      streamId: stored.streamId,
      revision: stored.revision,
      message: errors
        .slice(0, 3)
        .map((e) =>
          e.context
            .map((c) => c.key)
            .filter(Boolean)
            .join('.'),
        )
        .join('; '),
    })),
  );
