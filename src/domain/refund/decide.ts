import * as E from 'fp-ts/Either';
import { equals, format } from '../shared/money';
import { type DomainError, illegal } from '../shared/errors';
import type { RefundCommand } from './commands';
import type { RefundEvent, RefundObservation, RefundReviewReason, RefundSource } from './events';
import { type ActiveRefund, type RefundState, isActive } from './state';
import { refundNoticeFlag } from './notification-check';

type Result = E.Either<DomainError, readonly RefundEvent[]>;
const ok = (...events: RefundEvent[]): Result => E.right(events);

/** WeChat's code for an out_refund_no already used with different parameters (reference §5.5). */
export const OUT_REFUND_NO_USED = 'OUT_REFUND_NO_USED';

export const decide = (command: RefundCommand, state: RefundState): Result => {
  if (command.type === 'RequestRefund') {
    if (isActive(state)) {
      return state.requestFingerprint === command.requestFingerprint
        ? ok()
        : E.left({ _tag: 'RefundAlreadyExists', outRefundNo: command.outRefundNo });
    }
    if (command.amount.currency !== command.orderTotal.currency) {
      return E.left({
        _tag: 'CurrencyMismatch',
        left: command.orderTotal.currency,
        right: command.amount.currency,
      });
    }
    if (command.amount.amount <= 0 || command.amount.amount > command.orderTotal.amount) {
      return E.left({ _tag: 'InvalidRefundAmount' });
    }
    const { type: _type, at, ...data } = command;
    return ok({ type: 'RefundRequested', data: { ...data, requestedAt: at } });
  }
  if (!isActive(state)) return E.left({ _tag: 'RefundNotFound' });
  const s = state;
  const beforeAcceptance = s.status === 'Requested' || s.status === 'Unknown';
  const janitorWorks = s.status === 'NeedsReview' && s.janitor !== undefined;

  switch (command.type) {
    case 'RecordDispatch':
      return beforeAcceptance || (janitorWorks && !s.accepted)
        ? ok({ type: 'RefundDispatched', data: { attempt: s.attempts + 1, dispatchedAt: command.at } })
        : E.left(illegal(command.type, s.status));

    case 'RecordObservation': {
      if (command.source === 'submit' && !s.isAwaitingAnswer) {
        return E.left(illegal('RecordObservation(submit) without a dispatch', s.status));
      }
      // A notification that contradicts the record is evidence for review, never applied.
      const contradicted = command.notice && refundNoticeFlag(s, command.notice, command.at);
      if (contradicted !== undefined) return ok(contradicted);
      const recorded: RefundEvent = {
        type: 'RefundObservationRecorded',
        data: { source: command.source, observation: command.observation, observedAt: command.at },
      };
      return ok(recorded, ...transitionFor(s, command.source, command.observation, command.at));
    }

    case 'ScheduleSubmit':
      if (!beforeAcceptance) return E.left(illegal(command.type, s.status));
      return s.submitDueAt === command.dueAt
        ? ok()
        : ok({
            type: 'RefundSubmitScheduled',
            data: { dueAt: command.dueAt, reason: command.reason, scheduledAt: command.at },
          });

    case 'SchedulePoll':
      if (!(beforeAcceptance || s.status === 'Processing' || janitorWorks)) {
        return E.left(illegal(command.type, s.status));
      }
      return s.nextPollAt === command.dueAt
        ? ok()
        : ok({ type: 'RefundPollScheduled', data: { dueAt: command.dueAt, scheduledAt: command.at } });

    case 'FlagForReview':
      return ok(flag(command.reason, command.detail, command.at));

    case 'ResolveReview':
      if (s.status !== 'NeedsReview') return E.left(illegal(command.type, s.status));
      return ok({
        type: 'RefundReviewResolved',
        data: {
          resolution: command.resolution,
          actor: command.actor,
          note: command.note,
          resolvedAt: command.at,
        },
      });
  }
};

const flag = (reason: RefundReviewReason, detail: string, at: string): RefundEvent => ({
  type: 'RefundFlaggedForReview',
  data: { reason, detail, observedAt: at },
});

const succeeded = (
  s: ActiveRefund,
  source: RefundSource,
  o: Extract<RefundObservation, { kind: 'Succeeded' }>,
  at: string,
): RefundEvent =>
  equals(o.amount, s.amount)
    ? {
        type: 'RefundSucceeded',
        data: {
          source,
          refundId: o.refundId,
          amount: o.amount,
          observedAt: at,
          ...(o.successTime !== undefined ? { successTime: o.successTime } : {}),
        },
      }
    : flag(
        'AmountMismatch',
        `requested ${format(s.amount)}, WeChat reports ${format(o.amount)} refunded`,
        at,
      );

const refundIdOf = (o: { readonly refundId: string | undefined } & RefundObservation) =>
  o.refundId !== undefined ? { refundId: o.refundId as NonNullable<ActiveRefund['refundId']> } : {};

const transitionFor = (
  s: ActiveRefund,
  source: RefundSource,
  o: RefundObservation,
  at: string,
): readonly RefundEvent[] => {
  switch (s.status) {
    case 'Requested':
    case 'Unknown':
      switch (o.kind) {
        case 'Processing':
          return [{ type: 'RefundProcessing', data: { source, observedAt: at, ...refundIdOf(o) } }];
        case 'Succeeded':
          return [succeeded(s, source, o, at)];
        case 'Closed':
          return [{ type: 'RefundClosed', data: { source, observedAt: at, ...refundIdOf(o) } }];
        case 'Abnormal':
          return [{ type: 'RefundAbnormal', data: { source, observedAt: at, ...refundIdOf(o) } }];
        case 'Rejected':
          if (o.code === OUT_REFUND_NO_USED) {
            return [
              flag(
                'RefundNumberUsed',
                `out_refund_no ${s.outRefundNo} is already used with different parameters`,
                at,
              ),
            ];
          }
          return source === 'submit'
            ? [{ type: 'RefundRejected', data: { code: o.code, message: o.message, observedAt: at } }]
            : [];
        case 'Unknown':
          return s.status === 'Requested'
            ? [{ type: 'RefundOutcomeUnknown', data: { source, reason: o.reason, observedAt: at } }]
            : [];
        case 'Retryable':
        case 'NotFound':
          return [];
      }
      break;
    case 'Processing':
    case 'Abnormal':
      switch (o.kind) {
        case 'Succeeded':
          return [succeeded(s, source, o, at)];
        case 'Closed':
          return [{ type: 'RefundClosed', data: { source, observedAt: at, ...refundIdOf(o) } }];
        case 'Abnormal':
          return s.status === 'Abnormal'
            ? []
            : [{ type: 'RefundAbnormal', data: { source, observedAt: at, ...refundIdOf(o) } }];
        case 'NotFound':
          return [flag('SourcesDisagree', `refund accepted earlier, now reported not found`, at)];
        default:
          return [];
      }
    case 'Succeeded':
      if (o.kind === 'Succeeded') {
        return equals(o.amount, s.amount)
          ? []
          : [flag('AmountMismatch', `succeeded refund now reported as ${format(o.amount)}`, at)];
      }
      return o.kind === 'Closed' || o.kind === 'Abnormal' || o.kind === 'NotFound'
        ? [flag('SourcesDisagree', `succeeded refund now reported ${o.kind}`, at)]
        : [];
    case 'Closed':
    case 'Rejected':
      if (o.kind === 'Succeeded') {
        return [flag('SourcesDisagree', `${s.status.toLowerCase()} refund now reported succeeded`, at)];
      }
      // A rejected refund that WeChat reports accepted exists after all, while its reservation
      // on the order may already be released: money could leave twice.
      return s.status === 'Rejected' && (o.kind === 'Processing' || o.kind === 'Abnormal')
        ? [flag('SourcesDisagree', `rejected refund now reported ${o.kind}`, at)]
        : [];
    case 'NeedsReview':
      return s.janitor === undefined ? [] : janitorTransition(s, source, o, at);
  }
  return [];
};

const JANITOR = 'janitor';

const resolved = (
  resolution: 'Succeeded' | 'Closed' | 'Rejected',
  note: string,
  at: string,
): RefundEvent => ({
  type: 'RefundReviewResolved',
  data: { resolution, actor: JANITOR, note, resolvedAt: at },
});

/**
 * A refund in review for an unclear outcome, and a new answer: a verified final one resolves the
 * item (the observation recorded just before is the evidence); one that contradicts what WeChat
 * said earlier makes it a contradiction for an operator; anything else leaves it to the janitor.
 */
const janitorTransition = (
  s: ActiveRefund,
  source: RefundSource,
  o: RefundObservation,
  at: string,
): readonly RefundEvent[] => {
  const evidence = `${source} at ${at}`;
  switch (o.kind) {
    case 'Succeeded':
      return equals(o.amount, s.amount)
        ? [resolved('Succeeded', `WeChat reports SUCCESS, refund_id ${o.refundId} (${evidence})`, at)]
        : [
            flag(
              'AmountMismatch',
              `requested ${format(s.amount)}, WeChat reports ${format(o.amount)} refunded`,
              at,
            ),
          ];
    case 'Closed':
      return [resolved('Closed', `WeChat reports REFUNDCLOSE (${evidence})`, at)];
    case 'Rejected':
      if (o.code === OUT_REFUND_NO_USED) {
        return [
          flag(
            'RefundNumberUsed',
            `out_refund_no ${s.outRefundNo} is already used with different parameters`,
            at,
          ),
        ];
      }
      // Only a refused (re)submission is a verdict on the refund; a refused query says nothing.
      return source === 'submit'
        ? [resolved('Rejected', `WeChat refused the resubmission: ${o.code} (${evidence})`, at)]
        : [];
    case 'NotFound':
      return s.accepted
        ? [flag('SourcesDisagree', `refund accepted earlier, now reported not found`, at)]
        : [];
    case 'Processing':
    case 'Abnormal':
    case 'Unknown':
    case 'Retryable':
      return [];
  }
};
