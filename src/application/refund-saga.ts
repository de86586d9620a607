import * as E from 'fp-ts/Either';
import { Order, Refund, orderStreamId, refundStreamId } from '../domain';
import { OrderAggregate, RefundAggregate } from './aggregate';
import { observeRefundAnswer } from './observe';
import { type ChangeFeed, type CoreDeps, type Wakeups, createSagaRuns, isoNow } from './runtime';
import type { SagaOwnership } from './saga-ownership';
import { callGateway, commandsFor, describeError, load } from './saga-commands';

const ACTOR = 'refund-saga';
const RETRY_AFTER_FAILURE_MS = 1_000;

export interface RefundSaga {
  readonly drive: (refundStreamId: string) => Promise<void>;
  /** Repairs the link from an order's reservations to their refund streams (after a crash between the two appends). */
  readonly ensureRequested: (
    order: Order.ActiveOrder,
    only?: Refund.ActiveRefund['outRefundNo'],
  ) => Promise<void>;
  /** Resolves once every step started so far has ended. */
  readonly idle: () => Promise<void>;
}

/**
 * The refund saga: submit with the reserved out_refund_no (retries reuse it), then poll with back-off
 * or take the notification, whichever comes first. The API's rules are met by scheduling: submissions
 * on one order are spaced by the policy's minimum gap. When the refund settles, its reservation on the
 * order is confirmed (succeeded) or released (closed, rejected); while it is ABNORMAL or in review the
 * reservation is held, and for an unclear outcome the janitor's steps (Refund.nextRefundStep) go on.
 */
export const createRefundSaga = (
  deps: CoreDeps,
  feed: ChangeFeed,
  wakeups: Wakeups,
  ownership: SagaOwnership,
): RefundSaga => {
  const runs = createSagaRuns();
  const log = deps.logger.child({ saga: 'refund' });

  const retryLater = (streamId: string, reason: string): void => {
    log.error('refund saga step failed; retrying', { streamId, reason });
    wakeups.at(streamId, deps.clock.now() + RETRY_AFTER_FAILURE_MS, () => void drive(streamId));
  };

  /** Earliest time this refund may be submitted: the policy's gap after any sibling's last submission. */
  const earliestSubmission = async (s: Refund.ActiveRefund): Promise<number> => {
    const order = await load(deps, OrderAggregate)(orderStreamId(s.subMchid, s.outTradeNo));
    if (E.isLeft(order) || !Order.isActive(order.right.state)) return 0;
    const siblings = Object.keys(order.right.state.refunds).filter((no) => no !== s.outRefundNo);
    let latest = 0;
    for (const no of siblings) {
      const sibling = await load(
        deps,
        RefundAggregate,
      )(refundStreamId(s.subMchid, no as Refund.ActiveRefund['outRefundNo']));
      if (
        E.isRight(sibling) &&
        Refund.isActive(sibling.right.state) &&
        sibling.right.state.lastDispatchedAt
      ) {
        latest = Math.max(latest, Date.parse(sibling.right.state.lastDispatchedAt));
      }
    }
    return latest === 0 ? 0 : latest + s.policy.minSpacingMs;
  };

  /** Settle the order's reservation once the refund's outcome is known. Idempotent. */
  const settleReservation = async (s: Refund.ActiveRefund): Promise<void> => {
    const orderId = orderStreamId(s.subMchid, s.outTradeNo);
    const order = await load(deps, OrderAggregate)(orderId);
    if (E.isLeft(order))
      return retryLater(refundStreamId(s.subMchid, s.outRefundNo), describeError(order.left));
    const at = isoNow(deps.clock);
    const settlement = Refund.reservationSettlement(s);
    const command: Order.OrderCommand | undefined =
      settlement === 'confirm'
        ? { type: 'ConfirmRefund', outRefundNo: s.outRefundNo, amount: s.amount, at }
        : settlement === 'release'
          ? {
              type: 'ReleaseRefund',
              outRefundNo: s.outRefundNo,
              reason: `refund ${s.status.toLowerCase()}`,
              at,
            }
          : undefined;
    const reservation = Order.isActive(order.right.state)
      ? order.right.state.refunds[s.outRefundNo]
      : undefined;
    if (!command || !reservation || reservation.status !== 'reserved') return;
    const r = await commandsFor(deps, OrderAggregate, orderId, order.right, ACTOR)(command);
    if (E.isLeft(r)) return retryLater(refundStreamId(s.subMchid, s.outRefundNo), describeError(r.left));
    // Counted once: only the run that settles the reservation gets here.
    deps.metrics.refundSettled(s.status, deps.clock.now() - Date.parse(s.requestedAt));
    feed.notify(orderId, r.right.state);
  };

  const step = async (streamId: string): Promise<void> => {
    for (;;) {
      const loaded = await load(deps, RefundAggregate)(streamId);
      if (E.isLeft(loaded)) return retryLater(streamId, describeError(loaded.left));
      const { state } = loaded.right;
      if (!Refund.isActive(state)) return;
      const s = state;
      // Driven by the instance that leases the order's partition, and only while it does.
      if (!ownership.owns(orderStreamId(s.subMchid, s.outTradeNo))) return;
      const next = Refund.nextRefundStep(s);
      const runCommand = commandsFor(deps, RefundAggregate, streamId, loaded.right, ACTOR);
      const exec = async (command: Refund.RefundCommand): Promise<boolean> => {
        const r = await runCommand(command);
        if (E.isLeft(r)) {
          retryLater(streamId, describeError(r.left));
          return false;
        }
        feed.notify(streamId);
        return true;
      };
      const now = deps.clock.now();
      const at = isoNow(deps.clock);
      switch (next.kind) {
        case 'None':
          // Nothing left to do: the refund may have just settled by a notification or a review,
          // which append without this saga's exec, so waiters on the refund are told here.
          feed.notify(streamId);
          return settleReservation(s);
        case 'ScheduleSubmit':
          if (!(await exec({ type: 'ScheduleSubmit', dueAt: next.dueAt, reason: next.reason, at }))) return;
          continue;
        case 'SchedulePoll':
          if (!(await exec({ type: 'SchedulePoll', dueAt: next.dueAt, at }))) return;
          continue;
        case 'FlagForReview':
          if (!(await exec({ type: 'FlagForReview', reason: next.reason, detail: next.detail, at }))) return;
          continue;
        case 'Query': {
          const due = Date.parse(next.dueAt);
          if (due > now) return wakeups.at(streamId, due, () => void drive(streamId));
          const answer = await callGateway(
            deps,
            'queryRefund',
            deps.gateway.queryRefund({
              subMchid: s.subMchid,
              outRefundNo: s.outRefundNo,
            }),
          );
          const observation = observeRefundAnswer(answer, 'query');
          if (
            !(await exec({ type: 'RecordObservation', source: 'query', observation, at: isoNow(deps.clock) }))
          )
            return;
          continue;
        }
        case 'Submit': {
          const spaced = await earliestSubmission(s);
          const due = Math.max(Date.parse(next.dueAt), spaced);
          // The janitor's resubmission (in review) has no ScheduleSubmit to record: it just waits,
          // and after a restart the same spacing is computed again from the siblings' dispatches.
          if (
            s.status !== 'NeedsReview' &&
            spaced > Date.parse(next.dueAt) &&
            spaced > now &&
            s.submitDueAt !== new Date(spaced).toISOString()
          ) {
            // The policy's gap between refunds of one order: met by waiting, never by failing.
            const dueAt = new Date(spaced).toISOString();
            if (
              !(await exec({
                type: 'ScheduleSubmit',
                dueAt,
                reason: 'spacing between refunds of one order',
                at,
              }))
            )
              return;
            continue;
          }
          if (due > now) return wakeups.at(streamId, due, () => void drive(streamId));
          if (!(await exec({ type: 'RecordDispatch', at }))) return;
          const answer = await callGateway(
            deps,
            'refund',
            deps.gateway.refund({
              subMchid: s.subMchid,
              transactionId: s.transactionId,
              outRefundNo: s.outRefundNo,
              refund: s.amount,
              total: s.orderTotal,
              ...(s.reason !== undefined ? { reason: s.reason } : {}),
              ...(deps.config.refundNotifyUrl !== undefined
                ? { notifyUrl: deps.config.refundNotifyUrl }
                : {}),
            }),
          );
          const observation = observeRefundAnswer(answer, 'submit');
          if (
            !(await exec({
              type: 'RecordObservation',
              source: 'submit',
              observation,
              at: isoNow(deps.clock),
            }))
          )
            return;
          continue;
        }
      }
    }
  };

  /**
   * Refunds of one order are driven under the order's key, so the spacing check and the submission
   * it allows cannot interleave with a sibling's.
   */
  const drive = async (streamId: string): Promise<void> => {
    const loaded = await load(deps, RefundAggregate)(streamId);
    const key =
      E.isRight(loaded) && Refund.isActive(loaded.right.state)
        ? orderStreamId(loaded.right.state.subMchid, loaded.right.state.outTradeNo)
        : streamId;
    if (!ownership.owns(key)) return;
    return runs(streamId, key, () => ownership.track(key, () => step(streamId))).catch((e: unknown) => {
      // A bug or an adapter that broke its contract (a rejected Task): log it and try again later;
      // the step function resumes from what is recorded, so nothing is sent twice.
      void retryLater(streamId, `crashed: ${e instanceof Error ? e.message : String(e)}`);
    });
  };

  const ensureRequested = async (
    order: Order.ActiveOrder,
    only?: Refund.ActiveRefund['outRefundNo'],
  ): Promise<void> => {
    for (const [outRefundNo, reservation] of Object.entries(order.refunds)) {
      if (reservation.status !== 'reserved' || !order.transactionId) continue;
      if (only !== undefined && outRefundNo !== only) continue;
      const no = outRefundNo as Refund.ActiveRefund['outRefundNo'];
      const streamId = refundStreamId(order.subMchid, no);
      const existing = await load(deps, RefundAggregate)(streamId);
      if (E.isLeft(existing)) continue;
      if (!Refund.isActive(existing.right.state)) {
        const r = await commandsFor(
          deps,
          RefundAggregate,
          streamId,
          existing.right,
          ACTOR,
        )({
          type: 'RequestRefund',
          spMchid: order.spMchid,
          subMchid: order.subMchid,
          outTradeNo: order.outTradeNo,
          transactionId: order.transactionId,
          outRefundNo: no,
          amount: reservation.amount,
          orderTotal: order.paidAmount ?? order.amount,
          ...(reservation.reason !== undefined ? { reason: reservation.reason } : {}),
          requestFingerprint: reservation.requestFingerprint,
          policy: deps.config.refundPolicy,
          at: reservation.reservedAt,
        });
        if (E.isLeft(r)) {
          log.error('could not open refund stream for reservation', {
            streamId,
            reason: describeError(r.left),
          });
          continue;
        }
      }
      void drive(streamId);
    }
  };

  return { drive, ensureRequested, idle: runs.idle };
};
