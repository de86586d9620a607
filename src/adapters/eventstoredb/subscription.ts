/**
 * subscribeToAll with resumption: catch up from the checkpoint, go live, and after UNAVAILABLE
 * (a node restart, a dropped connection) subscribe again from the last position handled.
 *
 * - The client's subscribeToAll `fromPosition` is exclusive, like the port's, so a checkpoint is
 *   passed through unchanged (reference "Trickiest parts" 4).
 * - `excludeSystemEvents()` filters `$`-types on the server; records of `$`-streams with ordinary
 *   types (projection output) still arrive and are skipped here, moving the cursor past them.
 * - "Caught up" is reached when the last user event that existed at subscription time has been
 *   handled. The server's `caught_up` message is not used: servers before 23.10 never send it.
 */
import { excludeSystemEvents, START, type EventStoreDBClient, type Position } from '@eventstore/db-client';
import * as E from 'fp-ts/Either';
import {
  type RecordedEvent,
  type StoreUnavailable,
  type SubscribeOptions,
  type Subscription,
} from '../../ports/event-store';
import { commitPositionOf, decodeRecord, isSystemRecord } from './codec';
import { describeError, isTransient, storeUnavailable } from './errors';

export interface ReconnectPolicy {
  /** Consecutive failed attempts (no event handled in between) before giving up. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface SubscriptionDeps {
  readonly policy: ReconnectPolicy;
  readonly delay: ((ms: number) => Promise<void>) | undefined;
  /** Position of the last user event in the log now (undefined: none). */
  readonly catchUpTarget: () => Promise<bigint | undefined>;
}

/** Exponential back-off, bounded by maxDelayMs. */
export const backoffDelay = (policy: ReconnectPolicy, attempt: number): number =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));

type AllSubscription = ReturnType<EventStoreDBClient['subscribeToAll']>;

export const subscribeToAllWithReconnect = (
  client: EventStoreDBClient,
  handler: (event: RecordedEvent) => Promise<void>,
  options: SubscribeOptions,
  deps: SubscriptionDeps,
): Subscription & { readonly finished: Promise<void> } => {
  let stopped = false;
  let current: AllSubscription | undefined;
  let wake: (() => void) | undefined;
  let checkpoint: Position | undefined =
    options.fromPosition === undefined
      ? undefined
      : { commit: BigInt(options.fromPosition), prepare: BigInt(options.fromPosition) };
  let target: bigint | undefined | 'unknown' = 'unknown';
  let isCaughtUpReported = options.onCaughtUp === undefined;

  const reportCaughtUpIfReached = (): void => {
    if (isCaughtUpReported || target === 'unknown') return;
    if (target !== undefined && (checkpoint === undefined || checkpoint.commit < target)) return;
    isCaughtUpReported = true;
    options.onCaughtUp?.();
  };

  const fail = (error: StoreUnavailable): void => {
    if (stopped) return;
    stopped = true;
    options.onError?.(error);
  };

  const wait = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = deps.delay === undefined ? setTimeout(resolve, ms) : undefined;
      if (deps.delay !== undefined) void deps.delay(ms).then(() => resolve());
      wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    }).then(() => new Promise<void>((resolve) => setImmediate(resolve)));

  /**
   * Returns 'stop' when the subscription ended for good, 'retry' after a transient failure.
   * The loop never breaks out of the client's stream early: leaving it un-drained would stall the
   * gRPC call and make the client's dispose() wait for it forever. Stopping cancels, then drains.
   */
  const deliver = async (): Promise<'stop' | 'retry'> => {
    if (target === 'unknown') {
      target = await deps.catchUpTarget();
      reportCaughtUpIfReached();
    }
    const subscription = client.subscribeToAll({
      fromPosition: checkpoint ?? START,
      filter: excludeSystemEvents(),
    });
    current = subscription;
    if (stopped) await subscription.unsubscribe();
    for await (const resolved of subscription) {
      if (stopped) continue;
      const commit = commitPositionOf(resolved);
      const record = resolved.event;
      if (commit === undefined || record === undefined) continue;
      const position = record.position ?? { commit, prepare: commit };
      if (!isSystemRecord(record.streamId, record.type)) {
        const decoded = decodeRecord(resolved);
        const failure = E.isLeft(decoded) ? decoded.left : await handled(decoded.right);
        if (failure !== undefined) {
          fail(storeUnavailable(failure));
          await subscription.unsubscribe();
          continue;
        }
      }
      checkpoint = position;
      attempt = 0;
      reportCaughtUpIfReached();
    }
    // The server closed the subscription without an error: as good as a dropped connection.
    return stopped ? 'stop' : 'retry';
  };

  const handled = async (event: RecordedEvent): Promise<string | undefined> => {
    try {
      await handler(event);
      return undefined;
    } catch (error) {
      return `subscription handler failed: ${describeError(error)}`;
    }
  };

  let attempt = 0;
  const run = async (): Promise<void> => {
    while (!stopped) {
      let lastError = 'the subscription ended';
      try {
        if ((await deliver()) === 'stop') return;
      } catch (error) {
        if (stopped) return;
        if (!isTransient(error)) return fail(storeUnavailable(describeError(error)));
        lastError = describeError(error);
      }
      attempt += 1;
      if (attempt > deps.policy.maxAttempts) {
        return fail(
          storeUnavailable(
            `subscription gave up after ${deps.policy.maxAttempts} reconnect attempts: ${lastError}`,
          ),
        );
      }
      await wait(backoffDelay(deps.policy, attempt));
    }
  };
  const running = run().catch((error: unknown) => fail(storeUnavailable(describeError(error))));

  return {
    unsubscribe: async () => {
      if (stopped) return;
      stopped = true;
      wake?.();
      await current?.unsubscribe();
    },
    finished: running,
  };
};
