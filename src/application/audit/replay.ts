import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import type * as t from 'io-ts';
import { Order, Refund, format, streamCategory } from '../../domain';
import type { EventStore, RecordedEvent, StoreUnavailable } from '../../ports';
import { decodeEvent } from '../aggregate';
import { NOTIFICATION_ACTOR } from '../notification-intake';
import { readWholeLog } from './log';

export type ReplayRule = 'decodes' | 'transition' | 'money-invariant' | 'saga-decision';

export interface ReplayProblem {
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly rule: ReplayRule;
  readonly detail: string;
}

export interface ReplayReport {
  /** Order and refund streams re-folded. */
  readonly streams: number;
  readonly events: number;
  readonly problems: readonly ReplayProblem[];
}

const sameTime = (a: string, b: string): boolean => Date.parse(a) === Date.parse(b);

const describeStep = (step: {
  readonly kind: string;
  readonly dueAt?: string;
  readonly resolution?: string;
}): string =>
  step.dueAt !== undefined
    ? `${step.kind} due at ${step.dueAt}`
    : step.resolution !== undefined
      ? `${step.kind} as ${step.resolution}`
      : step.kind;

/** A notification flagged as contradicting must contradict the record as it stood, in the same fields. */
const verdictProblem = (recorded: string, recomputed: string | undefined): string | undefined =>
  recomputed === recorded
    ? undefined
    : `recorded "${recorded}", the notification check gives ${recomputed === undefined ? 'agreement' : `"${recomputed}"`}`;

/**
 * A recorded saga decision must be what the step function computes from the state before it
 * (docs/architecture.md, "Audit and replay"). Undefined when the event is not a saga decision or agrees.
 */
const orderDecisionProblem = (before: Order.OrderState, e: Order.OrderEvent): string | undefined => {
  const step = Order.nextPayStep(before);
  const differs = (recorded: string): string =>
    `recorded ${recorded}, the step function gives ${describeStep(step)}`;
  switch (e.type) {
    case 'OrderPollScheduled':
      return step.kind === 'SchedulePoll' && sameTime(step.dueAt, e.data.dueAt)
        ? undefined
        : differs(`a query due at ${e.data.dueAt}`);
    case 'OrderReversalRequested':
      if (e.data.reason !== 'Deadline') return undefined;
      return step.kind === 'RequestReversal' && sameTime(step.dueAt, e.data.dueAt)
        ? undefined
        : differs(`a deadline reversal due at ${e.data.dueAt}`);
    case 'OrderFlaggedForReview':
      if (e.data.reason === 'NotificationContradicts' && e.data.notice !== undefined) {
        return Order.isActive(before)
          ? verdictProblem(e.data.detail, Order.orderNoticeContradiction(before, e.data.notice))
          : 'recorded a contradicting notification for an order that does not exist';
      }
      // Flags for a failed or unclear reversal are the saga's; other reasons follow from an answer.
      if (e.data.reason !== 'ReversalFailed' && e.data.reason !== 'OutcomeUnclear') return undefined;
      return step.kind === 'FlagForReview' && step.reason === e.data.reason
        ? undefined
        : differs(
            e.data.reason === 'ReversalFailed'
              ? 'a review for a failed reversal'
              : 'a review for an unclear outcome',
          );
    case 'OrderReversalAttempted':
      // Each reverse, the janitor's included, is sent when the step function says, never earlier.
      return step.kind === 'Reverse' && Date.parse(e.data.observedAt) >= Date.parse(step.dueAt)
        ? undefined
        : differs(`a reverse at ${e.data.observedAt}`);
    case 'OrderReviewResolved':
      // An operator decides on evidence outside the log; the janitor only on the answer recorded before.
      if (e.data.actor !== 'janitor') return undefined;
      return step.kind === 'ResolveReview' && step.resolution === e.data.resolution
        ? undefined
        : differs(`the janitor resolving the review as ${e.data.resolution}`);
    case 'OrderFailed':
      if (e.data.source !== 'dispatch') return undefined;
      return step.kind === 'Dispatch' ? undefined : differs('an undispatched pay abandoned');
    default:
      return undefined;
  }
};

const JANITOR_EVIDENCE: Readonly<Record<string, Refund.RefundObservation['kind']>> = {
  Succeeded: 'Succeeded',
  Closed: 'Closed',
  Rejected: 'Rejected',
};

/**
 * The refund saga's recorded decisions, the janitor's included: its schedule, its resubmissions,
 * and every resolution it made, which must rest on the verified answer recorded just before it.
 */
const refundDecisionProblem = (before: Refund.RefundState, e: Refund.RefundEvent): string | undefined => {
  if (e.type === 'RefundFlaggedForReview' && e.data.reason === 'NotificationContradicts' && e.data.notice) {
    return Refund.isActive(before)
      ? verdictProblem(e.data.detail, Refund.refundNoticeContradiction(before, e.data.notice))
      : 'recorded a contradicting notification for a refund that does not exist';
  }
  const step = Refund.nextRefundStep(before);
  const differs = (recorded: string): string =>
    `recorded ${recorded}, the step function gives ${describeStep(step)}`;
  switch (e.type) {
    case 'RefundPollScheduled':
      return step.kind === 'SchedulePoll' && sameTime(step.dueAt, e.data.dueAt)
        ? undefined
        : differs(`a query due at ${e.data.dueAt}`);
    case 'RefundSubmitScheduled':
      // Spacing between refunds of one order depends on the siblings, not on this stream alone.
      if (e.data.reason !== Refund.RETRYABLE_REJECTION) return undefined;
      return step.kind === 'ScheduleSubmit' && sameTime(step.dueAt, e.data.dueAt)
        ? undefined
        : differs(`a resubmission due at ${e.data.dueAt}`);
    case 'RefundFlaggedForReview':
      if (!Refund.isJanitorManagedRefundReason(e.data.reason)) return undefined;
      return step.kind === 'FlagForReview' && step.reason === e.data.reason
        ? undefined
        : differs(`a review for ${e.data.reason}`);
    case 'RefundDispatched':
      if (before.status !== 'NeedsReview') return undefined;
      return step.kind === 'Submit' ? undefined : differs('a resubmission by the janitor');
    case 'RefundReviewResolved': {
      if (e.data.actor !== 'janitor') return undefined;
      if (!Refund.isActive(before) || before.janitor === undefined) {
        return 'recorded a resolution by the janitor of an item it does not manage';
      }
      const evidence = JANITOR_EVIDENCE[e.data.resolution];
      return before.lastObservation === evidence &&
        before.lastObservedAt !== undefined &&
        sameTime(before.lastObservedAt, e.data.resolvedAt)
        ? undefined
        : `recorded a ${e.data.resolution} resolution by the janitor without a ${evidence} answer recorded just before`;
    }
    default:
      return undefined;
  }
};

/** The sum of non-released refunds never exceeds the paid total, all in its currency (docs/architecture.md). */
const moneyProblem = (s: Order.OrderState): string | undefined => {
  if (!Order.isActive(s)) return undefined;
  const paid = s.paidAmount ?? s.amount;
  const reservations = Object.entries(s.refunds);
  const foreign = reservations.find(([, r]) => r.amount.currency !== paid.currency);
  if (foreign !== undefined) {
    return `refund ${foreign[0]} is in ${foreign[1].amount.currency}, the order was paid in ${paid.currency}`;
  }
  const totals = Order.refundTotals(s);
  const committed = totals.reserved + totals.confirmed;
  return committed > paid.amount
    ? `refunds reserved or confirmed total ${format({ ...paid, amount: committed } as typeof paid)}, more than the ${format(paid)} paid`
    : undefined;
};

/**
 * A notification whose resource could not be decoded makes the intake query what it names at once
 * (a poll due when scheduled): a decision of the intake, not of the saga's step function.
 */
const isNotificationQuery = (
  stored: RecordedEvent,
  e: { readonly type: string; readonly data?: unknown },
): boolean => {
  if (stored.metadata.actor !== NOTIFICATION_ACTOR) return false;
  if (e.type !== 'OrderPollScheduled' && e.type !== 'RefundPollScheduled') return false;
  const d = e.data as { readonly dueAt: string; readonly scheduledAt: string };
  return sameTime(d.dueAt, d.scheduledAt);
};

interface Spec<Ev extends { readonly type: string }, S> {
  readonly codec: t.Type<Ev, unknown>;
  readonly initial: () => S;
  readonly evolve: (s: S, e: Ev) => S;
  readonly isAllowed: (s: S, type: Ev['type']) => boolean;
  readonly statusOf: (s: S) => string;
  readonly decisionProblem: (before: S, e: Ev) => string | undefined;
  readonly invariantProblem: (after: S) => string | undefined;
}

const ORDER: Spec<Order.OrderEvent, Order.OrderState> = {
  codec: Order.OrderEventCodec,
  initial: Order.initialState,
  evolve: Order.evolve,
  isAllowed: Order.isAllowed,
  statusOf: (s) => s.status,
  decisionProblem: orderDecisionProblem,
  invariantProblem: moneyProblem,
};

const REFUND: Spec<Refund.RefundEvent, Refund.RefundState> = {
  codec: Refund.RefundEventCodec,
  initial: Refund.initialState,
  evolve: Refund.evolve,
  isAllowed: Refund.isAllowed,
  statusOf: (s) => s.status,
  decisionProblem: refundDecisionProblem,
  invariantProblem: () => undefined,
};

const verifyStream = <Ev extends { readonly type: string }, S>(
  spec: Spec<Ev, S>,
  events: readonly RecordedEvent[],
): { readonly problems: ReplayProblem[]; readonly state: S } => {
  const problems: ReplayProblem[] = [];
  let state = spec.initial();
  for (const stored of events) {
    const problem = (rule: ReplayRule, detail: string): void => {
      problems.push({
        streamId: stored.streamId,
        revision: stored.revision,
        type: stored.type,
        rule,
        detail,
      });
    };
    const decoded = decodeEvent(spec.codec, stored);
    if (E.isLeft(decoded)) {
      problem('decodes', `does not decode (${decoded.left.message || 'unknown type'}); skipped`);
      continue;
    }
    const event = decoded.right;
    if (!spec.isAllowed(state, event.type)) {
      problem('transition', `${event.type} is not allowed in status ${spec.statusOf(state)}`);
    }
    const decision = isNotificationQuery(stored, event) ? undefined : spec.decisionProblem(state, event);
    if (decision !== undefined) problem('saga-decision', decision);
    state = spec.evolve(state, event);
    const invariant = spec.invariantProblem(state);
    if (invariant !== undefined) problem('money-invariant', invariant);
  }
  return { problems, state };
};

/**
 * The order stream is the consistency boundary (docs/architecture.md): every refund must be reserved there
 * first, for the same amount, and a refund WeChat paid must not have had its reservation released.
 */
const linkProblems = (
  refundStreamId: string,
  refund: Refund.RefundState,
  orders: ReadonlyMap<string, Order.OrderState>,
): ReplayProblem[] => {
  if (!Refund.isActive(refund)) return [];
  const orderStreamId = `order-${refund.subMchid}:${refund.outTradeNo}`;
  const order = orders.get(orderStreamId);
  const reservation =
    order !== undefined && Order.isActive(order) ? order.refunds[refund.outRefundNo] : undefined;
  const problem = (detail: string): ReplayProblem[] => [
    { streamId: refundStreamId, revision: 0, type: 'RefundRequested', rule: 'money-invariant', detail },
  ];
  if (reservation === undefined)
    return problem(`no reservation for ${refund.outRefundNo} on ${orderStreamId}`);
  if (
    reservation.amount.amount !== refund.amount.amount ||
    reservation.amount.currency !== refund.amount.currency
  ) {
    return problem(
      `requested ${format(refund.amount)}, reserved ${format(reservation.amount)} on ${orderStreamId}`,
    );
  }
  if (refund.status === 'Succeeded' && reservation.status === 'released') {
    return problem(
      `WeChat refunded ${format(refund.amount)} but the reservation on ${orderStreamId} was released`,
    );
  }
  return [];
};

/**
 * Re-folds every order and refund stream from the log alone (it never calls WeChat: the gateway's
 * answers are in the events) and checks each event against the state machine, the money
 * invariant, and the saga's step function.
 */
export const verifyReplay =
  (store: Pick<EventStore, 'readAll'>): TE.TaskEither<StoreUnavailable, ReplayReport> =>
  async () => {
    const log = await readWholeLog(store)();
    if (E.isLeft(log)) return log;
    const streams = new Map<string, RecordedEvent[]>();
    for (const e of log.right) {
      const category = streamCategory(e.streamId);
      if (category !== 'order' && category !== 'refund') continue;
      const events = streams.get(e.streamId) ?? [];
      events.push(e);
      streams.set(e.streamId, events);
    }
    const problems: ReplayProblem[] = [];
    const orders = new Map<string, Order.OrderState>();
    const refunds = new Map<string, Refund.RefundState>();
    let count = 0;
    for (const [streamId, events] of streams) {
      const ordered = [...events].sort((a, b) => a.revision - b.revision);
      count += ordered.length;
      if (streamCategory(streamId) === 'order') {
        const verified = verifyStream(ORDER, ordered);
        problems.push(...verified.problems);
        orders.set(streamId, verified.state);
      } else {
        const verified = verifyStream(REFUND, ordered);
        problems.push(...verified.problems);
        refunds.set(streamId, verified.state);
      }
    }
    for (const [streamId, refund] of refunds) problems.push(...linkProblems(streamId, refund, orders));
    return E.right({ streams: streams.size, events: count, problems });
  };

export const formatReplayReport = (report: ReplayReport): string => {
  const head = `replay: ${report.streams} stream(s), ${report.events} event(s), ${report.problems.length} problem(s)`;
  if (report.problems.length === 0)
    return `${head}: every transition legal, money invariant held, saga decisions agree`;
  return [
    `${head}:`,
    ...report.problems.map((p) => `  ${p.streamId}@${p.revision} ${p.type} [${p.rule}] ${p.detail}`),
  ].join('\n');
};

export const isReplayClean = (report: ReplayReport): boolean => report.problems.length === 0;
