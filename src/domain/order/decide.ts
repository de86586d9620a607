import * as E from 'fp-ts/Either';
import { equals, format } from '../shared/money';
import { addMillis, millisBetween } from '../shared/events';
import { type DomainError, illegal } from '../shared/errors';
import type { OrderCommand } from './commands';
import type { OrderEvent, OrderEventOf, TradeObservation } from './events';
import { REVERSE_WINDOW_MS } from './policy';
import {
  type ActiveOrder,
  type OrderState,
  earliestReverseAt,
  isActive,
  isJanitorManaged,
  refundTotals,
} from './state';
import { orderNoticeFlag } from './notification-check';

type Result = E.Either<DomainError, readonly OrderEvent[]>;

const ok = (...events: OrderEvent[]): Result => E.right(events);

/** Reference §5.5: at most 50 refunds per order, within one year of payment. */
export const MAX_REFUNDS_PER_ORDER = 50;
export const REFUND_WINDOW_MS = 365 * 24 * 3600 * 1000;

const laterOf = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

export const decide = (command: OrderCommand, state: OrderState): Result => {
  if (command.type === 'SubmitPayment') {
    if (isActive(state)) {
      // Same request again: the same order, nothing new. A different request under the same number: refused.
      return state.requestFingerprint === command.requestFingerprint
        ? ok()
        : E.left({ _tag: 'OrderAlreadyExists', outTradeNo: command.outTradeNo });
    }
    const { type: _type, at, ...data } = command;
    return ok({ type: 'OrderSubmitted', data: { ...data, submittedAt: at } });
  }
  if (!isActive(state)) return E.left({ _tag: 'OrderNotFound' });
  const s = state;
  const unsettled = s.status === 'Submitted' || s.status === 'Paying' || s.status === 'Unknown';

  switch (command.type) {
    case 'RecordDispatch':
      if (s.dispatchedAt !== undefined) return E.left({ _tag: 'AlreadyDispatched' });
      return s.status === 'Submitted'
        ? ok({ type: 'OrderDispatched', data: { dispatchedAt: command.at } })
        : E.left(illegal(command.type, s.status));

    case 'AbandonUndispatched':
      if (s.dispatchedAt !== undefined) return E.left({ _tag: 'AlreadyDispatched' });
      return s.status === 'Submitted'
        ? ok({
            type: 'OrderFailed',
            data: {
              source: 'dispatch',
              code: 'NOT_DISPATCHED',
              message: 'the pay request was never sent',
              observedAt: command.at,
            },
          })
        : E.left(illegal(command.type, s.status));

    case 'RecordObservation': {
      if (command.source === 'pay') {
        if (s.dispatchedAt === undefined) return E.left({ _tag: 'NotDispatched' });
        if (s.hasPayAnswer) return E.left(illegal('RecordObservation(pay) twice', s.status));
      }
      // A notification that contradicts the record is evidence for review, never applied.
      const contradicted = command.notice && orderNoticeFlag(s, command.notice, command.at);
      if (contradicted !== undefined) return ok(contradicted);
      const recorded: OrderEvent = {
        type: 'OrderObservationRecorded',
        data: { source: command.source, observation: command.observation, observedAt: command.at },
      };
      return ok(recorded, ...transitionFor(s, command.source, command.observation, command.at));
    }

    case 'SchedulePoll':
      if (!unsettled || s.dispatchedAt === undefined) return E.left(illegal(command.type, s.status));
      return s.nextPollAt === command.dueAt
        ? ok()
        : ok({ type: 'OrderPollScheduled', data: { dueAt: command.dueAt, scheduledAt: command.at } });

    case 'RequestReversal': {
      if (s.status === 'Reversing' || s.status === 'Reversed') return ok();
      const earliest = earliestReverseAt(s);
      const requested: OrderEvent = {
        type: 'OrderReversalRequested',
        data: { reason: command.reason, requestedAt: command.at, dueAt: laterOf(command.dueAt, earliest) },
      };
      if (unsettled) return s.dispatchedAt === undefined ? E.left({ _tag: 'NotDispatched' }) : ok(requested);
      if (s.status === 'Succeeded') {
        // A paid order can be reversed (which refunds it) within 7 days, and only before any refund.
        const hasRefunds = Object.keys(s.refunds).length > 0;
        const isTooOld = millisBetween(s.submittedAt, command.at) > REVERSE_WINDOW_MS;
        return hasRefunds || isTooOld ? E.left(illegal(command.type, s.status)) : ok(requested);
      }
      return E.left(illegal(command.type, s.status));
    }

    case 'RecordReversalResult': {
      // The janitor reverses again an order in review for an unclear outcome that we were reversing.
      const isJanitorReverse =
        s.status === 'NeedsReview' &&
        s.review?.janitor !== undefined &&
        s.review.previousStatus === 'Reversing';
      if ((s.status !== 'Reversing' && !isJanitorReverse) || !s.reversal) {
        return E.left(illegal(command.type, s.status));
      }
      const attempt = s.reversal.attempts + 1;
      const o = command.outcome;
      const delays = s.policy.reverseRetryDelaysMs;
      // Every retry delay is waited, the last one too: it is the wait before the query that precedes a flag.
      const wait =
        o.kind === 'Accepted' || o.kind === 'NotFound' || isJanitorReverse
          ? s.policy.confirmAfterMs
          : (delays[Math.min(attempt, delays.length) - 1] ?? s.policy.confirmAfterMs);
      return ok({
        type: 'OrderReversalAttempted',
        data: {
          attempt,
          outcome: o.kind,
          observedAt: command.at,
          nextDueAt: addMillis(command.at, wait),
          ...(o.kind === 'Rejected' ? { code: o.code, message: o.message } : {}),
          ...(o.kind === 'Unknown' ? { message: o.reason } : {}),
        },
      });
    }

    case 'FlagForReview':
      return ok(flag(command.reason, command.detail, command.at));

    case 'ResolveReview':
      if (s.status !== 'NeedsReview') return E.left(illegal(command.type, s.status));
      if (command.resolution === 'Succeeded' && s.transactionId === undefined) {
        return E.left(illegal('ResolveReview(Succeeded) without a WeChat transaction', s.status));
      }
      return ok({
        type: 'OrderReviewResolved',
        data: {
          resolution: command.resolution,
          actor: command.actor,
          note: command.note,
          resolvedAt: command.at,
        },
      });

    case 'ReserveRefund':
      return reserveRefund(s, command);

    case 'ReleaseRefund': {
      const r = s.refunds[command.outRefundNo];
      if (!r) return E.left({ _tag: 'RefundReservationNotFound', outRefundNo: command.outRefundNo });
      if (r.status === 'released') return ok();
      if (r.status === 'confirmed') return E.left(illegal(command.type, `refund ${r.status}`));
      return ok({
        type: 'RefundReservationReleased',
        data: { outRefundNo: command.outRefundNo, reason: command.reason, releasedAt: command.at },
      });
    }

    case 'ConfirmRefund': {
      const r = s.refunds[command.outRefundNo];
      if (!r) return E.left({ _tag: 'RefundReservationNotFound', outRefundNo: command.outRefundNo });
      if (r.status === 'confirmed') return ok();
      if (r.status === 'released') return E.left(illegal(command.type, `refund ${r.status}`));
      if (!equals(r.amount, command.amount)) {
        return E.left({ _tag: 'AmountMismatch', expected: format(r.amount), actual: format(command.amount) });
      }
      return ok({
        type: 'RefundConfirmed',
        data: { outRefundNo: command.outRefundNo, amount: command.amount, confirmedAt: command.at },
      });
    }
  }
};

const flag = (
  reason: OrderEventOf<'OrderFlaggedForReview'>['data']['reason'],
  detail: string,
  at: string,
): OrderEvent => ({
  type: 'OrderFlaggedForReview',
  data: { reason, detail, observedAt: at },
});

/** What an observation means in the current status (the status table in docs/architecture.md). */
const transitionFor = (
  s: ActiveOrder,
  source: 'pay' | 'query' | 'notification' | 'statement',
  o: TradeObservation,
  at: string,
): readonly OrderEvent[] => {
  switch (s.status) {
    case 'Submitted':
    case 'Paying':
    case 'Unknown':
      switch (o.kind) {
        case 'Paid':
          return equals(o.amount, s.amount)
            ? [
                {
                  type: 'OrderSucceeded',
                  data: {
                    source,
                    transactionId: o.transactionId,
                    amount: o.amount,
                    observedAt: at,
                    ...(o.successTime !== undefined ? { successTime: o.successTime } : {}),
                  },
                },
              ]
            : [
                flag(
                  'AmountMismatch',
                  `ordered ${format(s.amount)}, WeChat reports ${format(o.amount)} paid`,
                  at,
                ),
              ];
        case 'Paying':
          return s.status === 'Paying'
            ? []
            : [{ type: 'OrderPaying', data: { source, tradeState: o.tradeState, observedAt: at } }];
        case 'PayFailed':
          return [
            { type: 'OrderFailed', data: { source, code: o.code, message: o.message, observedAt: at } },
          ];
        case 'Revoked':
          return [{ type: 'OrderReversed', data: { source, wasPaid: s.wasSeenPaid, observedAt: at } }];
        case 'Closed':
          return [{ type: 'OrderClosed', data: { source, observedAt: at } }];
        case 'NotFound':
        case 'Unknown':
          // Unclear answers never settle an order; only the pay call's own unclear answer moves it to Unknown.
          return s.status === 'Submitted'
            ? [
                {
                  type: 'OrderOutcomeUnknown',
                  data: { source, reason: o.kind === 'Unknown' ? o.reason : 'not found', observedAt: at },
                },
              ]
            : [];
      }
      break;
    case 'Reversing':
      switch (o.kind) {
        case 'Revoked':
          return [{ type: 'OrderReversed', data: { source, wasPaid: s.wasSeenPaid, observedAt: at } }];
        case 'Closed':
          return [{ type: 'OrderClosed', data: { source, observedAt: at } }];
        case 'PayFailed':
          return [
            { type: 'OrderFailed', data: { source, code: o.code, message: o.message, observedAt: at } },
          ];
        case 'NotFound':
          // Reverse and query both say there is no such order: the pay request never created one.
          return s.reversal?.lastOutcome === 'NotFound'
            ? [
                {
                  type: 'OrderFailed',
                  data: {
                    source,
                    code: 'ORDER_NOT_FOUND',
                    message: 'WeChat has no such order',
                    observedAt: at,
                  },
                },
              ]
            : [];
        case 'Paid':
        case 'Paying':
        case 'Unknown':
          // Paid while reversing: the reverse refunds it (§5.3); the saga keeps reversing.
          return [];
      }
      break;
    case 'Succeeded':
      if (o.kind === 'Paid') {
        if (o.transactionId !== s.transactionId) {
          return [
            flag(
              'SourcesDisagree',
              `WeChat reports transaction ${o.transactionId}, we recorded ${s.transactionId ?? 'none'}`,
              at,
            ),
          ];
        }
        return s.paidAmount === undefined || equals(o.amount, s.paidAmount)
          ? []
          : [
              flag(
                'AmountMismatch',
                `recorded ${format(s.paidAmount)} paid, WeChat now reports ${format(o.amount)}`,
                at,
              ),
            ];
      }
      return o.kind === 'Paying' || o.kind === 'Unknown'
        ? []
        : [flag('SourcesDisagree', `paid order reported ${o.kind}`, at)];
    case 'Failed':
      return o.kind === 'Paid'
        ? [flag('PaidAfterFailure', `order failed but WeChat reports it paid (${o.transactionId})`, at)]
        : [];
    case 'Reversed':
    case 'Closed':
      return o.kind === 'Paid' && o.tradeState === 'SUCCESS'
        ? [
            flag(
              'PaidAfterReversal',
              `order ${s.status.toLowerCase()} but WeChat reports it paid (${o.transactionId})`,
              at,
            ),
          ]
        : [];
    case 'NeedsReview': {
      // While the janitor asks, an answer that contradicts the order is no longer "unclear": an operator decides.
      if (!s.review || !isJanitorManaged(s.review.reason) || o.kind !== 'Paid') return [];
      if (!equals(o.amount, s.amount)) {
        return [
          flag('AmountMismatch', `ordered ${format(s.amount)}, WeChat reports ${format(o.amount)} paid`, at),
        ];
      }
      return s.transactionId !== undefined && o.transactionId !== s.transactionId
        ? [
            flag(
              'SourcesDisagree',
              `WeChat reports transaction ${o.transactionId}, we recorded ${s.transactionId}`,
              at,
            ),
          ]
        : [];
    }
  }
  return [];
};

const reserveRefund = (s: ActiveOrder, c: Extract<OrderCommand, { type: 'ReserveRefund' }>): Result => {
  const existing = s.refunds[c.outRefundNo];
  if (existing) {
    return existing.requestFingerprint === c.requestFingerprint
      ? ok()
      : E.left({ _tag: 'RefundNumberConflict', outRefundNo: c.outRefundNo });
  }
  if (s.status !== 'Succeeded') return E.left(illegal(c.type, s.status));
  const paid = s.paidAmount ?? s.amount;
  if (c.amount.currency !== paid.currency) {
    return E.left({ _tag: 'CurrencyMismatch', left: paid.currency, right: c.amount.currency });
  }
  if (c.amount.amount <= 0) return E.left({ _tag: 'InvalidRefundAmount' });
  const totals = refundTotals(s);
  if (totals.count >= MAX_REFUNDS_PER_ORDER)
    return E.left({ _tag: 'TooManyRefunds', limit: MAX_REFUNDS_PER_ORDER });
  const paidAt = s.successTime ?? s.submittedAt;
  if (millisBetween(paidAt, c.at) > REFUND_WINDOW_MS) return E.left({ _tag: 'RefundWindowExpired', paidAt });
  const refundable = paid.amount - totals.reserved - totals.confirmed;
  if (c.amount.amount > refundable) {
    return E.left({ _tag: 'RefundExceedsPaidTotal', refundable, requested: c.amount.amount });
  }
  return ok({
    type: 'RefundReserved',
    data: {
      outRefundNo: c.outRefundNo,
      amount: c.amount,
      reservedAt: c.at,
      requestFingerprint: c.requestFingerprint,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    },
  });
};
