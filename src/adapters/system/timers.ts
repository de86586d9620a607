import type { Clock } from '../../ports/clock';
import type { TimerHandle, Timers } from '../../ports/timers';
import type { ManualClock } from './clock';

/**
 * Timers whose due times are in the clock's time (src/ports/timers.ts). They only wake the process:
 * the due times themselves are durable in the event store, so losing a timer loses nothing.
 */

/** Node's setTimeout holds at most 2^31-1 ms; longer waits are re-armed on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * setTimeout-based. The real delay is the clock-time delay divided by the clock's scale; on waking,
 * the clock is read again and the timer re-armed if rounding woke it early, so a callback never
 * runs before its due time by the clock it was set on. Handles are unref'd: a pending timer never
 * keeps the process alive on shutdown.
 */
export const createSystemTimers = (clock: Clock & { readonly scale?: number }): Timers => {
  const scale = clock.scale ?? 1;
  return {
    at: (dueAt, callback) => {
      let handle: NodeJS.Timeout | undefined;
      let isCancelled = false;
      const arm = (): void => {
        const remaining = dueAt - clock.now();
        if (remaining <= 0) {
          handle = undefined;
          callback();
          return;
        }
        handle = setTimeout(
          () => {
            if (!isCancelled) arm();
          },
          Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(remaining / scale))),
        );
        handle.unref();
      };
      // Even an overdue timer fires asynchronously, as setTimeout would: the caller finishes first.
      handle = setTimeout(() => {
        if (!isCancelled) arm();
      }, 0);
      handle.unref();
      return {
        cancel: () => {
          isCancelled = true;
          if (handle !== undefined) clearTimeout(handle);
        },
      };
    },
  };
};

interface Entry {
  readonly dueAt: number;
  readonly seq: number;
  readonly callback: () => void;
}

export interface ManualTimers extends Timers {
  /** Timers set and not yet fired or cancelled. */
  readonly pending: () => number;
}

/**
 * For tests: callbacks fire when the manual clock is advanced past their due time, in due order
 * (ties in the order they were set). A timer already due when set fires on the next microtask, as
 * an overdue durable timer recomputed on start would fire promptly.
 */
export const createManualTimers = (clock: ManualClock): ManualTimers => {
  const entries = new Set<Entry>();
  let seq = 0;

  const ordered = (): Entry[] => [...entries].sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);

  clock.attach({
    nextDueAt: () => ordered()[0]?.dueAt,
    fireDue: (now) => {
      for (const entry of ordered()) {
        if (entry.dueAt > now) break;
        if (!entries.delete(entry)) continue;
        entry.callback();
      }
    },
  });

  return {
    at: (dueAt, callback): TimerHandle => {
      const entry: Entry = { dueAt, seq: seq++, callback };
      entries.add(entry);
      if (dueAt <= clock.now())
        queueMicrotask(() => {
          if (entries.delete(entry)) entry.callback();
        });
      return { cancel: () => void entries.delete(entry) };
    },
    pending: () => entries.size,
  };
};
