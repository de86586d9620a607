import type { Clock } from '../../ports/clock';

/**
 * Clocks. A scaled clock runs `scale` times faster than its base from an origin, so a 45-second
 * Quick Pay flow (reference §7.1) can be watched in under a second in demos and compressed-time
 * tests; timers built on it divide real delays by the same scale. A manual clock moves only when told.
 */

/** A clock whose time may run faster than real time; timers need the factor to compute real delays. */
export interface ScaledClock extends Clock {
  readonly scale: number;
}

export const systemClock: ScaledClock = { now: () => Date.now(), scale: 1 };

/**
 * Starts at `origin` (the base clock's now by default) and advances `scale` ms per base ms.
 * The result is floored: event times are whole milliseconds.
 */
export const createScaledClock = (scale: number, origin?: number, base: Clock = systemClock): ScaledClock => {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`clock scale must be > 0, got ${scale}`);
  const baseStart = base.now();
  const start = origin ?? baseStart;
  return { now: () => Math.floor(start + (base.now() - baseStart) * scale), scale };
};

/** What manual timers attach to a manual clock, so advancing time fires them in due order. */
export interface ManualScheduler {
  readonly nextDueAt: () => number | undefined;
  readonly fireDue: (now: number) => void;
}

export interface ManualClock extends ScaledClock {
  /**
   * Moves time forward by `ms`, stopping at each attached timer's due time in order, so a
   * callback sees `now()` equal to its own due time, as it would with real timers.
   */
  readonly advance: (ms: number) => void;
  /** Moves time forward to `at` (never backwards). */
  readonly advanceTo: (at: number) => void;
  readonly attach: (scheduler: ManualScheduler) => void;
}

export const createManualClock = (start: number): ManualClock => {
  let now = start;
  const schedulers: ManualScheduler[] = [];

  const nextDue = (): number | undefined => {
    let next: number | undefined;
    for (const s of schedulers) {
      const due = s.nextDueAt();
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  };

  const advanceTo = (target: number): void => {
    if (!Number.isFinite(target) || target < now)
      throw new Error(`cannot move a clock backwards to ${target}`);
    let firedAtThisInstant = 0;
    for (;;) {
      const due = nextDue();
      if (due === undefined || due > target) break;
      if (due > now) firedAtThisInstant = 0;
      // A callback that keeps scheduling itself at `now` would otherwise spin here forever.
      if (++firedAtThisInstant > 10_000) throw new Error('timers keep falling due without time passing');
      now = Math.max(now, due);
      for (const s of schedulers) s.fireDue(now);
    }
    now = target;
  };

  return {
    now: () => now,
    scale: 1,
    advance: (ms) => {
      if (!(ms >= 0)) throw new Error(`cannot advance a clock by ${ms} ms`);
      advanceTo(now + ms);
    },
    advanceTo,
    attach: (scheduler) => {
      schedulers.push(scheduler);
    },
  };
};
