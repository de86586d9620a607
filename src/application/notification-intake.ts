import { createHash } from 'node:crypto';
import * as E from 'fp-ts/Either';
import {
  Notification,
  Order,
  Refund,
  format,
  money,
  orderStreamId,
  refundStreamId,
  type Money,
  type OutRefundNo,
  type OutTradeNo,
  type SubMchid,
} from '../domain';
import type {
  EventToAppend,
  IncomingNotification,
  NotificationError,
  RefundNotification,
  TransactionNotification,
  VerifiedNotification,
} from '../ports';
import { type AggregateSpec, OrderAggregate, RefundAggregate, decodeEvent } from './aggregate';
import { deterministicUuid } from './deterministic-id';
import { type CommandContext, type HandleError, type RetryPolicy, handleCommand } from './command-handler';
import { PENDING_NOTIFICATIONS, type PendingNotificationDoc } from './projections/pending-notifications';
import { type CoreDeps, createKeyedLock, isoNow } from './runtime';
import { describeError, load } from './saga-commands';

/** The actor of everything the intake records (replay knows its immediate queries by it). */
export const NOTIFICATION_ACTOR = 'wechatpay-notification';

export type IntakeResult =
  | { readonly _tag: 'Accepted'; readonly id: string; readonly isDuplicate: boolean }
  | { readonly _tag: 'Rejected'; readonly error: NotificationError }
  | { readonly _tag: 'Unavailable'; readonly message: string };

type ReceivedData = Notification.NotificationEventOf<'NotificationReceived'>['data'];
type UndecodableData = Notification.NotificationEventOf<'NotificationUndecodable'>['data'];
type Recorded =
  | { readonly type: 'NotificationReceived'; readonly data: ReceivedData }
  | { readonly type: 'NotificationUndecodable'; readonly data: UndecodableData };
type Target = { readonly kind: 'order' | 'refund'; readonly streamId: string };
type AppliedOutcome = Notification.NotificationEventOf<'NotificationApplied'>['data']['outcome'];

/** How long the webhook lets applying run before it answers anyway (recording is what it waits for). */
const APPLY_WAIT_MS = 1_000;
/** Applying is retried until it lands: conflicts with the sagas and a store that comes back. */
const APPLY_RETRY: RetryPolicy = { attempts: 8, initialDelayMs: 10, factor: 2 };
const BACKOFF_MS = [20, 50, 100, 250, 500, 1_000, 2_000, 5_000] as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

/** Resolves when `work` settles or after `ms`, whichever is first; the timer never outlives it. */
const awaitAtMost = async (work: Promise<unknown>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.then(() => undefined), late]).finally(() => clearTimeout(timer));
};

/** The facts that make a notification's content: a reused id whose facts differ is a conflict. */
const FACT_FIELDS = [
  'eventType',
  'spMchid',
  'subMchid',
  'outTradeNo',
  'transactionId',
  'outRefundNo',
  'refundId',
  'status',
  'amount',
  'total',
  'successTime',
] as const;
type FactField = (typeof FACT_FIELDS)[number];

const isMoney = (v: unknown): v is Money => typeof v === 'object' && v !== null && 'currency' in v;
const factText = (v: unknown): string =>
  v === undefined ? 'absent' : isMoney(v) ? format(v) : typeof v === 'string' ? v : JSON.stringify(v);
const factsOf = (data: Partial<Record<FactField, unknown>>): Record<string, string> =>
  Object.fromEntries(FACT_FIELDS.map((f) => [f, factText(data[f])]));
const digestOf = (facts: Readonly<Record<string, string>>): string =>
  createHash('sha256').update(JSON.stringify(facts)).digest('hex');

const receivedOf = (
  n: VerifiedNotification,
  r: TransactionNotification | RefundNotification,
  at: string,
): ReceivedData | undefined => {
  const amount = money(r.kind === 'refund' ? r.amount.refund : r.amount.total, r.amount.currency);
  const total = money(r.amount.total, r.amount.currency);
  if (E.isLeft(amount) || E.isLeft(total)) return undefined;
  const facts = {
    eventType: n.eventType,
    spMchid: r.spMchid,
    subMchid: r.subMchid,
    outTradeNo: r.outTradeNo,
    transactionId: r.transactionId,
    status: r.kind === 'refund' ? r.refundStatus : r.tradeState,
    amount: amount.right,
    total: total.right,
    ...(r.kind === 'refund' ? { outRefundNo: r.outRefundNo, refundId: r.refundId } : {}),
    ...(r.successTime !== undefined ? { successTime: r.successTime } : {}),
  };
  return {
    notificationId: n.id,
    createTime: n.createTime,
    receivedAt: at,
    ...facts,
    digest: digestOf(factsOf(facts)),
  };
};

const undecodableOf = (n: VerifiedNotification, error: string, ids: object, at: string): UndecodableData => {
  const named = Object.fromEntries(Object.entries(ids).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
  return {
    notificationId: n.id,
    eventType: n.eventType,
    createTime: n.createTime,
    receivedAt: at,
    error,
    digest: digestOf({ eventType: n.eventType, error, ...named }),
    ...named,
  };
};

const contentDigest = (r: Recorded): string =>
  r.type === 'NotificationReceived' ? digestOf(factsOf(r.data)) : r.data.digest;

/** Every fact on which a reused id's new content differs from what was recorded first. */
const differencesOf = (first: Recorded, next: Recorded): Notification.NotificationDifference[] => {
  if (first.type !== next.type) return [{ field: 'resource', recorded: first.type, received: next.type }];
  const a = first.type === 'NotificationReceived' ? factsOf(first.data) : { error: first.data.error };
  const b = next.type === 'NotificationReceived' ? factsOf(next.data) : { error: next.data.error };
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((k) => ({ field: k, recorded: a[k] ?? 'absent', received: b[k] ?? 'absent' }));
};

/** The order or refund a recorded notification is about, when it names one. */
const targetOf = (r: Recorded): Target | undefined => {
  const d = r.data;
  if (d.subMchid === undefined) return undefined;
  if (d.outRefundNo !== undefined)
    return { kind: 'refund', streamId: refundStreamId(d.subMchid as SubMchid, d.outRefundNo as OutRefundNo) };
  if (d.outTradeNo !== undefined)
    return { kind: 'order', streamId: orderStreamId(d.subMchid as SubMchid, d.outTradeNo as OutTradeNo) };
  return undefined;
};

/** What the decider checks: everything the notification states. Absent for records kept before it was stored. */
const noticeOf = (d: ReceivedData): Notification.NotificationNotice | undefined => {
  if (d.spMchid === undefined || d.total === undefined) return undefined;
  return {
    notificationId: d.notificationId,
    eventType: d.eventType,
    spMchid: d.spMchid,
    subMchid: d.subMchid,
    outTradeNo: d.outTradeNo,
    transactionId: d.transactionId,
    status: d.status,
    total: d.total,
    ...(d.outRefundNo !== undefined
      ? { refund: { outRefundNo: d.outRefundNo, refundId: d.refundId ?? '', amount: d.amount } }
      : {}),
  };
};

const refundObservationOf = (d: ReceivedData): Refund.RefundObservation => {
  const refundId = d.refundId as Refund.ActiveRefund['refundId'] & string;
  return d.status === 'SUCCESS'
    ? { kind: 'Succeeded', refundId, amount: d.amount, successTime: d.successTime }
    : d.status === 'REFUNDCLOSE'
      ? { kind: 'Closed', refundId }
      : { kind: 'Abnormal', refundId };
};

const tradeObservationOf = (d: ReceivedData): Order.TradeObservation =>
  d.status === 'SUCCESS'
    ? {
        kind: 'Paid',
        transactionId: d.transactionId as Order.ActiveOrder['transactionId'] & string,
        amount: d.amount,
        tradeState: 'SUCCESS',
        successTime: d.successTime,
      }
    : { kind: 'Unknown', reason: `notification reports ${d.status}` };

const isNotFound = (e: HandleError): boolean =>
  e._tag === 'DomainRejected' && (e.error._tag === 'OrderNotFound' || e.error._tag === 'RefundNotFound');

/**
 * Notification intake: verify and decrypt; record the verified facts durably in `notification-{id}`
 * (a redelivery is recognised by its id, a reused id with other content is recorded as a conflict and
 * never applied); acknowledge; then apply to our order or refund as an observation whose decider
 * checks every fact against the record (a contradiction goes to review, nothing applied). Applying
 * is serialised per target and retried until it lands, and resumed at start for any notification
 * recorded but not applied.
 */
export const createNotificationIntake = (
  deps: CoreDeps,
  afterApplied: (streamId: string, kind: 'order' | 'refund') => void,
) => {
  const log = deps.logger.child({ component: 'notifications' });
  const lock = createKeyedLock();
  let isStopped = false;

  const metadata = (correlationId: string, at: string): EventToAppend['metadata'] => ({
    correlationId,
    causationId: correlationId,
    recordedAt: at,
    actor: NOTIFICATION_ACTOR,
    schemaVersion: 1,
  });

  const readNotification = async (
    streamId: string,
  ): Promise<E.Either<string, { readonly events: readonly Notification.NotificationEvent[] }>> => {
    const read = await deps.store.readStream(streamId)();
    if (E.isLeft(read))
      return read.left._tag === 'StreamNotFound' ? E.right({ events: [] }) : E.left(read.left.message);
    const events: Notification.NotificationEvent[] = [];
    for (const stored of read.right) {
      const decoded = decodeEvent(Notification.NotificationEventCodec, stored);
      if (E.isLeft(decoded)) return E.left(decoded.left.message);
      events.push(decoded.right);
    }
    return E.right({ events });
  };

  const firstOf = (events: readonly Notification.NotificationEvent[]): Recorded | undefined => {
    const first = events[0];
    return first?.type === 'NotificationReceived' || first?.type === 'NotificationUndecodable'
      ? first
      : undefined;
  };
  const isDone = (events: readonly Notification.NotificationEvent[]): boolean =>
    events.some((e) => e.type === 'NotificationApplied' || e.type === 'NotificationUnmatched');

  /** Appends one event after whatever the stream holds, unless an event with its id is there already. */
  const appendOnce = async (streamId: string, id: string, type: string, data: unknown, at: string) => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const read = await deps.store.readStream(streamId)();
      if (E.isLeft(read) && read.left._tag === 'StoreUnavailable') return E.left(read.left.message);
      const existing = E.isRight(read) ? read.right : [];
      if (existing.some((e) => e.id === id)) return E.right(undefined);
      const last = existing[existing.length - 1]?.revision ?? -1;
      const appended = await deps.store.append(
        streamId,
        [{ id, type, data, metadata: metadata(streamId, at) }],
        last < 0 ? 'no-stream' : last,
      )();
      if (E.isRight(appended)) return E.right(undefined);
      if (appended.left._tag !== 'WrongExpectedVersion') return E.left(appended.left.message);
    }
    return E.left(`could not append ${type} to ${streamId}`);
  };

  type RecordResult = {
    readonly streamId: string;
    readonly outcome: 'new' | 'duplicate' | 'conflict';
    readonly first: Recorded;
    readonly isDone: boolean;
  };

  /** A known id: the same content again is a duplicate; other content is kept as a conflict. */
  const compare = async (
    streamId: string,
    events: readonly Notification.NotificationEvent[],
    rec: Recorded,
    at: string,
  ): Promise<E.Either<string, RecordResult>> => {
    const first = firstOf(events);
    if (first === undefined) return E.left(`${streamId} does not start with a notification`);
    const done = isDone(events);
    const digest = contentDigest(rec);
    if (contentDigest(first) === digest)
      return E.right({ streamId, outcome: 'duplicate', first, isDone: done });
    const conflicted: Notification.NotificationEventOf<'NotificationConflicted'>['data'] = {
      notificationId: rec.data.notificationId,
      digest,
      eventType: rec.data.eventType,
      receivedAt: at,
      differences: differencesOf(first, rec),
    };
    const kept = await appendOnce(
      streamId,
      deterministicUuid(streamId, 'conflict', digest),
      'NotificationConflicted',
      conflicted,
      at,
    );
    return E.isLeft(kept) ? kept : E.right({ streamId, outcome: 'conflict', first, isDone: done });
  };

  const record = async (rec: Recorded, at: string): Promise<E.Either<string, RecordResult>> => {
    const id = rec.data.notificationId;
    const streamId = Notification.notificationStreamId(id);
    const known = await readNotification(streamId);
    if (E.isLeft(known)) return known;
    if (known.right.events.length > 0) return compare(streamId, known.right.events, rec, at);
    // The digest is part of the event id: another content under this id can never pass as a retry.
    const appended = await deps.store.append(
      streamId,
      [
        {
          id: deterministicUuid('notification', id, contentDigest(rec)),
          type: rec.type,
          data: rec.data,
          metadata: metadata(id, at),
        },
      ],
      'no-stream',
    )();
    if (E.isRight(appended)) return E.right({ streamId, outcome: 'new', first: rec, isDone: false });
    if (appended.left._tag !== 'WrongExpectedVersion') return E.left(appended.left.message);
    // Recorded meanwhile by a concurrent delivery of this id.
    const recorded = await readNotification(streamId);
    return E.isLeft(recorded) ? recorded : compare(streamId, recorded.right.events, rec, at);
  };

  const complete = (streamId: string, outcome: AppliedOutcome, target: Target, at: string) =>
    appendOnce(
      streamId,
      deterministicUuid(streamId, 'done'),
      'NotificationApplied',
      { target: target.streamId, outcome, appliedAt: at },
      at,
    );
  const unmatched = (streamId: string, reason: string, at: string) =>
    appendOnce(
      streamId,
      deterministicUuid(streamId, 'done'),
      'NotificationUnmatched',
      { reason, observedAt: at },
      at,
    );

  const contextFor = (streamId: string, rec: Recorded, at: string): CommandContext => ({
    commandId: `${streamId}:apply`,
    correlationId: rec.data.notificationId,
    causationId: rec.data.notificationId,
    actor: NOTIFICATION_ACTOR,
    now: at,
  });

  const applyReceived = async (
    streamId: string,
    d: ReceivedData,
    target: Target,
    at: string,
  ): Promise<E.Either<string, void>> => {
    const notice = noticeOf(d);
    const context = contextFor(streamId, { type: 'NotificationReceived', data: d }, at);
    const handled =
      target.kind === 'refund'
        ? await handleCommand(
            deps.store,
            RefundAggregate,
            target.streamId,
            {
              type: 'RecordObservation',
              source: 'notification',
              observation: refundObservationOf(d),
              ...(notice !== undefined ? { notice } : {}),
              at,
            },
            context,
            APPLY_RETRY,
          )()
        : await handleCommand(
            deps.store,
            OrderAggregate,
            target.streamId,
            {
              type: 'RecordObservation',
              source: 'notification',
              observation: tradeObservationOf(d),
              ...(notice !== undefined ? { notice } : {}),
              at,
            },
            context,
            APPLY_RETRY,
          )();
    if (E.isLeft(handled)) {
      if (isNotFound(handled.left)) {
        // Not ours (or not yet known): kept for reconciliation, never applied.
        const what = target.kind === 'refund' ? `refund ${d.outRefundNo ?? ''}` : `order ${d.outTradeNo}`;
        return unmatched(streamId, `no ${what} for sub-merchant ${d.subMchid}`, at);
      }
      if (handled.left._tag === 'DomainRejected') {
        log.warn('notification refused by the record', {
          id: d.notificationId,
          reason: describeError(handled.left),
        });
        return complete(streamId, 'Refused', target, at);
      }
      return E.left(describeError(handled.left));
    }
    const { newEvents, state } = handled.right;
    const flagged = (newEvents as readonly { type: string; data: unknown }[]).some(
      (e) =>
        e.type.endsWith('FlaggedForReview') &&
        (e.data as { reason?: string }).reason === 'NotificationContradicts',
    );
    const stillFlagged =
      newEvents.length === 0 &&
      (state as { review?: { reason: string } }).review?.reason === 'NotificationContradicts';
    if (flagged)
      log.warn('notification contradicts the record; flagged for review', {
        id: d.notificationId,
        target: target.streamId,
      });
    const done = await complete(streamId, flagged || stillFlagged ? 'Contradicts' : 'Applied', target, at);
    if (E.isRight(done)) afterApplied(target.streamId, target.kind);
    return done;
  };

  /** Schedules the target's next query for now; a target that no longer polls (settled) is fine. */
  const pollNow = async <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
    spec: AggregateSpec<C, Ev, S>,
    streamId: string,
    command: C,
    context: CommandContext,
  ): Promise<E.Either<string, void>> => {
    const r = await handleCommand(deps.store, spec, streamId, command, context, APPLY_RETRY)();
    return E.isLeft(r) && r.left._tag !== 'DomainRejected'
      ? E.left(describeError(r.left))
      : E.right(undefined);
  };

  /** A notification we cannot read: ask WeChat about what it names, now. */
  const queryTarget = async (
    streamId: string,
    d: UndecodableData,
    target: Target | undefined,
    at: string,
  ): Promise<E.Either<string, void>> => {
    if (target === undefined) return unmatched(streamId, 'names no order or refund that could be read', at);
    const context = contextFor(streamId, { type: 'NotificationUndecodable', data: d }, at);
    if (target.kind === 'refund') {
      const loaded = await load(deps, RefundAggregate)(target.streamId);
      if (E.isLeft(loaded)) return E.left(describeError(loaded.left));
      const s = loaded.right.state;
      if (!Refund.isActive(s))
        return unmatched(
          streamId,
          `no refund ${d.outRefundNo ?? ''} for sub-merchant ${d.subMchid ?? ''}`,
          at,
        );
      const isAwaiting =
        s.status === 'Processing' || s.status === 'Unknown' || (s.status === 'Requested' && s.attempts > 0);
      if (isAwaiting) {
        const polled = await pollNow(
          RefundAggregate,
          target.streamId,
          { type: 'SchedulePoll', dueAt: at, at },
          context,
        );
        if (E.isLeft(polled)) return polled;
      }
    } else {
      const loaded = await load(deps, OrderAggregate)(target.streamId);
      if (E.isLeft(loaded)) return E.left(describeError(loaded.left));
      const s = loaded.right.state;
      if (!Order.isActive(s))
        return unmatched(streamId, `no order ${d.outTradeNo ?? ''} for sub-merchant ${d.subMchid ?? ''}`, at);
      const isAwaiting =
        (s.status === 'Submitted' || s.status === 'Paying' || s.status === 'Unknown') &&
        s.dispatchedAt !== undefined;
      if (isAwaiting) {
        const polled = await pollNow(
          OrderAggregate,
          target.streamId,
          { type: 'SchedulePoll', dueAt: at, at },
          context,
        );
        if (E.isLeft(polled)) return polled;
      }
    }
    const done = await complete(streamId, 'Queried', target, at);
    if (E.isRight(done)) afterApplied(target.streamId, target.kind);
    return done;
  };

  const applyOnce = async (streamId: string, rec: Recorded): Promise<E.Either<string, void>> => {
    const recorded = await readNotification(streamId);
    if (E.isLeft(recorded)) return recorded;
    if (isDone(recorded.right.events)) return E.right(undefined);
    const at = isoNow(deps.clock);
    const target = targetOf(rec);
    if (rec.type === 'NotificationUndecodable') return queryTarget(streamId, rec.data, target, at);
    if (target === undefined) return unmatched(streamId, 'names no order or refund', at);
    return applyReceived(streamId, rec.data, target, at);
  };

  /** Applies until it lands (or the core stops), one notification per target at a time. */
  const apply = (streamId: string, rec: Recorded): Promise<void> =>
    lock(targetOf(rec)?.streamId ?? streamId, async () => {
      for (let attempt = 0; !isStopped; attempt += 1) {
        const r = await applyOnce(streamId, rec);
        if (E.isRight(r)) return;
        log.warn('notification recorded but not applied yet; retrying', {
          id: rec.data.notificationId,
          reason: r.left,
        });
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 5_000);
      }
    });

  const receive = async (incoming: IncomingNotification): Promise<IntakeResult> => {
    const verified = await deps.verifier.verify(incoming)();
    if (E.isLeft(verified)) {
      deps.metrics.notification(verified.left._tag);
      log.warn('notification rejected', { reason: verified.left._tag });
      return { _tag: 'Rejected', error: verified.left };
    }
    const n = verified.right;
    const at = isoNow(deps.clock);
    const r = n.resource;
    const received = r.kind === 'undecodable' ? undefined : receivedOf(n, r, at);
    const rec: Recorded =
      received !== undefined
        ? { type: 'NotificationReceived', data: received }
        : {
            type: 'NotificationUndecodable',
            data:
              r.kind === 'undecodable'
                ? undecodableOf(n, r.error, r.ids, at)
                : undecodableOf(n, 'unusable amount', {}, at),
          };
    const recorded = await record(rec, at);
    if (E.isLeft(recorded)) {
      deps.metrics.notification('unavailable');
      log.error('notification not recorded; WeChat will resend', { id: n.id, reason: recorded.left });
      return { _tag: 'Unavailable', message: 'notification not recorded' };
    }
    const { streamId, outcome, first } = recorded.right;
    if (outcome === 'conflict') {
      deps.metrics.notification('conflict');
      log.warn('notification id reused with other content; recorded, not applied', { id: n.id });
      return { _tag: 'Accepted', id: n.id, isDuplicate: false };
    }
    if (rec.type === 'NotificationUndecodable')
      log.warn('notification resource undecodable; querying what it names', { id: n.id });
    if (!recorded.right.isDone) {
      // Acknowledged once recorded; applying gets a moment to finish first and carries on after.
      const applying = apply(streamId, first);
      await awaitAtMost(applying, APPLY_WAIT_MS);
    }
    deps.metrics.notification(outcome === 'duplicate' ? 'duplicate' : 'accepted');
    return { _tag: 'Accepted', id: n.id, isDuplicate: outcome === 'duplicate' };
  };

  /** At start: apply every notification recorded but not applied (a crash between the two). */
  const resumePending = async (): Promise<void> => {
    const pending = await deps.readModels.list(PENDING_NOTIFICATIONS)();
    if (E.isLeft(pending)) throw new Error(`read models unavailable at start: ${pending.left.message}`);
    for (const doc of pending.right as readonly PendingNotificationDoc[]) {
      const recorded = await readNotification(doc.streamId);
      if (E.isLeft(recorded)) {
        log.error('pending notification not readable', { streamId: doc.streamId, reason: recorded.left });
        continue;
      }
      const first = firstOf(recorded.right.events);
      if (first !== undefined && !isDone(recorded.right.events)) void apply(doc.streamId, first);
    }
  };

  return {
    receive,
    resumePending,
    stop: (): void => {
      isStopped = true;
    },
  };
};
