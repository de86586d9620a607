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

export const createRateLimiter = (limits: RateLimits): RateLimiter => {
  const hits = new Map<LimitClass, number[]>();
  const recent = (limit: LimitClass, now: number): number[] => {
    const kept = (hits.get(limit) ?? []).filter((t) => t > now - 1000);
    hits.set(limit, kept);
    return kept;
  };
  return {
    limits,
    isExhausted: (limit, now) => recent(limit, now).length >= limits[limit],
    admit: (limit, now) => {
      const kept = recent(limit, now);
      if (kept.length >= limits[limit]) return false;
      kept.push(now);
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
}

export const NO_FAULTS: NetworkFaults = { latencyMs: 0, errorRate: 0, dropRate: 0 };

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
