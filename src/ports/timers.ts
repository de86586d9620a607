/**
 * In-process wake-ups. Durable due times live in the event store; timers only wake the process
 * when one falls due, so losing every timer (a crash) loses nothing: they are recomputed on start.
 * `at` is in the Clock's time, so a scaled clock and its timers agree.
 */
export interface TimerHandle {
  readonly cancel: () => void;
}

export interface Timers {
  readonly at: (dueAt: number, callback: () => void) => TimerHandle;
}
