import * as E from 'fp-ts/Either';
import type {
  RecordedEvent,
  StoreUnavailable,
  SubscribeOptions,
  Subscription,
} from '../../ports/event-store';

/**
 * Counts commits and wakes listeners on each: live subscriptions sleep on it instead of polling.
 * A subscription notes `version` before it reads, so a commit landing between its read and its
 * sleep is never missed.
 */
export interface Notifier {
  readonly version: () => number;
  readonly listen: (wake: () => void) => () => void;
  readonly notify: () => void;
}

export const createNotifier = (): Notifier => {
  let version = 0;
  const listeners = new Set<() => void>();
  return {
    version: () => version,
    listen: (wake) => {
      listeners.add(wake);
      return () => listeners.delete(wake);
    },
    notify: () => {
      version += 1;
      for (const wake of [...listeners]) wake();
    },
  };
};

/**
 * The catch-up-then-live loop of the port's `subscribeToAll`: read the page after the checkpoint,
 * deliver it one event at a time, and sleep on the notifier once a page comes back empty.
 * `readAfter` (synchronous, or async for a networked store) must already leave out system events;
 * a read that fails ends the subscription.
 */
export const runSubscription = (
  readAfter: (
    position: number | undefined,
  ) =>
    | E.Either<StoreUnavailable, readonly RecordedEvent[]>
    | Promise<E.Either<StoreUnavailable, readonly RecordedEvent[]>>,
  notifier: Notifier,
  handler: (event: RecordedEvent) => Promise<void>,
  options: SubscribeOptions = {},
): Subscription => {
  let isStopped = false;
  let isCaughtUp = false;
  let checkpoint = options.fromPosition;
  let wakeLoop: (() => void) | undefined;
  const stopListening = notifier.listen(() => wakeLoop?.());

  const sleepUnlessChangedSince = (seen: number): Promise<void> =>
    isStopped || notifier.version() !== seen
      ? Promise.resolve()
      : new Promise((resolve) => (wakeLoop = resolve));

  const loop = async (): Promise<void> => {
    while (!isStopped) {
      const seen = notifier.version();
      const read = await readAfter(checkpoint);
      if (isStopped) return;
      if (E.isLeft(read)) {
        stop();
        options.onError?.(read.left);
        return;
      }
      const page = read.right;
      if (page.length === 0) {
        if (!isCaughtUp) {
          isCaughtUp = true;
          options.onCaughtUp?.();
        }
        await sleepUnlessChangedSince(seen);
        wakeLoop = undefined;
        continue;
      }
      for (const event of page) {
        if (isStopped) return;
        try {
          await handler(event);
        } catch (error) {
          stop();
          options.onError?.({
            _tag: 'StoreUnavailable',
            message: `subscription handler failed: ${String(error)}`,
          });
          return;
        }
        checkpoint = event.position;
      }
    }
  };
  const stop = (): void => {
    isStopped = true;
    stopListening();
    wakeLoop?.();
  };
  // Start on a later tick, so the caller holds the Subscription before the first delivery.
  setImmediate(() => void loop());

  return {
    // Delivery checks the flag before every call, so once it is set the handler is never called again.
    unsubscribe: () => {
      stop();
      return Promise.resolve();
    },
  };
};
