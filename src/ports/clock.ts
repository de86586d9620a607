/**
 * Time, injected everywhere so tests and the sandbox can run a 45-second flow in milliseconds.
 * Adapters: the system clock, a scaled clock, and a manual clock for tests.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  readonly now: () => number;
}
