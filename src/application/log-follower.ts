import type { CoreDeps } from './runtime';

const RESUBSCRIBE_AFTER_MS = 1_000;

export interface LogFollower {
  /** The position of the last event seen (or where following began). */
  readonly lastSeen: () => number | undefined;
  readonly stop: () => Promise<void>;
}

/**
 * Follows the shared log live, so that whatever another instance appends reaches this one: a
 * `?wait` here answers when a saga settles elsewhere, and a saga this instance owns takes its next
 * step when a webhook or a merchant request landed on another. A subscription that fails is
 * opened again from the last event seen: delivery is at-least-once, and handlers are idempotent.
 */
export const followLog = (
  deps: Pick<CoreDeps, 'store' | 'logger'>,
  from: number | undefined,
  onEvent: (streamId: string) => void,
): LogFollower => {
  let position = from;
  let isStopped = false;
  let retry: NodeJS.Timeout | undefined;
  const log = deps.logger.child({ component: 'log-follower' });
  const open = () =>
    deps.store.subscribeToAll(
      async (event) => {
        position = event.position;
        onEvent(event.streamId);
      },
      {
        ...(position !== undefined ? { fromPosition: position } : {}),
        onError: (error) => {
          if (isStopped) return;
          log.warn('log subscription failed; opening it again', { reason: error.message });
          retry = setTimeout(() => {
            if (!isStopped) subscription = open();
          }, RESUBSCRIBE_AFTER_MS);
          retry.unref();
        },
      },
    );
  let subscription = open();
  return {
    lastSeen: () => position,
    stop: async () => {
      isStopped = true;
      if (retry) clearTimeout(retry);
      await subscription.unsubscribe();
    },
  };
};
