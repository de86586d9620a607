/**
 * Rate limits (reference §10) and injected network faults. Limits count requests per endpoint class
 * over the last wall-clock second; the refund error budget counts refund requests that failed.
 */

export interface RateLimits {
  /** Requests per second, per endpoint class. */
  pay: number;
  reverse: number;
  refund: number;
  /** §5.5: 6 QPS for refund requests that end in an error. */
  refundErrors: number;
  query: number;
  certificates: number;
  statements: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  pay: 150,
  reverse: 150,
  refund: 150,
  refundErrors: 6,
  query: 1800,
  certificates: 1000,
  statements: 100,
};

export type LimitClass = keyof RateLimits;

export interface RateLimiter {
  /** Records the hit and says whether it is within the limit. */
  readonly admit: (limit: LimitClass, wallNow: number) => boolean;
  /** Whether one more hit would exceed the limit, without recording one. */
  readonly isExhausted: (limit: LimitClass, wallNow: number) => boolean;
  readonly limits: RateLimits;
}

/** One class's hits, oldest first; `head` skips those already out of the window. */
interface Window {
  times: number[];
  head: number;
}

export const createRateLimiter = (limits: RateLimits): RateLimiter => {
  const windows = new Map<LimitClass, Window>();
  const windowOf = (limit: LimitClass): Window => {
    const existing = windows.get(limit);
    if (existing !== undefined) return existing;
    const created: Window = { times: [], head: 0 };
    windows.set(limit, created);
    return created;
  };
  // Hits in the last second. With the hits kept sorted, expired ones are a prefix: dropping it costs
  // nothing per request, where filtering the whole window cost O(requests per second).
  const recent = (limit: LimitClass, now: number): Window => {
    const w = windowOf(limit);
    while (w.head < w.times.length && (w.times[w.head] ?? 0) <= now - 1000) w.head += 1;
    if (w.head > 1024 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head);
      w.head = 0;
    }
    return w;
  };
  const record = (w: Window, now: number): void => {
    // A clock that stepped back: insert in order so the expired hits stay a prefix.
    let at = w.times.length;
    while (at > w.head && (w.times[at - 1] ?? 0) > now) at -= 1;
    if (at === w.times.length) w.times.push(now);
    else w.times.splice(at, 0, now);
  };
  return {
    limits,
    isExhausted: (limit, now) => {
      const w = recent(limit, now);
      return w.times.length - w.head >= limits[limit];
    },
    admit: (limit, now) => {
      const w = recent(limit, now);
      if (w.times.length - w.head >= limits[limit]) return false;
      record(w, now);
      return true;
    },
  };
};

export interface NetworkFaults {
  /** Real milliseconds added before every API answer. */
  latencyMs: number;
  /** Share of API requests answered 500 SYSTEM_ERROR before anything is done. */
  errorRate: number;
  /** Share of API requests whose connection is closed without an answer, before anything is done. */
  dropRate: number;
  /**
   * Share of signed API answers (after the work is done) that the client cannot verify: signed over
   * other bytes ('badSignature'), or naming a serial that is never listed ('unknownSerial').
   */
  unverifiableRate: number;
  unverifiableAs: 'badSignature' | 'unknownSerial';
}

export const NO_FAULTS: NetworkFaults = {
  latencyMs: 0,
  errorRate: 0,
  dropRate: 0,
  unverifiableRate: 0,
  unverifiableAs: 'badSignature',
};

/** A seeded generator (mulberry32), so fault rates between 0 and 1 are reproducible. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
