import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import {
  Order,
  Refund,
  maskAuthCode,
  orderStreamId,
  refundStreamId,
  streamCategory,
  type MaskedAuthCode,
  type OutRefundNo,
  type OutTradeNo,
  type SubMchid,
} from '../domain';
import {
  type ApiError,
  type PaymentApi,
  type PaymentView,
  type RefundView,
  type RequestContext,
  exclusiveSagaLeases,
  partitionOf,
} from '../ports';
import { type AggregateSpec, OrderAggregate, RefundAggregate } from './aggregate';
import { type CommandContext, type HandleError, handleCommand, untilDeadline } from './command-handler';
import { fingerprint } from './deterministic-id';
import { createNotificationIntake } from './notification-intake';
import { createPaySaga } from './pay-saga';
import { createRefundSaga } from './refund-saga';
import { type LogFollower, followLog } from './log-follower';
import { type CoreDeps, createChangeFeed, createKeyedLock, createWakeups, isoNow } from './runtime';
import { createSagaOwnership } from './saga-ownership';
import { load } from './saga-commands';
import { isRefundSettledForMerchant, isSettledForCashier, paymentView, refundView } from './views';
import { startProjections, allProjections, openReviewItems, ACTIVE_SAGAS } from './projections';
import {
  type ReconcileError,
  type SettlementError,
  getReconciliation,
  querySettlements,
  reconcile,
} from './reconciliation';

const toApiError = (e: HandleError): ApiError =>
  e._tag === 'DomainRejected'
    ? { _tag: 'DomainRejected', error: e.error }
    : e._tag === 'StoreUnavailable'
      ? { _tag: 'Unavailable', message: e.message }
      : { _tag: 'Unavailable', message: `${e._tag} on ${e.streamId}` };

/** A command on a stream that does not exist is the caller's not-found, not a domain rule. */
const notFoundAs = (resource: 'payment' | 'refund', e: HandleError): ApiError =>
  e._tag === 'DomainRejected' && (e.error._tag === 'OrderNotFound' || e.error._tag === 'RefundNotFound')
    ? { _tag: 'NotFound', resource }
    : toApiError(e);

/** How long a merchant request keeps retrying a version conflict before it answers Unavailable. */
const API_CONFLICT_DEADLINE_MS = 10_000;
/**
 * A pay is only sent once WeChat's answer to it can be verified. A request arriving before the
 * platform certificates are held waits this long (clock time) for them, then is refused with a
 * retry hint; nothing is recorded, so the cashier's retry is a fresh, clean attempt.
 */
export const PAY_TRUST_WAIT_MS = 3_000;

const REFUND_WAIT_RECHECK_MS = 1_000;
export const PAY_TRUST_RETRY_AFTER_SECONDS = 2;

export interface PaymentCore {
  readonly api: PaymentApi;
  /** Catches the read models up, then resumes every saga that was in flight. */
  readonly start: () => Promise<void>;
  /** Stops timers and projections; appends in flight finish; nothing in the store is lost. */
  readonly stop: () => Promise<void>;
  /** This instance among those sharing the log: its id and the saga partitions it leases now. */
  readonly instance: { readonly id: string; readonly partitions: () => readonly number[] };
}

export const createPaymentCore = (deps: CoreDeps): PaymentCore => {
  const feed = createChangeFeed();
  const wakeups = createWakeups(deps.timers);
  const leases = deps.leases ?? exclusiveSagaLeases();
  const ownership = createSagaOwnership(leases, {
    ...(deps.config.instanceId !== undefined ? { owner: deps.config.instanceId } : {}),
    ...(deps.config.leaseTtlMs !== undefined ? { ttlMs: deps.config.leaseTtlMs } : {}),
    ...(deps.config.stepBudgetMs !== undefined ? { stepBudgetMs: deps.config.stepBudgetMs } : {}),
    logger: deps.logger,
    metrics: deps.metrics,
  });
  const refundSaga = createRefundSaga(deps, feed, wakeups, ownership);
  const paySaga = createPaySaga(deps, feed, wakeups, ownership, async (state) => {
    if (Order.isActive(state)) await refundSaga.ensureRequested(state);
  });
  let follower: LogFollower | undefined;
  const intake = createNotificationIntake(deps, (streamId, kind) => {
    void (kind === 'refund' ? refundSaga.drive(streamId) : paySaga.drive(streamId));
  });
  let projections: ReturnType<typeof startProjections> | undefined;

  const loadRefundViews = async (order: Order.ActiveOrder): Promise<readonly RefundView[]> => {
    const views: RefundView[] = [];
    for (const [no, reservation] of Object.entries(order.refunds)) {
      const loaded = await load(
        deps,
        RefundAggregate,
      )(refundStreamId(order.subMchid, no as Refund.ActiveRefund['outRefundNo']));
      if (E.isRight(loaded) && Refund.isActive(loaded.right.state))
        views.push(refundView(loaded.right.state));
      else {
        // Reserved on the order; its own stream is about to be opened by the refund saga.
        views.push({
          subMchid: order.subMchid,
          outTradeNo: order.outTradeNo,
          outRefundNo: no,
          status: 'REQUESTED',
          amount: reservation.amount,
          requestedAt: reservation.reservedAt,
          ...(reservation.reason !== undefined ? { reason: reservation.reason } : {}),
        });
      }
    }
    return views;
  };

  const getPayment =
    (subMchid: SubMchid, outTradeNo: OutTradeNo): TE.TaskEither<ApiError, PaymentView> =>
    async () => {
      const loaded = await load(deps, OrderAggregate)(orderStreamId(subMchid, outTradeNo));
      if (E.isLeft(loaded)) return E.left(toApiError(loaded.left));
      const s = loaded.right.state;
      if (!Order.isActive(s)) return E.left({ _tag: 'NotFound', resource: 'payment' });
      return E.right(paymentView(s, await loadRefundViews(s)));
    };

  const waitForPayment =
    (subMchid: SubMchid, outTradeNo: OutTradeNo, waitMs: number): TE.TaskEither<ApiError, PaymentView> =>
    async () => {
      const streamId = orderStreamId(subMchid, outTradeNo);
      const until = Date.now() + waitMs;
      let notified: Order.OrderState | undefined;
      for (;;) {
        let s = notified;
        if (s === undefined) {
          const loaded = await load(deps, OrderAggregate)(streamId);
          if (E.isLeft(loaded)) return E.left(toApiError(loaded.left));
          s = loaded.right.state;
        }
        if (!Order.isActive(s)) return E.left({ _tag: 'NotFound', resource: 'payment' });
        const remaining = until - Date.now();
        if (isSettledForCashier(s) || remaining <= 0)
          return E.right(paymentView(s, await loadRefundViews(s)));
        // A saga's notice carries the state it appended; a bare one (or the timeout) means read it.
        notified = await feed.next(streamId, remaining);
      }
    };

  const getRefund =
    (subMchid: SubMchid, outRefundNo: OutRefundNo): TE.TaskEither<ApiError, RefundView> =>
    async () => {
      const loaded = await load(deps, RefundAggregate)(refundStreamId(subMchid, outRefundNo));
      if (E.isLeft(loaded)) return E.left(toApiError(loaded.left));
      return Refund.isActive(loaded.right.state)
        ? E.right(refundView(loaded.right.state))
        : E.left({ _tag: 'NotFound', resource: 'refund' });
    };

  /** As waitForPayment: the refund saga notifies the feed on the refund's stream at every step. */
  const waitForRefund =
    (subMchid: SubMchid, outRefundNo: OutRefundNo, waitMs: number): TE.TaskEither<ApiError, RefundView> =>
    async () => {
      const streamId = refundStreamId(subMchid, outRefundNo);
      const until = Date.now() + waitMs;
      for (;;) {
        const loaded = await load(deps, RefundAggregate)(streamId);
        if (E.isLeft(loaded)) return E.left(toApiError(loaded.left));
        const s = loaded.right.state;
        if (!Refund.isActive(s)) return E.left({ _tag: 'NotFound', resource: 'refund' });
        const remaining = until - Date.now();
        if (isRefundSettledForMerchant(s) || remaining <= 0) return E.right(refundView(s));
        // Re-read at least every second: a notice sent between the read and this wait is not lost.
        await feed.next(streamId, Math.min(remaining, REFUND_WAIT_RECHECK_MS));
      }
    };

  /** Reconciliation compares against the read models: first let them catch up with the log's head. */
  const caughtUpToHead = async (): Promise<void> => {
    const checkpoint = await deps.readModels.checkpoint(allProjections[0]?.name ?? 'payments')();
    let position = E.isRight(checkpoint) ? checkpoint.right : undefined;
    for (;;) {
      const page = await deps.store.readAll({
        ...(position !== undefined ? { fromPosition: position } : {}),
        maxCount: 1000,
      })();
      if (E.isLeft(page) || page.right.length === 0) break;
      position = page.right[page.right.length - 1]?.position;
    }
    if (position !== undefined) await projections?.waitForPosition(position);
  };

  /**
   * Merchant requests on one stream are taken one at a time in this process, and a conflict with
   * another writer (a saga, a notification, another instance) is retried until the deadline: a
   * request never fails because someone else appended first.
   */
  const streamLock = createKeyedLock();
  const apiCommand =
    <C, Ev extends { readonly type: string; readonly data: unknown }, S>(
      spec: AggregateSpec<C, Ev, S>,
      streamId: string,
      command: C,
      context: CommandContext,
    ) =>
    () =>
      streamLock(
        streamId,
        handleCommand(deps.store, spec, streamId, command, context, untilDeadline(API_CONFLICT_DEADLINE_MS)),
      );

  const contextFor = (ctx: RequestContext, commandId: string) => ({
    commandId,
    correlationId: ctx.correlationId,
    causationId: ctx.correlationId,
    actor: ctx.actor,
    now: isoNow(deps.clock),
  });

  const api: PaymentApi = {
    createPayment: (input, ctx, waitMs) => async () => {
      if (!(await deps.gateway.platformTrust(deps.config.payTrustWaitMs ?? PAY_TRUST_WAIT_MS)()))
        return E.left({ _tag: 'PlatformTrustPending', retryAfterSeconds: PAY_TRUST_RETRY_AFTER_SECONDS });
      const streamId = orderStreamId(input.subMchid, input.outTradeNo);
      const mcc = input.merchantCategoryCode ?? deps.config.merchantCategoryCode;
      // The auth code is a secret: only a salted hash of it enters the fingerprint, only a mask the event.
      const requestFingerprint = fingerprint({
        authCode: fingerprint({ streamId, authCode: input.authCode }),
        amount: input.amount,
        description: input.description,
        attach: input.attach,
        goodsTag: input.goodsTag,
        merchantCategoryCode: mcc,
        subAppid: input.subAppid,
        sceneInfo: input.sceneInfo,
      });
      const at = isoNow(deps.clock);
      const submitted = await apiCommand(
        OrderAggregate,
        streamId,
        {
          type: 'SubmitPayment',
          spMchid: deps.config.spMchid,
          subMchid: input.subMchid,
          outTradeNo: input.outTradeNo,
          amount: input.amount,
          description: input.description,
          ...(input.attach !== undefined ? { attach: input.attach } : {}),
          authCodeMasked: maskAuthCode(input.authCode) as MaskedAuthCode,
          requestFingerprint,
          policy: deps.config.payPolicy,
          at,
        },
        contextFor(ctx, `submit:${streamId}:${requestFingerprint}`),
      )();
      if (E.isLeft(submitted)) return E.left(toApiError(submitted.left));
      if (submitted.right.newEvents.length > 0) {
        void paySaga.drive(streamId, {
          subMchid: input.subMchid,
          outTradeNo: input.outTradeNo,
          description: input.description,
          authCode: input.authCode,
          amount: input.amount,
          merchantCategoryCode: mcc,
          ...(input.subAppid !== undefined ? { subAppid: input.subAppid } : {}),
          ...(input.attach !== undefined ? { attach: input.attach } : {}),
          ...(input.goodsTag !== undefined ? { goodsTag: input.goodsTag } : {}),
          ...(input.sceneInfo !== undefined ? { sceneInfo: input.sceneInfo } : {}),
        });
      }
      return waitMs !== undefined && waitMs > 0
        ? waitForPayment(input.subMchid, input.outTradeNo, waitMs)()
        : getPayment(input.subMchid, input.outTradeNo)();
    },

    getPayment,
    waitForPayment,

    reversePayment: (subMchid, outTradeNo, ctx) => async () => {
      const streamId = orderStreamId(subMchid, outTradeNo);
      const at = isoNow(deps.clock);
      const r = await apiCommand(
        OrderAggregate,
        streamId,
        { type: 'RequestReversal', reason: 'Merchant', dueAt: at, at },
        contextFor(ctx, `reverse:${streamId}:${ctx.correlationId}`),
      )();
      if (E.isLeft(r)) return E.left(notFoundAs('payment', r.left));
      void paySaga.drive(streamId);
      return getPayment(subMchid, outTradeNo)();
    },

    createRefund: (input, ctx, waitMs) => async () => {
      const orderId = orderStreamId(input.subMchid, input.outTradeNo);
      const refundId = refundStreamId(input.subMchid, input.outRefundNo);
      const existing = await load(deps, RefundAggregate)(refundId);
      if (E.isLeft(existing)) return E.left(toApiError(existing.left));
      if (Refund.isActive(existing.right.state) && existing.right.state.outTradeNo !== input.outTradeNo) {
        return E.left({
          _tag: 'DomainRejected',
          error: { _tag: 'RefundNumberConflict', outRefundNo: input.outRefundNo },
        });
      }
      const requestFingerprint = fingerprint({
        outTradeNo: input.outTradeNo,
        amount: input.amount,
        reason: input.reason,
      });
      const reserved = await apiCommand(
        OrderAggregate,
        orderId,
        {
          type: 'ReserveRefund',
          outRefundNo: input.outRefundNo,
          amount: input.amount,
          ...(input.reason !== undefined ? { reason: input.reason } : {}),
          requestFingerprint,
          at: isoNow(deps.clock),
        },
        contextFor(ctx, `reserve:${refundId}:${requestFingerprint}`),
      )();
      if (E.isLeft(reserved)) return E.left(notFoundAs('payment', reserved.left));
      // Only the refund just reserved: the others of the order are already in their saga's hands.
      if (Order.isActive(reserved.right.state)) {
        await refundSaga.ensureRequested(reserved.right.state, input.outRefundNo);
      }
      return waitMs !== undefined && waitMs > 0
        ? waitForRefund(input.subMchid, input.outRefundNo, waitMs)()
        : getRefund(input.subMchid, input.outRefundNo)();
    },

    getRefund,
    waitForRefund,

    listRefunds: (subMchid, outTradeNo) =>
      TE.map((p: PaymentView) => p.refunds)(getPayment(subMchid, outTradeNo)),

    reconcile: (date, ctx) =>
      pipe(
        TE.fromTask<void, ReconcileError>(caughtUpToHead),
        TE.chain(() =>
          reconcile(deps, deps.config.spMchid, date, { correlationId: ctx.correlationId, actor: ctx.actor }),
        ),
        TE.mapLeft((e): ApiError => {
          switch (e._tag) {
            case 'StatementUnavailable':
              return {
                _tag: 'GatewayFailed',
                outcome: e.outcome,
                message: e.message,
                ...(e.code !== undefined ? { code: e.code } : {}),
              };
            case 'StatementNotReady':
              return {
                _tag: 'StatementNotReady',
                message: e.message,
                ...(e.availableFrom !== undefined ? { availableFrom: e.availableFrom } : {}),
              };
            case 'StatementTooOld':
              return { _tag: 'StatementOutOfRange', message: e.message };
            default:
              return { _tag: 'Unavailable', message: e.message };
          }
        }),
      ),

    getReconciliation: (date) => async () => {
      const found = await getReconciliation(deps.readModels, deps.config.spMchid, date)();
      if (E.isLeft(found)) return E.left({ _tag: 'Unavailable', message: found.left.message });
      return found.right ? E.right(found.right) : E.left({ _tag: 'NotFound', resource: 'reconciliation' });
    },

    settlements: (query) =>
      TE.mapLeft((e: SettlementError): ApiError =>
        e._tag === 'InvalidSettlementQuery'
          ? { _tag: 'InvalidRequest', detail: e.detail }
          : {
              _tag: 'GatewayFailed',
              outcome: e.outcome,
              message: e.message,
              ...(e.code !== undefined ? { code: e.code } : {}),
            },
      )(querySettlements(deps.gateway, query)),

    reviewQueue: () =>
      TE.mapLeft((e: { message: string }): ApiError => ({ _tag: 'Unavailable', message: e.message }))(
        openReviewItems(deps.readModels),
      ),

    resolvePaymentReview: (subMchid, outTradeNo, input, ctx) => async () => {
      const streamId = orderStreamId(subMchid, outTradeNo);
      const resolution = (
        { SUCCEEDED: 'Succeeded', FAILED: 'Failed', REVERSED: 'Reversed', CLOSED: 'Closed' } as const
      )[input.resolution];
      const r = await apiCommand(
        OrderAggregate,
        streamId,
        { type: 'ResolveReview', resolution, actor: ctx.actor, note: input.note, at: isoNow(deps.clock) },
        contextFor(ctx, `resolve:${streamId}:${ctx.correlationId}`),
      )();
      if (E.isLeft(r)) return E.left(notFoundAs('payment', r.left));
      void paySaga.drive(streamId);
      return getPayment(subMchid, outTradeNo)();
    },

    resolveRefundReview: (subMchid, outRefundNo, input, ctx) => async () => {
      const streamId = refundStreamId(subMchid, outRefundNo);
      const resolution = ({ SUCCEEDED: 'Succeeded', CLOSED: 'Closed', REJECTED: 'Rejected' } as const)[
        input.resolution
      ];
      const r = await apiCommand(
        RefundAggregate,
        streamId,
        { type: 'ResolveReview', resolution, actor: ctx.actor, note: input.note, at: isoNow(deps.clock) },
        contextFor(ctx, `resolve:${streamId}:${ctx.correlationId}`),
      )();
      if (E.isLeft(r)) return E.left(notFoundAs('refund', r.left));
      // The refund saga settles the order's reservation to match the resolution.
      await refundSaga.drive(streamId);
      return api.getRefund(subMchid, outRefundNo)();
    },

    receiveNotification: (notification) => async () => {
      const result = await intake.receive(notification);
      switch (result._tag) {
        case 'Accepted':
          return E.right({ id: result.id });
        case 'Rejected':
          return E.left({ _tag: 'NotificationRejected', error: result.error });
        case 'Unavailable':
          return E.left({ _tag: 'Unavailable', message: result.message });
      }
    },

    readiness: () => async () => {
      // Trust is only read here (a download starts if none ever ran): a probe never waits on WeChat.
      const [store, certificates] = await Promise.all([deps.store.ping()(), deps.gateway.platformTrust(0)()]);
      return { store: E.isRight(store), certificates };
    },
  };

  /** Drives the open sagas of the given partitions (all of them for a log this process alone drives). */
  const resume = async (partitions?: ReadonlySet<number>): Promise<void> => {
    const active = await deps.readModels.list(ACTIVE_SAGAS, { where: { isFinal: false } })();
    if (E.isLeft(active)) throw new Error(`read models unavailable at start: ${active.left.message}`);
    for (const doc of active.right) {
      const streamId = String(doc['streamId']);
      if (doc['kind'] === 'refund')
        void refundSaga.drive(streamId); // it checks its order's partition
      else if (!partitions || partitions.has(partitionOf(streamId, leases.partitions)))
        void paySaga.drive(streamId);
    }
  };

  /** Partitions just leased: once the read models have seen what this instance has, their open sagas are resumed. */
  const takeOver = async (partitions: ReadonlySet<number>): Promise<void> => {
    const seen = follower?.lastSeen();
    if (seen !== undefined) await projections?.waitForPosition(seen);
    await resume(partitions).catch((e: unknown) =>
      deps.logger.error('could not resume the sagas of leased partitions', {
        reason: e instanceof Error ? e.message : String(e),
      }),
    );
  };

  return {
    api,
    instance: { id: ownership.owner, partitions: ownership.held },
    start: async () => {
      // Platform certificates are fetched now, not on the first pay (a no-op once trust is held).
      void deps.gateway.platformTrust(0)();
      projections = startProjections(deps, allProjections);
      await projections.whenCaughtUp();
      if (ownership.kind === 'exclusive') {
        await ownership.start(() => undefined);
        await resume();
      } else {
        // Several instances share the log: follow it from what the read models hold, then lease.
        const from = await deps.readModels.checkpoint(allProjections[0]?.name ?? 'payments')();
        follower = followLog(deps, E.isRight(from) ? from.right : undefined, (streamId) => {
          const category = streamCategory(streamId);
          if (category !== 'order' && category !== 'refund') return;
          feed.notify(streamId);
          if (category === 'refund')
            void refundSaga.drive(streamId); // it checks its order's partition
          else if (ownership.owns(streamId)) void paySaga.drive(streamId);
        });
        await ownership.start((taken) => void takeOver(taken));
      }
      await intake.resumePending();
    },
    stop: async () => {
      intake.stop();
      wakeups.stop();
      ownership.stop();
      if (ownership.kind === 'shared') {
        await follower?.stop();
        // Steps under way end (each within its budget), then the leases go to the others at once.
        await Promise.race([
          Promise.all([paySaga.idle(), refundSaga.idle()]),
          new Promise((resolve) => setTimeout(resolve, ownership.stepBudgetMs).unref()),
        ]);
        await ownership.release();
      }
      await projections?.stop();
    },
  };
};
