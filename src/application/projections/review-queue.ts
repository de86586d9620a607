import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Order, Refund, addMillis, janitorDelayMs } from '../../domain';
import type {
  ReadModelStore,
  ReadModelUnavailable,
  RecordedEvent,
  ReviewItem,
  ReviewJanitor,
} from '../../ports';
import { type Projection, change, decodeRecorded, streamParts } from './projection';

export const REVIEW_QUEUE = 'review_queue';

/**
 * Keyed by stream id. An order's document exists only while it is open. A refund's is created when
 * the refund is requested, closed, so that a later flag (which names only the refund) can still say
 * which order it belongs to; `isOpen` tells the open items apart.
 */
export type ReviewDoc = {
  readonly kind: 'payment' | 'refund';
  readonly streamId: string;
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly isOpen: boolean;
  readonly reason?: string;
  readonly detail?: string;
  readonly flaggedAt?: string;
  /** Absent on documents written before the janitor: those wait for an operator. */
  readonly awaits?: 'janitor' | 'operator';
  readonly janitor?: ReviewJanitor;
};

/** When the janitor asks next, after `attempts` queries, the last at `base`; none once its schedule is done. */
const nextAttempt = (base: string, attempts: number): { readonly nextAttemptAt?: string } => {
  const delay = janitorDelayMs(attempts, 'order');
  return delay === undefined ? {} : { nextAttemptAt: addMillis(base, delay) };
};

const describeObservation = (o: Order.TradeObservation): string => {
  switch (o.kind) {
    case 'Paid':
      return `paid (${o.tradeState})`;
    case 'Paying':
      return `paying (${o.tradeState})`;
    case 'PayFailed':
      return `failed (${o.code})`;
    case 'Unknown':
      return `unclear (${o.reason})`;
    default:
      return o.kind === 'NotFound' ? 'not found' : o.kind.toLowerCase();
  }
};

/** The janitor's progress on an open order item, from one of its stream's events; others leave it. */
const orderJanitorChange = (streamId: string, e: Order.OrderEvent) => {
  const update = (next: (j: ReviewJanitor) => ReviewJanitor) =>
    change<ReviewDoc>(REVIEW_QUEUE, streamId, (current) =>
      current?.janitor === undefined ? current : { ...current, janitor: next(current.janitor) },
    );
  if (e.type === 'OrderReversalAttempted') {
    // The janitor's reverse: its confirming query is next.
    return [
      update((j) => ({
        attempts: j.attempts,
        lastAttemptAt: e.data.observedAt,
        lastOutcome: `reverse ${e.data.outcome}${e.data.code !== undefined ? ` (${e.data.code})` : ''}`,
        nextAttemptAt: e.data.nextDueAt,
      })),
    ];
  }
  if (e.type !== 'OrderObservationRecorded') return [];
  const { source, observation, observedAt } = e.data;
  const outcome = `${source} ${describeObservation(observation)}`;
  return [
    update((j) => {
      if (source !== 'query') return { ...j, lastOutcome: outcome };
      const attempts = j.attempts + 1;
      return {
        attempts,
        lastAttemptAt: observedAt,
        lastOutcome: outcome,
        ...nextAttempt(observedAt, attempts),
      };
    }),
  ];
};

const describeRefundObservation = (o: Refund.RefundObservation): string => {
  switch (o.kind) {
    case 'Retryable':
    case 'Rejected':
      return `${o.kind} ${o.code}`;
    case 'Unknown':
      return `Unknown: ${o.reason}`;
    default:
      return o.kind;
  }
};

/** The janitor's progress on an open refund item it works on; undefined when nothing changes. */
const withJanitor = (
  current: ReviewDoc | undefined,
  update: (j: ReviewJanitor) => ReviewJanitor,
): ReviewDoc | undefined =>
  current === undefined || !current.isOpen || current.awaits !== 'janitor'
    ? current
    : { ...current, janitor: update(current.janitor ?? { attempts: 0 }) };

const project = (stored: RecordedEvent) => {
  const decoded = decodeRecorded(stored);
  if (decoded === undefined) return [];
  const { streamId } = stored;
  const { subMchid, number } = streamParts(streamId);
  if (decoded.category === 'order') {
    const e = decoded.event;
    if (e.type === 'OrderFlaggedForReview') {
      const byJanitor = Order.isJanitorManaged(e.data.reason);
      return [
        change<ReviewDoc>(REVIEW_QUEUE, streamId, () => ({
          kind: 'payment',
          streamId,
          subMchid,
          outTradeNo: number,
          isOpen: true,
          reason: e.data.reason,
          detail: e.data.detail,
          flaggedAt: e.data.observedAt,
          awaits: byJanitor ? 'janitor' : 'operator',
          ...(byJanitor ? { janitor: { attempts: 0, ...nextAttempt(e.data.observedAt, 0) } } : {}),
        })),
      ];
    }
    return e.type === 'OrderReviewResolved'
      ? [change<ReviewDoc>(REVIEW_QUEUE, streamId, () => undefined)]
      : orderJanitorChange(streamId, e);
  }
  if (decoded.category === 'refund') {
    const e = decoded.event;
    switch (e.type) {
      case 'RefundRequested':
        return [
          change<ReviewDoc>(
            REVIEW_QUEUE,
            streamId,
            (current) =>
              current ?? {
                kind: 'refund',
                streamId,
                subMchid,
                outTradeNo: e.data.outTradeNo,
                outRefundNo: e.data.outRefundNo,
                isOpen: false,
              },
          ),
        ];
      case 'RefundFlaggedForReview': {
        const janitorManaged = Refund.isJanitorManagedRefundReason(e.data.reason);
        return [
          change<ReviewDoc>(REVIEW_QUEUE, streamId, (current) => {
            if (current === undefined) return undefined;
            const { janitor: _j, ...rest } = current;
            return {
              ...rest,
              isOpen: true,
              reason: e.data.reason,
              detail: e.data.detail,
              flaggedAt: e.data.observedAt,
              awaits: janitorManaged ? 'janitor' : 'operator',
              ...(janitorManaged ? { janitor: { attempts: 0 } } : {}),
            };
          }),
        ];
      }
      case 'RefundPollScheduled':
        return [
          change<ReviewDoc>(REVIEW_QUEUE, streamId, (current) =>
            withJanitor(current, (j) => ({ ...j, nextAttemptAt: e.data.dueAt })),
          ),
        ];
      case 'RefundObservationRecorded': {
        // Only the janitor's own queries and resubmissions count as its attempts.
        if (e.data.source !== 'query' && e.data.source !== 'submit') return [];
        const outcome = describeRefundObservation(e.data.observation);
        return [
          change<ReviewDoc>(REVIEW_QUEUE, streamId, (current) =>
            withJanitor(current, ({ nextAttemptAt: _n, ...j }) => ({
              ...j,
              attempts: j.attempts + 1,
              lastAttemptAt: e.data.observedAt,
              lastOutcome: outcome,
            })),
          ),
        ];
      }
      case 'RefundReviewResolved':
        return [
          change<ReviewDoc>(REVIEW_QUEUE, streamId, (current) => {
            if (current === undefined) return undefined;
            const { reason: _r, detail: _d, flaggedAt: _f, awaits: _a, janitor: _j, ...rest } = current;
            return { ...rest, isOpen: false };
          }),
        ];
      default:
        return [];
    }
  }
  return [];
};

export const reviewQueueProjection: Projection = {
  name: 'review_queue',
  version: 1,
  collections: [REVIEW_QUEUE],
  project,
};

const toItem = (doc: ReviewDoc): ReviewItem => ({
  kind: doc.kind,
  streamId: doc.streamId,
  subMchid: doc.subMchid,
  outTradeNo: doc.outTradeNo,
  ...(doc.outRefundNo !== undefined ? { outRefundNo: doc.outRefundNo } : {}),
  reason: doc.reason ?? '',
  detail: doc.detail ?? '',
  flaggedAt: doc.flaggedAt ?? '',
  awaits: doc.awaits ?? 'operator',
  ...(doc.janitor !== undefined ? { janitor: doc.janitor } : {}),
});

/** The open NeedsReview items, oldest flag first. */
export const openReviewItems = (
  readModels: ReadModelStore,
): TE.TaskEither<ReadModelUnavailable, readonly ReviewItem[]> =>
  pipe(
    readModels.list(REVIEW_QUEUE, { where: { isOpen: true } }),
    TE.map((docs) =>
      (docs as readonly ReviewDoc[])
        .map(toItem)
        .sort((a, b) => (a.flaggedAt < b.flaggedAt ? -1 : a.flaggedAt > b.flaggedAt ? 1 : 0)),
    ),
  );
