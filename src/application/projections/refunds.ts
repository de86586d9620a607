import type { Money, Refund } from '../../domain';
import { gmt8DateOf } from '../../domain/reconciliation';
import type { RecordedEvent, RefundStatusView } from '../../ports';
import { type Projection, change, decodeRecorded } from './projection';

export const REFUNDS = 'refunds';

/** One refund, keyed `${subMchid}:${outRefundNo}`, in the merchant API's status vocabulary. */
export type RefundDoc = {
  readonly streamId: string;
  readonly spMchid: string;
  readonly subMchid: string;
  readonly outTradeNo: string;
  readonly transactionId: string;
  readonly outRefundNo: string;
  readonly status: RefundStatusView;
  readonly amount: Money;
  readonly reason?: string;
  readonly refundId?: string;
  readonly requestedAt: string;
  readonly successTime?: string;
  readonly updatedAt: string;
  /** GMT+8 day the refund succeeded (yyyyMMdd): the statement it belongs to. */
  readonly date?: string;
  readonly rejection?: { readonly code: string; readonly message: string };
  readonly review?: { readonly reason: string; readonly detail: string };
  /** The last SUCCESS WeChat reported while in review: dates the refund if the janitor resolves it so. */
  readonly reportedSuccess?: { readonly observedAt: string; readonly successTime?: string };
};

export const refundKey = (subMchid: string, outRefundNo: string): string => `${subMchid}:${outRefundNo}`;

const STATUS_OF: Partial<Record<Refund.RefundEventType, RefundStatusView>> = {
  RefundProcessing: 'PROCESSING',
  RefundOutcomeUnknown: 'UNKNOWN',
  RefundSucceeded: 'SUCCEEDED',
  RefundClosed: 'CLOSED',
  RefundAbnormal: 'ABNORMAL',
  RefundRejected: 'REJECTED',
  RefundFlaggedForReview: 'NEEDS_REVIEW',
};

const RESOLUTION: Readonly<
  Record<Refund.RefundEventOf<'RefundReviewResolved'>['data']['resolution'], RefundStatusView>
> = { Succeeded: 'SUCCEEDED', Closed: 'CLOSED', Rejected: 'REJECTED' };

const withRefundId = (doc: RefundDoc, refundId: string | undefined): RefundDoc =>
  refundId === undefined ? doc : { ...doc, refundId };

const evolveDoc = (doc: RefundDoc, event: Refund.RefundEvent): RefundDoc => {
  const status = STATUS_OF[event.type];
  const next: RefundDoc = status !== undefined ? { ...doc, status } : doc;
  switch (event.type) {
    case 'RefundObservationRecorded': {
      const o = event.data.observation;
      const withId = 'refundId' in o ? withRefundId(next, o.refundId) : next;
      return o.kind === 'Succeeded' && next.status === 'NEEDS_REVIEW'
        ? {
            ...withId,
            reportedSuccess: {
              observedAt: event.data.observedAt,
              ...(o.successTime !== undefined ? { successTime: o.successTime } : {}),
            },
          }
        : withId;
    }
    case 'RefundProcessing':
    case 'RefundClosed':
    case 'RefundAbnormal':
      return withRefundId(next, event.data.refundId);
    case 'RefundSucceeded': {
      const successTime = event.data.successTime;
      const date = gmt8DateOf(successTime ?? event.data.observedAt);
      return {
        ...next,
        refundId: event.data.refundId,
        ...(successTime !== undefined ? { successTime } : {}),
        ...(date !== undefined ? { date } : {}),
      };
    }
    case 'RefundRejected':
      return { ...next, rejection: { code: event.data.code, message: event.data.message } };
    case 'RefundFlaggedForReview':
      return { ...next, review: { reason: event.data.reason, detail: event.data.detail } };
    case 'RefundReviewResolved': {
      const { review: _resolved, reportedSuccess, ...rest } = next;
      const resolvedDoc: RefundDoc = { ...rest, status: RESOLUTION[event.data.resolution] };
      if (event.data.resolution !== 'Succeeded') return resolvedDoc;
      // Resolved as succeeded (by the janitor on WeChat's word, or by an operator): the statement day.
      const successTime = reportedSuccess?.successTime;
      const date = gmt8DateOf(successTime ?? reportedSuccess?.observedAt ?? event.data.resolvedAt);
      return {
        ...resolvedDoc,
        ...(successTime !== undefined ? { successTime } : {}),
        ...(date !== undefined ? { date } : {}),
      };
    }
    default:
      return next;
  }
};

const created = (streamId: string, event: Refund.RefundEventOf<'RefundRequested'>, at: string): RefundDoc => {
  const d = event.data;
  return {
    streamId,
    spMchid: d.spMchid,
    subMchid: d.subMchid,
    outTradeNo: d.outTradeNo,
    transactionId: d.transactionId,
    outRefundNo: d.outRefundNo,
    status: 'REQUESTED',
    amount: d.amount,
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    requestedAt: d.requestedAt,
    updatedAt: at,
  };
};

export const refundsProjection: Projection = {
  name: 'refunds',
  version: 1,
  collections: [REFUNDS],
  project: (stored: RecordedEvent) => {
    const decoded = decodeRecorded(stored);
    if (decoded?.category !== 'refund') return [];
    const event = decoded.event;
    const at = stored.metadata.recordedAt;
    return [
      change<RefundDoc>(REFUNDS, stored.streamId.slice('refund-'.length), (current) => {
        if (event.type === 'RefundRequested') return current ?? created(stored.streamId, event, at);
        return current === undefined ? undefined : { ...evolveDoc(current, event), updatedAt: at };
      }),
    ];
  },
};
