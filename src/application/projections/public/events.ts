import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import {
  Notification,
  Order,
  OutRefundNoCodec,
  OutTradeNoCodec,
  Refund,
  SpMchidCodec,
  StatementDateCodec,
  SubMchidCodec,
  streamCategory,
  type OutRefundNo,
  type OutTradeNo,
  type SpMchid,
  type StatementDate,
  type SubMchid,
} from '../../../domain';
import { ReconciliationEventCodec, type ReconciliationEvent } from '../../../domain/reconciliation';
import type { EventMetadata, RecordedEvent } from '../../../ports';
import { decodeEvent } from '../../aggregate';

/**
 * The events a platform may build read models from, each with the identity of the stream it was
 * recorded on. Stream names are an implementation detail: handlers read `stream` instead.
 */
export type StreamIdentity =
  | { readonly kind: 'order'; readonly subMchid: SubMchid; readonly outTradeNo: OutTradeNo }
  | { readonly kind: 'refund'; readonly subMchid: SubMchid; readonly outRefundNo: OutRefundNo }
  /** The notification id as it appears in the stream name (characters outside `[0-9A-Za-z_-]` become `_`). */
  | { readonly kind: 'notification'; readonly notificationId: string }
  | { readonly kind: 'reconciliation'; readonly spMchid: SpMchid; readonly date: StatementDate };

export type StreamKind = StreamIdentity['kind'];

/** One decoded event with where it sits in the log; distributes over the event union. */
type Delivered<
  K extends StreamKind,
  Ev extends { readonly type: string; readonly data: unknown },
> = Ev extends unknown
  ? {
      readonly kind: K;
      readonly type: Ev['type'];
      readonly data: Ev['data'];
      readonly stream: Extract<StreamIdentity, { readonly kind: K }>;
      readonly streamId: string;
      /** Global position in the log: strictly increasing, not dense. The checkpoint is one of these. */
      readonly position: number;
      /** Revision within its stream, from 0. */
      readonly revision: number;
      /** Unique per event and stable across redeliveries: a natural idempotency key. */
      readonly id: string;
      readonly metadata: EventMetadata;
    }
  : never;

export type OrderPublicEvent = Delivered<'order', Order.OrderEvent>;
export type RefundPublicEvent = Delivered<'refund', Refund.RefundEvent>;
export type NotificationPublicEvent = Delivered<'notification', Notification.NotificationEvent>;
export type ReconciliationPublicEvent = Delivered<'reconciliation', ReconciliationEvent>;

/** Switch on `type` to narrow `data` and `stream`; on `kind` to narrow to one stream's events. */
export type PublicEvent =
  OrderPublicEvent | RefundPublicEvent | NotificationPublicEvent | ReconciliationPublicEvent;
export type PublicEventType = PublicEvent['type'];
export type PublicEventOf<T extends PublicEventType> = Extract<PublicEvent, { readonly type: T }>;

/** Every public event type, by stream kind (for `handles` lists and documentation). */
export const PUBLIC_EVENT_TYPES: { readonly [K in StreamKind]: readonly string[] } = {
  order: Order.ORDER_EVENTS.map((d) => d.type),
  refund: Refund.REFUND_EVENTS.map((d) => d.type),
  notification: Notification.NOTIFICATION_EVENTS.map((d) => d.type),
  reconciliation: ['ReconciliationRecorded'],
};

/** A stored event of a public stream that cannot be read as its public type. */
export interface UndecodableEvent {
  readonly _tag: 'UndecodableEvent';
  readonly streamId: string;
  readonly position: number;
  readonly revision: number;
  readonly type: string;
  readonly message: string;
}

const PUBLIC_KINDS: readonly string[] = ['order', 'refund', 'notification', 'reconciliation'];

/** `{a}:{b}` after the category's `-`; `:` occurs in none of the ids, so the split is unambiguous. */
const pair = (streamId: string): readonly [string, string] | undefined => {
  const rest = streamId.slice(streamId.indexOf('-') + 1);
  const colon = rest.indexOf(':');
  return colon < 0 ? undefined : [rest.slice(0, colon), rest.slice(colon + 1)];
};

/**
 * The identity a public stream name encodes, checked against the id formats; undefined for a
 * stream that is not public or whose name does not parse.
 */
export const parseStreamId = (streamId: string): StreamIdentity | undefined => {
  const kind = streamCategory(streamId);
  if (kind === 'notification') {
    const notificationId = streamId.slice('notification-'.length);
    return notificationId.length > 0 ? { kind, notificationId } : undefined;
  }
  const parts = pair(streamId);
  if (parts === undefined) return undefined;
  const [a, b] = parts;
  switch (kind) {
    case 'order':
      return SubMchidCodec.is(a) && OutTradeNoCodec.is(b) ? { kind, subMchid: a, outTradeNo: b } : undefined;
    case 'refund':
      return SubMchidCodec.is(a) && OutRefundNoCodec.is(b)
        ? { kind, subMchid: a, outRefundNo: b }
        : undefined;
    case 'reconciliation':
      return SpMchidCodec.is(a) && StatementDateCodec.is(b) ? { kind, spMchid: a, date: b } : undefined;
    default:
      return undefined;
  }
};

/** Whether a stream's events are public, by its name alone (no decoding). */
export const isPublicStream = (streamId: string): boolean => PUBLIC_KINDS.includes(streamCategory(streamId));

const codecOf = (kind: StreamKind): t.Mixed => {
  switch (kind) {
    case 'order':
      return Order.OrderEventCodec;
    case 'refund':
      return Refund.RefundEventCodec;
    case 'notification':
      return Notification.NotificationEventCodec;
    case 'reconciliation':
      return ReconciliationEventCodec;
  }
};

/**
 * Decodes a stored event with the domain's own codecs. Events of streams that are not public
 * (none today; internal streams may come) are `right(undefined)`: not yours to project. An event of
 * a public stream that does not decode is `left`: a read model must not silently skip it.
 */
export const decodePublicEvent = (
  recorded: RecordedEvent,
): E.Either<UndecodableEvent, PublicEvent | undefined> => {
  if (!isPublicStream(recorded.streamId)) return E.right(undefined);
  const undecodable = (message: string): E.Either<UndecodableEvent, never> =>
    E.left({
      _tag: 'UndecodableEvent',
      streamId: recorded.streamId,
      position: recorded.position,
      revision: recorded.revision,
      type: recorded.type,
      message,
    });
  const stream = parseStreamId(recorded.streamId);
  if (stream === undefined) return undecodable('the stream name does not parse');
  const decoded = decodeEvent<{ readonly type: string; readonly data: unknown }>(
    codecOf(stream.kind),
    recorded,
  );
  if (E.isLeft(decoded)) return undecodable(`the event does not decode: ${decoded.left.message}`);
  // The codec matched the stream's kind, so the pairing of kind, type and data holds.
  return E.right({
    kind: stream.kind,
    type: decoded.right.type,
    data: decoded.right.data,
    stream,
    streamId: recorded.streamId,
    position: recorded.position,
    revision: recorded.revision,
    id: recorded.id,
    metadata: recorded.metadata,
  } as PublicEvent);
};
