import * as E from 'fp-ts/Either';
import { Order } from '../domain';
import type { PayRequest } from '../ports';
import { OrderAggregate } from './aggregate';
import { observePayAnswer, observeQueryAnswer, observeReverseAnswer } from './observe';
import { type ChangeFeed, type CoreDeps, type Wakeups, createSagaRuns, isoNow } from './runtime';
import type { SagaOwnership } from './saga-ownership';
import { callGateway, commandsFor, describeError, load } from './saga-commands';

const ACTOR = 'pay-saga';
/** The actor recorded on a review the saga resolves itself, from a verified answer. */
const JANITOR = 'janitor';
const isSettled = (s: Order.OrderState): boolean =>
  Order.isActive(s) && (Order.isFinal(s) || s.status === 'NeedsReview');
/** Back-off after the store or a command failed unexpectedly; the saga is retried, never dropped. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/*
 * Several instances on one log (shared leases): the instance that took the request holds the auth
 * code and sends the pay even when another instance owns the saga; then it hands over. The owner
 * keeps off meanwhile, in real time counted from when it first saw the order in that phase:
 * - an order not yet dispatched is abandoned only after DISPATCH_GRACE_MS, and the holder
 *   dispatches only within DISPATCH_WINDOW_MS of taking the request; whichever appends first
 *   wins the stream's compare-and-set, so the pay is sent at most once either way;
 * - a pay sent by another instance and not answered yet is left alone for a step's budget (the
 *   pay call's timeout and a margin), so a query never races it.
 */
const DISPATCH_WINDOW_MS = 2_000;
const DISPATCH_GRACE_MS = 5_000;

export interface PaySaga {
  /** Drive the order now; `request` carries the auth code, held in memory only until dispatch. */
  readonly drive: (streamId: string, request?: PayRequest) => Promise<void>;
  /** Resolves once every step started so far has ended. */
  readonly idle: () => Promise<void>;
}

/**
 * The Quick Pay saga (reference §7.1): record the dispatch, call pay once, record the classified
 * answer, then poll, reverse and confirm as `Order.nextPayStep` says. Every gateway answer is
 * recorded before anything acts on it; every due time is in the order stream, so a restart resumes.
 */
export const createPaySaga = (
  deps: CoreDeps,
  feed: ChangeFeed,
  wakeups: Wakeups,
  ownership: SagaOwnership,
  onIdle: (state: Order.OrderState) => Promise<void>,
): PaySaga => {
  const runs = createSagaRuns();
  const pendingRequests = new Map<string, { readonly request: PayRequest; readonly since: number }>();
  const isShared = ownership.kind === 'shared';
  /** Shared log: when this instance first saw an order waiting on another's dispatch or pay. */
  const firstSeen = new Map<string, number>();
  /** Shared log: how long (real ms) the owner still keeps off the order; 0 when it may act. */
  const keepOff = (streamId: string, state: Order.ActiveOrder, next: Order.PayStep): number => {
    const phase =
      next.kind === 'Dispatch'
        ? { name: 'dispatch', ms: DISPATCH_GRACE_MS }
        : next.kind !== 'None' && state.dispatchedAt !== undefined && !state.hasPayAnswer
          ? { name: 'pay', ms: ownership.stepBudgetMs }
          : undefined;
    if (phase === undefined) {
      firstSeen.delete(`${streamId}|dispatch`);
      firstSeen.delete(`${streamId}|pay`);
      return 0;
    }
    const key = `${streamId}|${phase.name}`;
    const seen = firstSeen.get(key) ?? performance.now();
    firstSeen.set(key, seen);
    return Math.max(0, seen + phase.ms - performance.now());
  };
  const log = deps.logger.child({ saga: 'pay' });

  const step = async (streamId: string): Promise<void> => {
    // The state our last command appended. When it needs nothing more there is nothing to read back:
    // any later append by another writer drives the saga again, after this step (the keyed lock).
    let appended: Order.OrderState | undefined;
    for (;;) {
      const isOwner = ownership.owns(streamId);
      // Not ours (another instance leases it): only a request this instance holds is sent from here.
      if (!isOwner && !pendingRequests.has(streamId)) return;
      if (appended !== undefined && Order.nextPayStep(appended).kind === 'None') return onIdle(appended);
      const loaded = await load(deps, OrderAggregate)(streamId);
      if (E.isLeft(loaded)) return retryLater(streamId, describeError(loaded.left));
      const { state } = loaded.right;
      if (!Order.isActive(state)) return;
      const next = Order.nextPayStep(state);
      const held = pendingRequests.get(streamId);
      if (
        held !== undefined &&
        (next.kind !== 'Dispatch' || (isShared && performance.now() - held.since > DISPATCH_WINDOW_MS))
      )
        pendingRequests.delete(streamId);
      if (!isOwner && next.kind !== 'Dispatch') return;
      if (isShared && isOwner && !pendingRequests.has(streamId)) {
        const wait = keepOff(streamId, state, next);
        if (wait > 0) return wakeups.afterRealMs(streamId, wait, () => void drive(streamId));
      }
      const runCommand = commandsFor(deps, OrderAggregate, streamId, loaded.right, ACTOR);
      const exec = async (command: Order.OrderCommand): Promise<boolean> => {
        const r = await runCommand(command);
        if (E.isLeft(r)) {
          await retryLater(streamId, describeError(r.left));
          return false;
        }
        // Counted once, by the command that settles the payment.
        if (
          r.right.newEvents.length > 0 &&
          !isSettled(state) &&
          isSettled(r.right.state) &&
          Order.isActive(r.right.state)
        ) {
          deps.metrics.paymentSettled(
            r.right.state.status,
            deps.clock.now() - Date.parse(r.right.state.submittedAt),
          );
        }
        feed.notify(streamId, r.right.state);
        appended = r.right.state;
        return true;
      };
      const now = deps.clock.now();
      const at = isoNow(deps.clock);
      switch (next.kind) {
        case 'None':
          return onIdle(state);
        case 'Dispatch': {
          const request = pendingRequests.get(streamId)?.request;
          if (!request) {
            // The auth code is never stored: without it the request cannot be sent, and it never was.
            if (!(await exec({ type: 'AbandonUndispatched', at }))) return;
            continue;
          }
          if (!(await exec({ type: 'RecordDispatch', at }))) return;
          pendingRequests.delete(streamId);
          const answer = await callGateway(deps, 'pay', deps.gateway.pay(request));
          const observed = await exec({
            type: 'RecordObservation',
            source: 'pay',
            observation: observePayAnswer(answer),
            at: isoNow(deps.clock),
          });
          if (!observed) return;
          continue;
        }
        case 'SchedulePoll':
          if (!(await exec({ type: 'SchedulePoll', dueAt: next.dueAt, at }))) return;
          continue;
        case 'RequestReversal':
          if (!(await exec({ type: 'RequestReversal', reason: 'Deadline', dueAt: next.dueAt, at }))) return;
          continue;
        case 'FlagForReview':
          if (!(await exec({ type: 'FlagForReview', reason: next.reason, detail: next.detail, at }))) return;
          continue;
        case 'ResolveReview':
          // The janitor: the verified answer that proves the resolution is already recorded.
          if (
            !(await exec({
              type: 'ResolveReview',
              resolution: next.resolution,
              actor: JANITOR,
              note: next.note,
              at,
            }))
          )
            return;
          continue;
        case 'Query': {
          const due = Date.parse(next.dueAt);
          if (due > now) return wakeups.at(streamId, due, () => void drive(streamId));
          const answer = await callGateway(
            deps,
            'queryOrder',
            deps.gateway.queryOrder({
              subMchid: state.subMchid,
              outTradeNo: state.outTradeNo,
            }),
          );
          const recorded = await exec({
            type: 'RecordObservation',
            source: 'query',
            observation: observeQueryAnswer(answer),
            at: isoNow(deps.clock),
          });
          if (!recorded) return;
          continue;
        }
        case 'Reverse': {
          const due = Date.parse(next.dueAt);
          if (due > now) return wakeups.at(streamId, due, () => void drive(streamId));
          const answer = await callGateway(
            deps,
            'reverse',
            deps.gateway.reverse({
              subMchid: state.subMchid,
              outTradeNo: state.outTradeNo,
            }),
          );
          const recorded = await exec({
            type: 'RecordReversalResult',
            outcome: observeReverseAnswer(answer),
            at: isoNow(deps.clock),
          });
          if (!recorded) return;
          continue;
        }
      }
    }
  };

  const retryLater = async (streamId: string, reason: string): Promise<void> => {
    log.error('pay saga step failed; retrying', { streamId, reason });
    wakeups.at(streamId, deps.clock.now() + RETRY_AFTER_FAILURE_MS, () => void drive(streamId));
  };

  const drive = (streamId: string, request?: PayRequest): Promise<void> => {
    if (request) pendingRequests.set(streamId, { request, since: performance.now() });
    return runs(streamId, streamId, () => ownership.track(streamId, () => step(streamId))).catch(
      (e: unknown) => {
        // A bug or an adapter that broke its contract (a rejected Task): log it and try again later;
        // the step function resumes from what is recorded, so nothing is sent twice.
        void retryLater(streamId, `crashed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  };

  return { drive, idle: runs.idle };
};
