import * as E from 'fp-ts/Either';
import { Notification, type Order, type Refund, money, orderStreamId, refundStreamId } from '../domain';
import type { IncomingNotification, NotificationError, VerifiedNotification } from '../ports';
import { OrderAggregate, RefundAggregate } from './aggregate';
import { deterministicUuid } from './deterministic-id';
import { handleCommand } from './command-handler';
import { type CoreDeps, isoNow } from './runtime';
import { describeError } from './saga-commands';

const ACTOR = 'wechatpay-notification';

export type IntakeResult =
  | { readonly _tag: 'Accepted'; readonly id: string; readonly isDuplicate: boolean }
  | { readonly _tag: 'Rejected'; readonly error: NotificationError }
  | { readonly _tag: 'Unavailable'; readonly message: string };

/**
 * Notification intake (reference §7.3): verify and decrypt; record the verified facts durably in
 * `notification-{id}` (a redelivery finds the stream and is recognised); then match to our order or
 * refund and apply as an observation, whose decider checks amount and currency against our record
 * (a contradiction goes to review). The caller acknowledges only after this resolves Accepted.
 */
export const createNotificationIntake = (
  deps: CoreDeps,
  afterApplied: (streamId: string, kind: 'order' | 'refund') => void,
) => {
  const log = deps.logger.child({ component: 'notifications' });

  const record = async (n: VerifiedNotification, at: string) => {
    const r = n.resource;
    const amount = money(r.kind === 'refund' ? r.amount.refund : r.amount.total, r.amount.currency);
    if (E.isLeft(amount)) return E.left(`unusable amount in notification ${n.id}`);
    const event: Notification.NotificationEvent = {
      type: 'NotificationReceived',
      data: {
        notificationId: n.id,
        eventType: n.eventType,
        createTime: n.createTime,
        receivedAt: at,
        subMchid: r.subMchid,
        outTradeNo: r.outTradeNo,
        transactionId: r.transactionId,
        status: r.kind === 'refund' ? r.refundStatus : r.tradeState,
        amount: amount.right,
        ...(r.kind === 'refund' ? { outRefundNo: r.outRefundNo, refundId: r.refundId } : {}),
      },
    };
    const streamId = Notification.notificationStreamId(n.id);
    const appended = await deps.store.append(
      streamId,
      [
        {
          id: deterministicUuid('notification', n.id),
          type: event.type,
          data: event.data,
          metadata: {
            correlationId: n.id,
            causationId: n.id,
            recordedAt: at,
            actor: ACTOR,
            schemaVersion: 1,
          },
        },
      ],
      'no-stream',
    )();
    if (E.isRight(appended)) return E.right({ streamId, isDuplicate: false });
    return appended.left._tag === 'WrongExpectedVersion'
      ? E.right({ streamId, isDuplicate: true })
      : E.left(appended.left.message);
  };

  const markUnmatched = async (streamId: string, reason: string, at: string): Promise<void> => {
    await deps.store.append(
      streamId,
      [
        {
          id: deterministicUuid(streamId, 'unmatched'),
          type: 'NotificationUnmatched',
          data: { reason, observedAt: at },
          metadata: {
            correlationId: streamId,
            causationId: streamId,
            recordedAt: at,
            actor: ACTOR,
            schemaVersion: 1,
          },
        },
      ],
      0,
    )();
  };

  const apply = async (
    n: VerifiedNotification,
    notificationStream: string,
    at: string,
  ): Promise<E.Either<string, void>> => {
    const r = n.resource;
    const context = {
      commandId: `${notificationStream}:apply`,
      correlationId: n.id,
      causationId: n.id,
      actor: ACTOR,
      now: at,
    };
    if (r.kind === 'refund') {
      const streamId = refundStreamId(r.subMchid, r.outRefundNo);
      const amount = money(r.amount.refund, r.amount.currency);
      if (E.isLeft(amount)) return E.left('unusable refund amount');
      const observation: Refund.RefundObservation =
        r.refundStatus === 'SUCCESS'
          ? { kind: 'Succeeded', refundId: r.refundId, amount: amount.right, successTime: r.successTime }
          : r.refundStatus === 'REFUNDCLOSE'
            ? { kind: 'Closed', refundId: r.refundId }
            : { kind: 'Abnormal', refundId: r.refundId };
      const applied = await handleCommand(
        deps.store,
        RefundAggregate,
        streamId,
        { type: 'RecordObservation', source: 'notification', observation, at },
        context,
      )();
      if (E.isLeft(applied)) {
        if (applied.left._tag === 'DomainRejected' && applied.left.error._tag === 'RefundNotFound') {
          // Not ours (or not yet known): kept for reconciliation, acknowledged so WeChat stops resending.
          await markUnmatched(
            notificationStream,
            `no refund ${r.outRefundNo} for sub-merchant ${r.subMchid}`,
            at,
          );
          return E.right(undefined);
        }
        return E.left(describeError(applied.left));
      }
      afterApplied(streamId, 'refund');
      return E.right(undefined);
    }
    const streamId = orderStreamId(r.subMchid, r.outTradeNo);
    const amount = money(r.amount.total, r.amount.currency);
    if (E.isLeft(amount)) return E.left('unusable transaction amount');
    const observation: Order.TradeObservation =
      r.tradeState === 'SUCCESS'
        ? {
            kind: 'Paid',
            transactionId: r.transactionId,
            amount: amount.right,
            tradeState: 'SUCCESS',
            successTime: r.successTime,
          }
        : { kind: 'Unknown', reason: `notification reports ${r.tradeState}` };
    const applied = await handleCommand(
      deps.store,
      OrderAggregate,
      streamId,
      { type: 'RecordObservation', source: 'notification', observation, at },
      context,
    )();
    if (E.isLeft(applied)) {
      if (applied.left._tag === 'DomainRejected' && applied.left.error._tag === 'OrderNotFound') {
        await markUnmatched(
          notificationStream,
          `no order ${r.outTradeNo} for sub-merchant ${r.subMchid}`,
          at,
        );
        return E.right(undefined);
      }
      return E.left(describeError(applied.left));
    }
    afterApplied(streamId, 'order');
    return E.right(undefined);
  };

  return async (incoming: IncomingNotification): Promise<IntakeResult> => {
    const verified = await deps.verifier.verify(incoming)();
    if (E.isLeft(verified)) {
      deps.metrics.notification(verified.left._tag);
      log.warn('notification rejected', { reason: verified.left._tag });
      return { _tag: 'Rejected', error: verified.left };
    }
    const n = verified.right;
    const at = isoNow(deps.clock);
    const recorded = await record(n, at);
    if (E.isLeft(recorded)) {
      deps.metrics.notification('unavailable');
      return { _tag: 'Unavailable', message: recorded.left };
    }
    // A duplicate is applied again too: if the first delivery was recorded but not applied (a crash),
    // this finishes it; if it was applied, the observation changes nothing twice.
    const applied = await apply(n, recorded.right.streamId, at);
    if (E.isLeft(applied)) {
      deps.metrics.notification('unavailable');
      log.error('notification recorded but not applied; WeChat will resend', {
        id: n.id,
        reason: applied.left,
      });
      return { _tag: 'Unavailable', message: 'notification recorded but not yet applied' };
    }
    deps.metrics.notification(recorded.right.isDuplicate ? 'duplicate' : 'accepted');
    return { _tag: 'Accepted', id: n.id, isDuplicate: recorded.right.isDuplicate };
  };
};
