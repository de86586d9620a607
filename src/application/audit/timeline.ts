import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import { streamCategory } from '../../domain';
import type { EventStore, RecordedEvent, StoreUnavailable } from '../../ports';
import { field, readWholeLog } from './log';
import { summarize } from './summary';

export interface TimelineEntry {
  readonly position: number;
  readonly recordedAt: string;
  readonly streamId: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly actor: string;
  readonly correlationId: string;
  /** The event or command that caused this one. */
  readonly causationId: string;
  /** When the cause is an event of this timeline, where it is. */
  readonly causedBy?: { readonly position: number; readonly type: string };
  readonly summary: string;
  readonly data: unknown;
}

export type AuditError =
  | StoreUnavailable
  | { readonly _tag: 'PaymentNotFound'; readonly subMchid: string; readonly outTradeNo: string };

/** Events that are gateway answers: the timeline shows them with their outcome (docs/architecture.md, "Audit and replay"). */
const GATEWAY_ANSWERS = new Set([
  'OrderObservationRecorded',
  'OrderReversalAttempted',
  'RefundObservationRecorded',
  'NotificationReceived',
]);

/**
 * Which streams tell this payment's story: its order stream, the refund streams its reservations
 * (or the refunds' own requests) name, and the notification streams whose data names the order.
 */
const streamsOf = (log: readonly RecordedEvent[], subMchid: string, outTradeNo: string): Set<string> => {
  const orderStream = `order-${subMchid}:${outTradeNo}`;
  const streams = new Set([orderStream]);
  for (const e of log) {
    const category = streamCategory(e.streamId);
    const namesOrder = field(e.data, 'subMchid') === subMchid && field(e.data, 'outTradeNo') === outTradeNo;
    if (e.streamId === orderStream && e.type === 'RefundReserved') {
      const refundNo = field(e.data, 'outRefundNo');
      if (typeof refundNo === 'string') streams.add(`refund-${subMchid}:${refundNo}`);
    } else if ((category === 'notification' || category === 'refund') && namesOrder) {
      streams.add(e.streamId);
    }
  }
  return streams;
};

/**
 * One payment's whole story in global order. Reads the log once: the notification streams are
 * found by their content, which no index in the store offers.
 */
export const auditTimeline =
  (
    store: Pick<EventStore, 'readAll'>,
    subMchid: string,
    outTradeNo: string,
  ): TE.TaskEither<AuditError, readonly TimelineEntry[]> =>
  async () => {
    const log = await readWholeLog(store)();
    if (E.isLeft(log)) return log;
    const streams = streamsOf(log.right, subMchid, outTradeNo);
    const events = log.right.filter((e) => streams.has(e.streamId));
    if (!events.some((e) => streamCategory(e.streamId) === 'order')) {
      return E.left({ _tag: 'PaymentNotFound', subMchid, outTradeNo });
    }
    const byId = new Map(events.map((e) => [e.id, e]));
    return E.right(
      [...events]
        .sort((a, b) => a.position - b.position)
        .map((e) => {
          const cause = byId.get(e.metadata.causationId);
          return {
            position: e.position,
            recordedAt: e.metadata.recordedAt,
            streamId: e.streamId,
            revision: e.revision,
            id: e.id,
            type: e.type,
            actor: e.metadata.actor,
            correlationId: e.metadata.correlationId,
            causationId: e.metadata.causationId,
            ...(cause !== undefined ? { causedBy: { position: cause.position, type: cause.type } } : {}),
            summary: summarize(e),
            data: e.data,
          };
        }),
    );
  };

/** One line per event, for the CLI. Gateway answers are marked so they stand out. */
export const formatTimeline = (entries: readonly TimelineEntry[]): string =>
  entries
    .map((e) => {
      const cause = e.causedBy !== undefined ? `after #${e.causedBy.position}` : `cause ${e.causationId}`;
      const marker = GATEWAY_ANSWERS.has(e.type) ? '<<' : '  ';
      return `#${e.position} ${e.recordedAt} ${e.streamId}@${e.revision} ${marker} ${e.type}: ${e.summary} [${e.actor}, ${cause}]`;
    })
    .join('\n');
